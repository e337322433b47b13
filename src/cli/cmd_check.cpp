// src/cli/cmd_check.cpp — `sysfence check [FILE | --policy F | --oci F | --default] [--strict]
// [--json]`: lint a policy. Errors and warnings of the parser/importer, shadowed, duplicate and
// contradictory rules, the i386 and x32 doors on x86_64, what the kernel's constant-allow cache
// takes, and the size of the compiled filter.
#include <iostream>
#include <optional>
#include <vector>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/ir/lint.hpp"
#include "sandbox_options.hpp"
#include "policy_input.hpp"
#include "sysfence/bpf/filter_report.hpp"
#include "sysfence/compiler/compiler.hpp"

namespace sysfence::cli {
namespace {

struct CheckOpts {
  PolicyInput policy;
  bool strict = false;
  bool json = false;
};

nlohmann::json error_json(const Error& e) { return diagnostic_json(e); }

int run_check(CheckOpts& o) {
  o.policy.warnings_are_errors = false;  // --strict is applied to the exit code, below
  LoadedPolicy lp = parse_policy_input(o.policy, /*default_if_none=*/false);
  const auto& parsed = lp.parsed;

  nlohmann::json j = {{"policy", lp.label}};
  if (!lp.caps_used.empty()) j["capabilities"] = lp.caps_used;
  nlohmann::json errors = nlohmann::json::array();
  nlohmann::json warnings = nlohmann::json::array();
  for (const Error& e : parsed.errors) errors.push_back(error_json(e));
  for (const Error& w : parsed.warnings) warnings.push_back(error_json(w));

  if (!parsed.ok()) {
    if (o.json) {
      j["ok"] = false;
      j["errors"] = errors;
      j["warnings"] = warnings;
      print_json(j);
    } else {
      err_stream() << parsed.render();
      if (parsed.errors.empty()) err_stream() << lp.label << ": no policy\n";
      err_stream() << lp.label << ": " << parsed.errors.size() << " error(s), "
                   << parsed.warnings.size() << " warning(s)\n";
    }
    return kExitUsage;
  }
  const ir::ValidatedPolicy& policy = *parsed.value;

  // Rules.
  std::vector<ir::LintFinding> findings = ir::lint_rules(policy);
  nlohmann::json fj = nlohmann::json::array();
  for (const auto& f : findings) {
    auto e = error_json(f.error);
    e["kind"] = f.kind;
    fj.push_back(std::move(e));
  }

  // The compiled filter.
  auto compiled = compiler::compile(policy);
  nlohmann::json arches_j = nlohmann::json::array();
  std::string report;  // human text
  size_t size = 0;
  size_t problems = findings.size() + parsed.warnings.size();
  // Past 4096 instructions: the stack `run` would install (no per-arch analysis of a stack).
  std::optional<std::vector<bpf::Program>> stack;
  if (!compiled) {
    if (auto st = compiler::compile_stack(policy)) stack = std::move(*st);
  }
  if (stack) {
    for (const auto& p : *stack) size += p.size();
    j["filters"] = stack->size();
    report += "size: " + std::to_string(size) + " instructions in " +
              std::to_string(stack->size()) +
              " stacked filters (each within the 4096 limit; `run` installs them all or none)\n";
  } else if (!compiled) {
    errors.push_back(error_json(compiled.error()));
  } else {
    size = compiled->size();
    const std::vector<arch::Arch> arches = target_arches(policy);
    const bpf::FilterReport fr = take(bpf::analyze_filter(*compiled, arches), kExitFail);
    for (const bpf::ArchReport& ar : fr.arches) {
      const auto& info = arch::info(ar.arch);
      nlohmann::json aj = {{"arch", info.name}};
      aj["cache"] = {{"syscalls", ar.syscalls},
                     {"allowed", ar.allowed},
                     {"cached", ar.cached},
                     {"allowed_uncached", ar.allowed_uncached},
                     {"kernel_caches", ar.kernel_caches}};
      // Instructions the kernel runs per syscall when the cache does not answer.
      aj["executed_max"] = ar.executed_max;
      aj["executed_mean"] = ar.executed_mean;
      report +=
          std::string(info.name) + ": " + std::to_string(ar.allowed) + " of " +
          std::to_string(ar.syscalls) + " syscalls allowed, " + std::to_string(ar.cached) +
          " of them cached by the kernel (no BPF runs)" +
          (ar.kernel_caches ? ""
                            : " [the kernel keeps no cache for " + std::string(info.name) + "]");
      if (ar.allowed_uncached) {
        report += ", " + std::to_string(ar.allowed_uncached) + " allowed only after BPF runs";
      }
      char mean[32];
      std::snprintf(mean, sizeof mean, "%.1f", ar.executed_mean);
      report += "; instructions per uncached call: mean " + std::string(mean) + ", max " +
                std::to_string(ar.executed_max) + "\n";
      arches_j.push_back(std::move(aj));
    }

    // The doors of the targets (on x86_64: i386 and x32).
    nlohmann::json doors = nlohmann::json::array();
    for (const bpf::DoorReport& d : fr.doors) {
      const std::string name(arch::info(d.door).name);
      const std::string how(d.how);
      doors.push_back({{"door", name},
                       {"listed", d.listed},
                       {"allowed", d.allowed},
                       {"probed", d.probed},
                       {"getpid", d.getpid_action}});
      if (d.allowed == 0) {
        report += name + " door (" + how + "): closed (getpid -> " + d.getpid_action + ")\n";
      } else if (d.listed) {
        report += name + " door (" + how +
                  "): open on purpose (listed in arch): " + std::to_string(d.allowed) +
                  " syscalls allowed\n";
      } else {
        Error w = Error::warning(ErrorCode::Lint, {});
        w.message = "the " + name + " door (" + how + ") is open: " + std::to_string(d.allowed) +
                    " syscalls allowed although the policy does not target " + name;
        w.hint = "keep the bad-arch action a denial, or list " + name + " in `arch`";
        w.where = policy.spec().loc;
        warnings.push_back(error_json(w));
        report += w.render(false);  // stdout: plain (colour is for stderr)
        ++problems;
      }
    }
    j["doors"] = doors;
    if (!lp.caps_used.empty())
      report += "capabilities for includes/excludes: " + lp.caps_used +
                " (--cap CAP adds, --cap none, --host-caps)\n";
    report += "size: " + std::to_string(size) + " instructions (limit 4096)\n";
  }

  // Sandbox statements (fs, net, limit, ...): their errors and lints (sandbox_options.hpp).
  const SandboxFindings sf = check_sandbox_statements(policy);
  for (const Error& e : sf.errors) {
    errors.push_back(error_json(e));
    if (!o.json) err_stream() << e.render();
  }
  for (const Error& w : sf.warnings) {
    warnings.push_back(error_json(w));
    report += w.render();
    ++problems;
  }

  const bool has_errors = !errors.empty();
  if (o.json) {
    j["ok"] = !has_errors && (!o.strict || problems == 0);
    j["errors"] = errors;
    j["warnings"] = warnings;
    j["findings"] = fj;
    j["arches"] = arches_j;
    j["instructions"] = size;
    print_json(j);
  } else {
    err_stream() << parsed.render();
    for (const auto& f : findings) err_stream() << f.error.render();
    if (!compiled && !stack) err_stream() << compiled.error().render();
    out_stream() << report;
    out_stream() << lp.label << ": " << (has_errors ? 1 : 0) << " error(s), " << problems
                 << " warning(s)\n";
  }
  if (has_errors) return kExitUsage;
  if (o.strict && problems) return kExitFail;
  return kExitOk;
}

}  // namespace

Command add_check(CLI::App& app) {
  auto o = std::make_shared<CheckOpts>();
  auto* sub = app.add_subcommand("check", "Lint a policy: rules, arch doors, cacheability, size");
  sub->footer(
      "Reports the parser's errors and warnings; rules that can never decide (shadowed,\n"
      "duplicate, contradictory, redundant with the default); the i386 (int 0x80) and x32\n"
      "doors of x86_64; how many allowed syscalls the kernel's constant-allow cache takes;\n"
      "instructions executed per call; and the filter's size.\n"
      "Exit codes: 0 clean (warnings allowed); 1 warnings with --strict; 2 errors.");
  add_policy_options(sub, o->policy, /*positional=*/true);
  sub->add_flag("--strict", o->strict, "exit 1 when there is any warning");
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] { return run_check(*o); }};
}

}  // namespace sysfence::cli
