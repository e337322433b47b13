// src/learn/explain.cpp — which rule of a policy decides a call, and frequency profiles.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/learn/learn.hpp"

namespace sysfence::learn {
namespace {

bool cmp_holds(const ir::ArgCmp& c, arch::Arch a, const Args& args) {
  const ir::EffectiveCmp e = ir::effective(c, a);
  uint64_t x = args[e.arg];
  if (e.low32) x &= 0xffffffffULL;
  switch (e.op) {
    case ir::CmpOp::Eq: return x == e.value;
    case ir::CmpOp::Ne: return x != e.value;
    case ir::CmpOp::Lt: return x < e.value;
    case ir::CmpOp::Le: return x <= e.value;
    case ir::CmpOp::Gt: return x > e.value;
    case ir::CmpOp::Ge: return x >= e.value;
    case ir::CmpOp::MaskedEq: return (x & e.mask) == e.value;
  }
  return false;
}

std::optional<arch::Arch> targeted_arch(const ir::ValidatedPolicy& p, uint32_t audit, int32_t nr) {
  const arch::Arch native = arch::native_arch();
  const std::span<const arch::Arch> t =
      p.arches().empty() ? std::span<const arch::Arch>(&native, 1) : p.arches();
  auto has = [&](arch::Arch a) { return std::find(t.begin(), t.end(), a) != t.end(); };
  if (audit == bpf::kAuditArchX86_64) {
    const auto u = static_cast<uint32_t>(nr);
    if (u == 0xffffffffU) {
      if (has(arch::Arch::X86_64)) return arch::Arch::X86_64;
      if (has(arch::Arch::X32)) return arch::Arch::X32;
      return std::nullopt;
    }
    const arch::Arch a = u >= bpf::kX32SyscallBit ? arch::Arch::X32 : arch::Arch::X86_64;
    if (has(a)) return a;
    return std::nullopt;
  }
  for (arch::Arch a : t)
    if (arch::info(a).audit_arch == audit) return a;
  return std::nullopt;
}

Error at(std::string_view file, int line, int col, std::string_view src, std::string msg,
         std::string hint) {
  return Error::make(ErrorCode::Syntax, std::move(msg), std::move(hint),
                     SourceLoc{std::string(file), line, col, {}, std::string(src)});
}

// Decimal digits only, no overflow.
bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Verdict explain(const ir::ValidatedPolicy& p, uint32_t audit, int32_t nr, const Args& args) {
  const ir::PolicySpec& s = p.spec();
  Verdict v;
  auto a = targeted_arch(p, audit, nr);
  if (!a) {
    v.source = Verdict::Source::BadArch;
    v.action = s.bad_arch_action;
    return v;
  }
  bool any = false;
  for (const ir::ResolvedRule& rr : p.rules_for(*a)) {
    if (rr.nr != nr) continue;
    any = true;
    bool all = true;
    for (const ir::ArgCmp& c : rr.rule->conds) all = all && cmp_holds(c, *a, args);
    if (!all) continue;
    if (!v.rule || static_cast<int>(rr.rule->action.kind) < static_cast<int>(v.rule->action.kind))
      v.rule = rr.rule;
  }
  if (v.rule) {
    v.source = Verdict::Source::Rule;
    v.action = v.rule->action;
    return v;
  }
  if (any || arch::syscall_name(*a, nr) || !s.unknown_syscall_action) {
    v.source = Verdict::Source::Default;
    v.action = s.default_action;
    return v;
  }
  v.source = Verdict::Source::UnknownSyscall;
  v.action = *s.unknown_syscall_action;
  return v;
}

std::string describe(const Verdict& v) {
  switch (v.source) {
    case Verdict::Source::BadArch: return "bad-arch (an ABI the policy does not target)";
    case Verdict::Source::Default: return "the default action";
    case Verdict::Source::UnknownSyscall: return "unknown-syscall";
    case Verdict::Source::Rule: {
      const SourceLoc& l = v.rule->loc;
      std::string s = "the rule";
      if (l.line > 0)
        s += " at " + l.file + ":" + std::to_string(l.line) + ":" + std::to_string(l.col);
      else if (!l.json_path.empty())
        s += " at " + l.file + ": " + l.json_path;
      if (!l.source_line.empty()) {
        std::string src = l.source_line;
        while (!src.empty() && std::isspace(static_cast<unsigned char>(src.front())))
          src.erase(src.begin());
        s += " (`" + src + "`)";
      }
      return s;
    }
  }
  return "?";
}

Result<compiler::FrequencyProfile> parse_frequency(std::string_view text,
                                                   std::string_view filename) {
  compiler::FrequencyProfile prof;
  std::set<std::pair<arch::Arch, int32_t>> seen;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::vector<std::pair<size_t, std::string_view>> fields;  // (column, text)
    size_t i = 0;
    while (i < line.size()) {
      if (line[i] == '#') break;
      if (std::isspace(static_cast<unsigned char>(line[i]))) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j])) &&
             line[j] != '#')
        ++j;
      fields.push_back({i, line.substr(i, j - i)});
      i = j;
    }
    if (fields.empty()) continue;
    auto col = [&](size_t f) { return static_cast<int>(fields[f].first) + 1; };
    if (fields.size() != 3)
      return at(
          filename, line_no, fields.size() > 3 ? col(3) : static_cast<int>(line.size()) + 1, line,
          "expected `ARCH SYSCALL COUNT`, found " + std::to_string(fields.size()) + " field(s)",
          "one syscall per line, e.g. `x86_64 read 1234`");
    auto a = arch::arch_from_name(fields[0].second);
    if (!a)
      return at(filename, line_no, col(0), line,
                "unknown arch `" + std::string(fields[0].second) + "`",
                "use x86_64, i386, x32, aarch64, arm or riscv64");
    int32_t nr = 0;
    const std::string_view sc = fields[1].second;
    if (auto n = arch::syscall_number(*a, sc)) {
      nr = *n;
    } else if (uint64_t num = 0; parse_u64(sc, &num) && num <= 0x7fffffffULL) {
      nr = static_cast<int32_t>(num);
    } else {
      std::string near = arch::nearest_syscall_name(sc);
      return at(filename, line_no, col(1), line,
                "`" + std::string(sc) + "` is not a syscall on " + std::string(arch::info(*a).name),
                near.empty() ? "give a syscall name or number" : "did you mean `" + near + "`?");
    }
    const std::string_view cs = fields[2].second;
    uint64_t count = 0;
    if (!parse_u64(cs, &count))
      return at(filename, line_no, col(2), line,
                "the count `" + std::string(cs) + "` is not a whole number",
                "a count of calls: a whole number below 2^64");
    if (!seen.insert({*a, nr}).second)
      return at(
          filename, line_no, col(1), line,
          "`" + std::string(sc) + "` on " + std::string(arch::info(*a).name) + " is listed twice",
          "give each syscall one line (add the counts)");
    prof[{*a, nr}] = static_cast<double>(count);
  }
  return prof;
}

}  // namespace sysfence::learn
