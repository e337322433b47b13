// sysfence/sandbox/statements.hpp — the sandbox statements of the text policy language.
//
//   auto parsed = sysfence::frontend::parse_policy_file("build.policy");   // fs read /usr ...
//   sysfence::sandbox::Spec spec;
//   sysfence::sandbox::StatementContext ctx{.cwd = "/home/me/src"};
//   auto errors = sysfence::sandbox::apply_statements(parsed.value->sandbox, ctx, spec);
//   for (auto& e : errors) std::cerr << e.render();    // file:line:col, the line, a caret, a hint
//
// Statements (one per line; `$CWD`, `$HOME` and `$TMPDIR` are replaced in paths):
//   fs read|read-exec|write|write-exec PATH...   (also ro, rox, rw, rwx)   fs none
//   net none | net host | net connect tcp PORT... | net bind tcp PORT...
//   scope abstract-unix signal | scope none
//   limit NAME SOFT[:HARD]                       e.g. limit nofile 256, limit as 1G
//   namespace user pid net ipc uts mount cgroup | namespace all | namespace map-root
//   mount tmpfs DIR | mount bind SRC DST | mount ro-bind SRC DST
//   hostname NAME       cap keep CAP...         env clear | env set K=V
//   chdir DIR           keep-fd N...            new-session
//   landlock best-effort|strict|off
// The frontend keeps each statement as written (ir::SandboxStatement); this module checks and
// applies them, so the syscall pipeline never depends on the sandbox.
#pragma once

#include <string>
#include <vector>

#include "sysfence/ir/policy.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace sysfence::sandbox {

struct StatementContext {
  std::string cwd;                  // $CWD
  std::string home;                 // $HOME
  std::string tmpdir = "/tmp";      // $TMPDIR
  bool skip_missing_paths = false;  // profiles: an fs path absent on this machine is left out
};

// Applies every statement to `spec` in order; returns every error (empty: all applied).
std::vector<Error> apply_statements(const std::vector<ir::SandboxStatement>& statements,
                                    const StatementContext& ctx, Spec& spec);

// `check` lints over a sandbox and the syscall policy it runs with: a path in a rule that does
// not exist, a write rule under a read-only bind, execve not allowed by the syscall layer (the
// program could never start). Each is a warning ("warning: ...") with the rule's location.
std::vector<Error> lint(const Spec& spec, const ir::ValidatedPolicy& policy);

// The embedded profile texts (policies/profiles/NAME.policy), or "" for an unknown name.
std::string_view profile_text(std::string_view name);

}  // namespace sysfence::sandbox
