// src/cli/sandbox_options.hpp — the `run` flags of the sandbox layers (Landlock, namespaces,
// rlimits, privilege, environment, profiles): a thin parser over sysfence/sandbox.
//
//   SandboxOptions so;
//   add_sandbox_options(sub, so);                     // when the subcommand is defined
//   sandbox::Plan plan = sandbox_plan_or_exit(so, report, &policy_spec.sandbox);
//   // after parsing: exit 2 for a bad flag or statement, exit 1 when strict Landlock is refused.
// Order: --profile (policies/profiles/NAME.policy), the policy file's sandbox statements, the
// flags; a later setting wins (lists such as --ro add up).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sysfence/ir/policy.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace sysfence::cli {

struct SandboxOptions {
  std::vector<std::string> ro, rox, rw, rwx;
  std::string landlock;  // "" = as the profile/policy says (best effort)
  std::string net;
  std::vector<std::string> connect_tcp, bind_tcp;
  std::string scope;
  std::vector<std::string> unshare;
  bool map_root = false;
  std::vector<std::string> tmpfs;
  std::vector<std::pair<std::string, std::string>> ro_bind, bind;
  std::string hostname;
  std::vector<std::string> rlimits;
  std::string cap_drop;
  std::vector<std::string> cap_keep;
  std::string uid, gid;
  bool clearenv = false;
  std::vector<std::string> setenv;
  std::string chdir;
  std::vector<int> keep_fds;
  bool new_session = false;
  std::vector<std::string> profiles;
  bool dry_run = false;
};

void add_sandbox_options(CLI::App* sub, SandboxOptions& o);

// Builds the Spec (profiles first, flags over them), validates it and probes the kernel. Prints
// the one "not enforced" line on stderr (best effort); with `report` every layer's line; with
// --dry-run the plan as JSON on stdout, then exits 0.
// `from_policy`: the sandbox statements of the policy file (flags override them).
sandbox::Plan sandbox_plan_or_exit(const SandboxOptions& o, bool report,
                                   const std::vector<ir::SandboxStatement>* from_policy = nullptr);

// The plan as JSON, layer by layer (`run --json`): Landlock (ABI, handled access, rules, scopes,
// what this kernel could not enforce), namespaces and mounts, rlimits, privilege, environment.
nlohmann::json sandbox_json(const sandbox::Plan& plan);

// The Spec the flags describe (exits 2 on a bad flag). Exposed for `check`.
sandbox::Spec sandbox_spec_or_exit(const SandboxOptions& o,
                                   const std::vector<ir::SandboxStatement>* from_policy = nullptr);

// `check` on a policy with sandbox statements: their errors (exit 2) and the lints of
// sandbox::lint (a missing path, a write rule under a read-only bind, execve denied).
struct SandboxFindings {
  std::vector<Error> errors;
  std::vector<Error> warnings;
};
SandboxFindings check_sandbox_statements(const ir::ValidatedPolicy& policy);

}  // namespace sysfence::cli
