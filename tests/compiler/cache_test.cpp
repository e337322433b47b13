// The kernel's constant-allow cache (bpf/cache.hpp, the kernel's seccomp_is_const_allow): for
// several policies and every syscall number of every targeted arch (plus numbers past the
// tables, x32 numbers and nr == -1), a number is cached exactly when the policy allows it
// unconditionally. So every unconditional allow is cacheable, and nothing else is.
#include <gtest/gtest.h>

#include <cerrno>
#include <random>

#include "helpers.hpp"
#include "random_policy.hpp"
#include "sysfence/bpf/cache.hpp"

namespace sysfence {
namespace {

using namespace sysfence::testing;
using arch::Arch;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

// Does `p` allow (a, nr) with exactly RET_ALLOW whatever the arguments? Derived from the IR:
// every rule of the number is allow, and one is unconditional or the fallback is allow too.
bool allows_unconditionally(const ir::ValidatedPolicy& p, Arch a, int32_t nr) {
  const uint32_t allow = bpf::kRetAllow;
  bool any = false, uncond = false;
  for (const ir::ResolvedRule& r : p.rules_for(a)) {
    if (r.nr != nr) continue;
    any = true;
    if (r.rule->action.to_ret() != allow) return false;
    uncond = uncond || r.rule->conds.empty();
  }
  if (uncond) return true;
  const auto& s = p.spec();
  const bool named = any || arch::syscall_name(a, nr).has_value();
  const ir::Action fallback =
      named ? s.default_action : s.unknown_syscall_action.value_or(s.default_action);
  return fallback.to_ret() == allow;
}

void check_cache(const ir::ValidatedPolicy& p, const compiler::Options& o = {}) {
  const auto prog = compile_ok(p, o);
  for (Arch a : p.arches()) {
    const auto& ai = arch::info(a);
    std::vector<int32_t> nrs;
    for (const auto& e : arch::syscalls(a)) nrs.push_back(e.nr);
    const int32_t last = arch::syscalls(a).back().nr;
    for (int32_t extra = 1; extra < 40; ++extra) nrs.push_back(last + extra);
    for (int32_t n : nrs) {
      // For x86_64 and x32 sharing one audit value, a number belongs to the arch its range says.
      if (a == Arch::X86_64 && (static_cast<uint32_t>(n) & 0x40000000U)) continue;
      ASSERT_EQ(bpf::is_const_allow(prog.program(), ai.audit_arch, n),
                allows_unconditionally(p, a, n))
          << ai.name << " nr " << n << " (" << arch::syscall_name(a, n).value_or("?") << ")\n"
          << describe(p);
    }
    // nr == -1 is never a syscall: cached only when the unknown/default action is allow.
    const auto& s = p.spec();
    EXPECT_EQ(bpf::is_const_allow(prog.program(), ai.audit_arch, -1),
              s.unknown_syscall_action.value_or(s.default_action).to_ret() == bpf::kRetAllow);
  }
}

TEST(Cache, AllowlistWithArgumentChecks) {
  for (const auto& ai : arch::all_arches()) {
    PolicySpec s;
    s.default_action = Action::errno_(EPERM);
    s.arches = {ai.arch};
    s.missing_syscall = ir::MissingSyscall::Ignore;
    for (const char* n : {"read", "write", "close", "openat", "mmap", "mmap2", "futex", "brk",
                          "exit_group", "rt_sigreturn", "getpid", "clock_gettime"})
      s.rules.push_back(Rule::on(n, Action::allow()));
    s.rules.push_back(Rule::on("ioctl", Action::allow(), {ArgCmp::eq(1, 0x5401)}));
    s.rules.push_back(Rule::on("socket", Action::allow(), {ArgCmp::lt(0, 3)}));
    s.rules.push_back(Rule::on("mprotect", Action::allow(), {ArgCmp::masked_eq(2, 4, 0)}));
    s.rules.push_back(Rule::on("clone", Action::allow(), {ArgCmp::masked_eq(0, 0x7e020000, 0)}));
    s.rules.push_back(Rule::on("ptrace", Action::kill_process()));
    s.rules.push_back(Rule::on("clone3", Action::errno_(ENOSYS)));
    check_cache(build_ok(s));
    compiler::Options uni;
    uni.weighting = compiler::Weighting::Uniform;
    check_cache(build_ok(s), uni);
  }
}

TEST(Cache, DenylistAllowsEverythingElse) {
  PolicySpec s;
  s.default_action = Action::allow();
  s.arches = {Arch::X86_64, Arch::I386, Arch::X32};
  s.missing_syscall = ir::MissingSyscall::Ignore;
  s.rules = {Rule::on("ptrace", Action::kill_process()),
             Rule::on("ioctl", Action::errno_(EPERM), {ArgCmp::eq(1, 0x5412)}),  // TIOCSTI
             Rule::on("kexec_load", Action::errno_(EPERM)),
             Rule::on("personality", Action::log(), {ArgCmp::ne(0, 0)})};
  check_cache(build_ok(s));
}

TEST(Cache, UnknownSyscallActionAndAllArches) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.unknown_syscall_action = Action::errno_(ENOSYS);
  for (const auto& ai : arch::all_arches()) s.arches.push_back(ai.arch);
  s.missing_syscall = ir::MissingSyscall::Ignore;
  for (const char* n : {"read", "write", "getppid", "umask", "getpriority", "open", "stat"})
    s.rules.push_back(Rule::on(n, Action::allow()));
  s.rules.push_back(Rule::on("setpriority", Action::allow(), {ArgCmp::le(2, 19)}));
  check_cache(build_ok(s));
}

TEST(Cache, RandomPolicies) {
  std::mt19937_64 rng(20261123);
  RandomPolicyOptions o;
  o.max_syscalls = 60;
  for (int i = 0; i < 60; ++i) check_cache(random_policy(rng, o));
}

}  // namespace
}  // namespace sysfence
