// src/cli/cmd_compile.cpp — `sysfence compile [FILE | --policy F | --oci F | --default]
// [-o OUT] [--format raw|c|text|oci] [--json]`: a policy to a filter.
#include <unistd.h>

#include <iostream>

#include "bpf_glue.hpp"
#include "commands.hpp"
#include "common.hpp"
#include "policy_input.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/oci.hpp"

namespace sysfence::cli {
namespace {

struct CompileOpts {
  PolicyInput policy;
  std::string output = "-";
  std::string format = "raw";
  std::string name = "sysfence_filter";
  std::string weighting = "cache-aware";
  bool json = false;
};

void run_compile(const CompileOpts& o) {
  LoadedPolicy lp = load_policy_or_exit(o.policy, /*default_if_none=*/false);
  const ir::Policy& policy = *lp.parsed.value;

  std::string out;
  size_t insns = 0;
  if (o.format == "oci") {
    frontend::OciExportOptions eo;
    eo.flag_bits = lp.oci_flags;
    auto r = frontend::export_oci(policy, eo);
    if (!r.ok()) {
      throw Exit{kExitUsage, r.render() + (r.errors.empty() ? "cannot export to OCI JSON\n" : ""), true};
    }
    for (const Error& w : r.warnings) std::cerr << w.render();
    out = *r.value;
    if (out.empty() || out.back() != '\n') out += '\n';
  } else {
    compiler::Options co;
    co.weighting = o.weighting == "uniform" ? compiler::Weighting::Uniform : compiler::Weighting::CacheAware;
    bpf::Program prog = take(compiler::compile(policy, co));
    insns = prog.size();
    if (o.format == "raw") {
      out = program_to_raw(prog);
      if (o.output == "-" && !o.json && ::isatty(STDOUT_FILENO)) {
        fail_usage("refusing to write a binary filter to a terminal: use -o FILE (or --format text)");
      }
    } else if (o.format == "c") {
      out = program_to_c(prog, o.name);
    } else {
      out = program_to_text(prog);
    }
  }

  if (o.json) {
    if (o.output == "-") fail_usage("--json prints a summary on stdout: give the filter a file with -o");
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
    std::cerr << "sysfence: " << lp.label << " -> " << o.output << " (" << o.format;
    if (insns) std::cerr << ", " << insns << " instructions";
    std::cerr << ")\n";
  }
}

}  // namespace

void add_compile(CLI::App& app) {
  auto o = std::make_shared<CompileOpts>();
  auto* sub = app.add_subcommand("compile", "Compile a policy to a BPF filter (raw, C, text) or OCI JSON");
  sub->footer(
      "Formats: raw (struct sock_filter array, what seccomp(2) takes; `disasm` reads it back),\n"
      "c (a C array), text (the disassembler's text; `asm` reads it back), oci (the policy as\n"
      "runtime-spec LinuxSeccomp JSON for runc, crun and Kubernetes).\n"
      "Exit codes: 0 written; 1 cannot write; 2 bad policy or usage.");
  add_policy_options(sub, o->policy, /*positional=*/true);
  sub->add_option("-o,--output", o->output, "output file (\"-\": stdout)");
  sub->add_option("-f,--format", o->format, "raw, c, text or oci")
      ->check(CLI::IsMember({"raw", "c", "text", "oci"}));
  sub->add_option("--name", o->name, "C array name for --format c");
  sub->add_option("--weighting", o->weighting, "dispatch tree weighting: cache-aware or uniform")
      ->check(CLI::IsMember({"cache-aware", "uniform"}));
  sub->add_flag("--json", o->json, "print a JSON summary (needs -o FILE)");
  sub->callback([o] { run_compile(*o); });
}

}  // namespace sysfence::cli
