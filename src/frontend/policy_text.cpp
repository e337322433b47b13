// The sysfence text policy language: reads the policy (and its @includes), then runs the parts
// under src/frontend/text/: lexer, parser (with recovery at the next line), and the lowering of
// rules to IR (names per arch, constants per arch, conditions to DNF).
#include "sysfence/frontend/policy_text.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <utility>

#include "frontend/names.hpp"
#include "frontend/text/lower.hpp"
#include "frontend/text/parser.hpp"
#include "frontend/text/source.hpp"
#include "sysfence/diagnostics.hpp"
#include "sysfence/input_file.hpp"

namespace sysfence::frontend {
namespace {

using arch::Arch;
using ir::Action;
using ir::ActionKind;
using text::Diag;
using text::ParseState;
using text::quote;
using text::SourceFile;
using text::split_lines;

// The default reader: regular files only for @include (a FIFO must not block, /dev/zero must
// not be read forever); the policy file itself may also be a pipe (`--policy <(...)`).
std::optional<std::string> read_fs_as(const std::string& path, std::string* why,
                                      bool regular_only) {
  InputFileOptions o;
  o.regular_only = regular_only;
  Result<std::string> r = read_input_file(path, o);
  if (r) return std::move(*r);
  if (why) {
    // The caller names the path itself: only the reason.
    const auto* file = std::get_if<FileProblem>(&r.error().payload);
    *why = file ? file->reason : r.error().message;
  }
  return std::nullopt;
}
std::optional<std::string> read_fs(const std::string& path, std::string* why) {
  return read_fs_as(path, why, true);
}

Parsed<ir::PolicySpec> parse_impl(const std::string& text, const std::string& filename,
                                  ParseOptions opt) {
  if (!opt.read_file) opt.read_file = read_fs;
  Diag d;
  ParseState st;
  st.input_bytes = text.size();
  if (text.size() > kMaxInputBytes) {
    Parsed<ir::PolicySpec> out;
    Error e;
    e.code = ErrorCode::LimitExceeded;
    e.message = filename + ": the policy is larger than " + describe_size(kMaxInputBytes);
    e.hint = "split it, or check that it is the file you meant";
    out.errors.push_back(std::move(e));
    return out;
  }
  d.files.push_back(SourceFile{filename, text, split_lines(text)});
  st.top_file = filename;  // into st.included at the first @include (ParseState)
  text::parse(d, st, opt);

  std::vector<Arch> targets = !opt.force_arches.empty() ? opt.force_arches
                              : st.arches.value         ? *st.arches.value
                                                        : opt.default_arches;
  if (targets.empty()) targets.push_back(arch::native_arch());
  ir::MissingSyscall missing = st.missing.value.value_or(ir::MissingSyscall::Warn);
  std::vector<ir::Rule> rules = text::lower_rules(d, st, targets, missing);

  // Report in source order (files in the order they were read), whichever phase found them.
  auto by_place = [&](const Error& x, const Error& y) {
    auto file_index = [&](const std::string& f) {
      for (size_t i = 0; i < d.files.size(); ++i)
        if (d.files[i].path == f) return i;
      return d.files.size();
    };
    auto kx = std::make_tuple(file_index(x.where.file), x.where.line, x.where.col);
    auto ky = std::make_tuple(file_index(y.where.file), y.where.line, y.where.col);
    return kx < ky;
  };
  std::stable_sort(d.errors.begin(), d.errors.end(), by_place);
  d.finish();
  std::stable_sort(d.warnings.begin(), d.warnings.end(), by_place);
  Parsed<ir::PolicySpec> out;
  if (opt.warnings_are_errors) {
    for (Error& w : d.warnings) d.errors.push_back(std::move(w));
    d.warnings.clear();
  }
  out.errors = std::move(d.errors);
  out.warnings = std::move(d.warnings);
  if (!out.errors.empty()) return out;
  ir::PolicySpec spec;
  spec.default_action = st.default_action.value.value_or(Action::kill_process());
  spec.bad_arch_action = st.bad_arch.value.value_or(Action::kill_process());
  spec.unknown_syscall_action = st.unknown_syscall.value;
  spec.arches = targets;
  spec.rules = std::move(rules);
  spec.missing_syscall = missing;
  spec.loc.file = filename;
  spec.sandbox = std::move(st.sandbox);
  out.value = std::move(spec);
  return out;
}

Parsed<ir::ValidatedPolicy> build(Parsed<ir::PolicySpec> in) {
  Parsed<ir::ValidatedPolicy> out;
  out.errors = std::move(in.errors);
  out.warnings = std::move(in.warnings);
  if (!in.value) return out;
  Diagnostics sink;  // build()'s errors (all of them), or its warnings
  std::optional<ir::ValidatedPolicy> p = ir::ValidatedPolicy::build(std::move(*in.value), sink);
  if (!p) {
    for (Error& e : sink.errors) out.errors.push_back(std::move(e));
    return out;
  }
  for (Error& w : sink.warnings) out.warnings.push_back(std::move(w));
  out.value = std::move(*p);
  return out;
}

}  // namespace

Parsed<ir::PolicySpec> parse_policy_text(std::string_view text, std::string_view filename,
                                         const ParseOptions& options) {
  return parse_impl(std::string(text), std::string(filename), options);
}

Parsed<ir::PolicySpec> parse_policy_file(const std::string& path, const ParseOptions& options) {
  std::string why;
  auto text = options.read_file ? options.read_file(path, &why) : read_fs_as(path, &why, false);
  if (!text) {
    Parsed<ir::PolicySpec> out;
    Error e;
    e.code = ErrorCode::Io;
    e.message = "cannot read policy file " + quote(path) + (why.empty() ? "" : ": " + why);
    out.errors.push_back(std::move(e));
    return out;
  }
  return parse_impl(*text, path, options);
}

Parsed<ir::ValidatedPolicy> load_policy_text(std::string_view text, std::string_view filename,
                                             const ParseOptions& options) {
  return build(parse_policy_text(text, filename, options));
}

Parsed<ir::ValidatedPolicy> load_policy_file(const std::string& path, const ParseOptions& options) {
  return build(parse_policy_file(path, options));
}

Result<ir::Action> parse_action(std::string_view text) {
  ParseOptions opt;
  opt.read_file = [](const std::string&, std::string* why) -> std::optional<std::string> {
    if (why) *why = "not available here";
    return std::nullopt;
  };
  std::string src = "default " + std::string(text) + "\n";
  Parsed<ir::PolicySpec> p = parse_policy_text(src, "<action>", opt);
  if (!p.ok()) {
    Error e = p.errors.front();
    e.where = SourceLoc{};
    e.message = "invalid action " + quote(text) + ": " + e.message;
    return e;
  }
  return p.value->default_action;
}

std::string action_to_text(const ir::Action& a) {
  std::string word(bpf::action_info(a.kind).language);  // bpf::kActionTable
  if (a.kind == ActionKind::Errno) {
    auto n = detail::errno_name(a.data);
    return word + " " + (n ? std::string(*n) : std::to_string(a.data));
  }
  if (bpf::action_info(a.kind).shows_data && a.data != 0)
    return word + " " + std::to_string(a.data);
  return word;
}

}  // namespace sysfence::frontend
