// src/cli/cmd_compile.cpp — `sysfence compile [FILE | --policy F | --oci F | --default]
// [-o OUT] [--format raw|c|text|oci] [--json]`: a policy to a filter.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "program_input.hpp"
#include "sysfence/bpf/binary.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "permissive.hpp"
#include "policy_input.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/oci.hpp"
#include "sysfence/frontend/spo.hpp"

namespace sysfence::cli {
namespace {

// OCI JSON holds rules, and the runtime (runc, crun: libseccomp) compiles them into one filter:
// a policy that sysfence can only load as a stack cannot be exported faithfully.
void refuse_stacked_export(const ir::ValidatedPolicy& policy, const std::string& label) {
  auto one = compiler::compile(policy);
  if (one) return;
  auto stack = compiler::compile_stack(policy);
  throw Exit{
      kExitUsage,
      "sysfence: " + label + ": cannot export to OCI JSON: the policy compiles past 4096 " +
          "instructions (" + one.error().message + ")" +
          (stack ? ", so sysfence loads it as " + std::to_string(stack->size()) + " stacked filters"
                 : "") +
          "; OCI runtimes compile the JSON into one filter, which the kernel refuses past " +
          "4096 instructions. Use `sysfence run`, or split the argument rules.\n",
      true};
}

struct CompileOpts {
  PolicyInput policy;
  std::string output = "-";
  std::string format = "raw";
  std::string name = "sysfence_filter";
  std::string weighting = "cache-aware";
  std::string freq;  // a `learn --freq` profile
  bool json = false;
};

void run_compile(const CompileOpts& o) {
  LoadedPolicy lp = load_policy_or_exit(o.policy, /*default_if_none=*/false);
  const ir::ValidatedPolicy& policy = *lp.parsed.value;

  std::string out;
  size_t insns = 0, filters = 1;
  std::vector<std::pair<std::string, std::string>> stack_files;  // path, contents
  if (o.format == "oci" || o.format == "spo") {
    refuse_stacked_export(policy, lp.label);
    frontend::OciExportOptions eo;
    eo.flag_bits = lp.oci_flags;
    auto r = frontend::export_oci(policy, eo);
    if (!r.ok()) {
      throw Exit{kExitUsage, r.render() + (r.errors.empty() ? "cannot export to OCI JSON\n" : ""),
                 true};
    }
    for (const Error& w : r.warnings) err_stream() << w.render();
    out = *r.value;
    if (out.empty() || out.back() != '\n') out += '\n';
    if (o.format == "spo") {
      std::vector<std::string> spo_warnings;
      out = take(frontend::oci_to_spo_yaml(
                     out, frontend::kubernetes_name(lp.is_default ? "sysfence-default" : lp.label),
                     spo_warnings),
                 kExitFail);
      for (const auto& w : spo_warnings) err_stream() << "sysfence: warning: " << w << '\n';
    }
  } else {
    compiler::Options co;
    co.weighting =
        o.weighting == "uniform" ? compiler::Weighting::Uniform : compiler::Weighting::CacheAware;
    compiler::FrequencyProfile profile;
    if (!o.freq.empty()) {
      profile = load_frequency_or_exit(o.freq);
      co.profile = &profile;
    }
    const std::vector<bpf::Program> stack = take(compiler::compile_stack(policy, co));
    for (const bpf::Program& prog : stack) insns += prog.size();
    filters = stack.size();
    if (stack.size() > 1) {
      // A stack: filter i (install order) to OUT.i; C and text may also go to stdout, one after
      // another under a header each.
      if (o.output == "-" && (o.format == "raw" || o.json))
        fail_usage("this policy compiles to " + std::to_string(stack.size()) +
                   " stacked filters (past 4096 instructions): give -o OUT, they are written to "
                   "OUT.1 ... OUT." +
                   std::to_string(stack.size()));
      const bpf::FilterFormat fmt = *bpf::filter_format_from_name(o.format);
      if (o.output == "-") {
        out = take(bpf::write_filter_stack(stack, fmt, o.name));
      } else {
        for (size_t i = 0; i < stack.size(); ++i) {
          const std::string n = std::to_string(i + 1);
          stack_files.emplace_back(o.output + "." + n,
                                   take(bpf::write_filter(stack[i], fmt, o.name + "_" + n)));
        }
      }
    } else {
      if (o.format == "raw" && o.output == "-" && !o.json && ::isatty(STDOUT_FILENO)) {
        fail_usage(
            "refusing to write a binary filter to a terminal: use -o FILE (or --format text)");
      }
      out = take(bpf::write_filter(stack.front(), *bpf::filter_format_from_name(o.format), o.name));
    }
  }
  if (!stack_files.empty()) {
    for (const auto& [path, data] : stack_files) write_file(path, data);
    if (o.json) {
      nlohmann::json files = nlohmann::json::array();
      for (const auto& f : stack_files) files.push_back(f.first);
      print_json({{"policy", lp.label},
                  {"outputs", files},
                  {"format", o.format},
                  {"instructions", insns},
                  {"filters", filters}});
      return;
    }
    err_stream() << "sysfence: " << lp.label << " -> " << stack_files.size()
                 << " stacked filters, install in this order:";
    for (const auto& f : stack_files) err_stream() << ' ' << f.first;
    err_stream() << " (" << o.format << ", " << insns << " instructions)\n";
    return;
  }

  if (o.json) {
    if (o.output == "-")
      fail_usage("--json prints a summary on stdout: give the filter a file with -o");
    write_file(o.output, out);
    nlohmann::json arches = nlohmann::json::array();
    for (auto a : policy.arches()) arches.push_back(arch::info(a).name);
    nlohmann::json warnings = nlohmann::json::array();
    for (const Error& w : lp.parsed.warnings) warnings.push_back(w.render(false));
    print_json({{"policy", lp.label},
                {"output", o.output},
                {"format", o.format},
                {"instructions", insns},
                {"bytes", out.size()},
                {"arches", arches},
                {"warnings", warnings}});
    return;
  }
  write_file(o.output, out);
  if (o.output != "-") {
    // One write, without the streams (std::cerr would also write each piece on its own).
    std::string note = "sysfence: " + lp.label + " -> " + o.output + " (" + o.format;
    if (insns) note += ", " + std::to_string(insns) + " instructions";
    write_stderr(note + ")\n");
  }
}

// `compile DIR -o OUTDIR --format oci|spo`: every *.policy and *.json in DIR, each to
// OUTDIR/<name>.json (oci) or .yaml (spo). Every policy is compiled before anything is written:
// one bad policy writes nothing.
void run_compile_dir(const CompileOpts& o) {
  namespace fs = std::filesystem;
  if (o.format != "oci" && o.format != "spo")
    fail_usage("a directory of policies compiles with --format oci or --format spo");
  if (o.output == "-") fail_usage("a directory of policies needs -o OUTDIR");
  std::vector<fs::path> inputs;
  for (const auto& e : fs::directory_iterator(o.policy.positional)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".policy" || ext == ".json")) inputs.push_back(e.path());
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) fail_usage(o.policy.positional + ": no *.policy or *.json file in it");
  std::vector<std::pair<fs::path, std::string>> outputs;
  for (const auto& in : inputs) {
    CompileOpts one = o;
    one.policy.positional = in.string();
    LoadedPolicy lp = load_policy_or_exit(one.policy, false);
    refuse_stacked_export(*lp.parsed.value, in.string());
    frontend::OciExportOptions eo;
    eo.flag_bits = lp.oci_flags;
    auto r = frontend::export_oci(*lp.parsed.value, eo);
    if (!r.ok())
      throw Exit{kExitUsage, r.render() + in.string() + ": cannot export to OCI JSON\n", true};
    for (const Error& w : r.warnings) err_stream() << w.render();
    std::string out = *r.value;
    if (out.empty() || out.back() != '\n') out += '\n';
    const std::string name = frontend::kubernetes_name(in.string());
    if (o.format == "spo") {
      std::vector<std::string> spo_warnings;
      out = take(frontend::oci_to_spo_yaml(out, name, spo_warnings), kExitFail);
      for (const auto& w : spo_warnings)
        err_stream() << "sysfence: warning: " << in.string() << ": " << w << '\n';
    }
    outputs.emplace_back(fs::path(o.output) / (name + (o.format == "spo" ? ".yaml" : ".json")),
                         out);
  }
  std::error_code ec;
  fs::create_directories(o.output, ec);
  if (ec) fail(o.output + ": " + ec.message());
  for (const auto& [path, data] : outputs) {
    write_file(path.string(), data);
    err_stream() << "sysfence: -> " << path.string() << '\n';
  }
}

int run_compile_command(const CompileOpts& o) {
  if (!o.policy.positional.empty() && std::filesystem::is_directory(o.policy.positional))
    run_compile_dir(o);
  else
    run_compile(o);
  return kExitOk;
}

}  // namespace

Command add_compile(CLI::App& app) {
  auto o = std::make_shared<CompileOpts>();
  auto* sub =
      app.add_subcommand("compile", "Compile a policy to a BPF filter (raw, C, text) or OCI JSON");
  sub->footer(
      "Formats: raw (struct sock_filter array, what seccomp(2) takes; `disasm` reads it back),\n"
      "c (a C array), text (the disassembler's text; `asm` reads it back), oci (the policy as\n"
      "runtime-spec LinuxSeccomp JSON for runc, crun and Kubernetes), spo (a Kubernetes Security\n"
      "Profiles Operator SeccompProfile, YAML). FILE may be a directory with --format oci|spo:\n"
      "each *.policy and *.json in it is written to -o OUTDIR as NAME.json or NAME.yaml.\n"
      "A policy past 4096 instructions compiles to stacked filters (each syscall decided in one):\n"
      "-o OUT writes them to OUT.1 ... OUT.N in install order (`disasm` and `emu --raw` read\n"
      "several); OCI JSON cannot express a stack (an error).\n"
      "Exit codes: 0 written; 1 cannot write; 2 bad policy or usage.");
  add_policy_options(sub, o->policy, /*positional=*/true);
  sub->add_option("-o,--output", o->output, "output file (\"-\": stdout)");
  sub->add_option("-f,--format", o->format, "raw, c, text, oci or spo")
      ->check(CLI::IsMember({"raw", "c", "text", "oci", "spo"}));
  sub->add_option("--name", o->name, "C array name for --format c");
  sub->add_option("--weighting", o->weighting, "dispatch tree weighting: cache-aware or uniform")
      ->check(CLI::IsMember({"cache-aware", "uniform"}));
  sub->add_option("--freq", o->freq,
                  "weight the dispatch tree by a `sysfence learn --freq` profile");
  sub->add_flag("--json", o->json, "print a JSON summary (needs -o FILE)");
  return {sub, [o] { return run_compile_command(*o); }};
}

std::function<int()> compile_without_option_parser(int argc, char** argv) {
  // Only `compile FILE -o OUT` and `compile -o OUT FILE` (also --output), with words that CLI11
  // reads the same way: none empty or starting with '-', FILE not this subcommand's name.
  if (argc != 5 || std::strcmp(argv[1], "compile") != 0) return {};
  auto plain = [](const char* w) { return w[0] != '\0' && w[0] != '-'; };
  auto is_output = [](const char* w) {
    return std::strcmp(w, "-o") == 0 || std::strcmp(w, "--output") == 0;
  };
  const char* file = nullptr;
  const char* out = nullptr;
  if (is_output(argv[2]) && plain(argv[3]) && plain(argv[4])) {
    out = argv[3];
    file = argv[4];
  } else if (plain(argv[2]) && is_output(argv[3]) && plain(argv[4])) {
    file = argv[2];
    out = argv[4];
  } else {
    return {};
  }
  if (std::strcmp(file, "compile") == 0) return {};
  auto o = std::make_shared<CompileOpts>();
  o->policy.positional = file;
  o->output = out;
  return [o] { return run_compile_command(*o); };
}

}  // namespace sysfence::cli
