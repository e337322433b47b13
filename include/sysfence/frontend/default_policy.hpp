// sysfence/frontend/default_policy.hpp — sysfence's own embedded default policy
// (policies/default.policy, compiled into the library; docs/default-policy.md explains it).
//
//   auto p = sysfence::frontend::load_default_policy();              // native arch
//   if (!p) { std::cerr << p.render(); return 2; }
//   auto prog = sysfence::compiler::compile(*p.value);
//   std::cout << sysfence::frontend::default_policy_source();        // the text itself
//
// What it does: allows what ordinary programs need (coreutils, shells, python3, perl, git, tar,
// gzip, find, sqlite3), answers EPERM for what Docker's default profile denies and more (mount,
// ptrace, kexec, bpf, keyring, perf, namespace creation, modules, TIOCSTI/TIOCLINUX, io_uring,
// userfaultfd, personality changes), and ENOSYS for syscalls newer than the policy (clone3
// included, so glibc falls back to clone, whose namespace flags are checked).
//
// Known weaknesses: it cannot look behind pointers (paths, clone3's flags, sockaddr), so it
// does not confine the file system (use Landlock for that); `ioctl` is allowed except for the
// terminal-injection requests; the i386 and x32 doors are closed (bad-arch: kill-process).
#pragma once

#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/frontend/diagnostics.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::frontend {

// The policy text as shipped (policies/default.policy).
std::string_view default_policy_source();

// Parses the embedded text for `arches` (empty: the policy's own `arch` line, the native arch).
Parsed<ir::PolicySpec> parse_default_policy(std::vector<arch::Arch> arches = {});
Parsed<ir::ValidatedPolicy> load_default_policy(std::vector<arch::Arch> arches = {});

}  // namespace sysfence::frontend

SYSFENCE_API_END
