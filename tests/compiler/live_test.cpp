// Live kernel: compiled filters installed in forked children (NO_NEW_PRIVS + seccomp(2)), one
// per action and per comparison operator, with harmless syscalls (getppid, umask, getpriority).
// Only on the native arch (x86_64 here); the other arches are covered by the emulator tests.
#include <gtest/gtest.h>

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "helpers.hpp"

namespace sysfence {
namespace {

using namespace sysfence::testing;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

// Runs `body` in a child under `prog`; returns the wait status. Exit code 100: install failed.
int run_confined(const bpf::Program& prog, const std::function<int()>& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    sock_fprog fp{static_cast<unsigned short>(prog.size()),
                  reinterpret_cast<sock_filter*>(const_cast<bpf::Insn*>(prog.data()))};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(100);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) _exit(100);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bpf::Program compile_native(PolicySpec s) {
  s.arches = {arch::native_arch()};
  auto p = build_ok(std::move(s));
  auto prog = compiler::compile(p);
  EXPECT_TRUE(prog) << prog.error().render();
  return *prog;
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

// 0 when syscall(nr, a0, a1) fails with `err` (or succeeds when err == 0).
int expect_result(long nr, uint64_t a0, uint64_t a1, int err) {
  errno = 0;
  const long r = syscall(nr, a0, a1);
  if (err == 0) return r == -1 ? 10 + (errno & 0x7f) : 0;
  return (r == -1 && errno == err) ? 0 : 1;
}

class Live : public ::testing::Test {
 protected:
  void SetUp() override {
    if (arch::native_arch() != arch::Arch::X86_64) GTEST_SKIP() << "x86_64 only";
  }
};

TEST_F(Live, EveryAction) {
  struct Case {
    Action a;
    int want_errno;   // syscall fails with this (0: succeeds)
    int want_signal;  // or the child dies by this signal
  };
  const Case cases[] = {
      {Action::allow(), 0, 0},
      {Action::log(), 0, 0},
      {Action::errno_(EDOM), EDOM, 0},
      {Action::errno_(0), 0, 0},          // errno 0: returns 0 without running
      {Action::trace(3), ENOSYS, 0},      // no tracer
      {Action::user_notif(), ENOSYS, 0},  // no listener
      {Action::kill_process(), 0, SIGSYS},
      {Action::kill_thread(), 0, SIGSYS},
  };
  for (const Case& c : cases) {
    PolicySpec s;
    s.default_action = Action::allow();
    s.rules = {Rule::on("getppid", c.a)};
    const int st = run_confined(compile_native(s),
                                [&] { return expect_result(SYS_getppid, 0, 0, c.want_errno); });
    if (c.want_signal) {
      EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == c.want_signal) << c.a.to_string() << " " << st;
    } else {
      EXPECT_EQ(exit_code(st), 0) << c.a.to_string() << " status " << st;
    }
  }
}

volatile sig_atomic_t g_trap_errno = -1;
volatile sig_atomic_t g_trap_nr = -1;

TEST_F(Live, TrapDeliversSigsysWithData) {
  PolicySpec s;
  s.default_action = Action::allow();
  s.rules = {Rule::on("getppid", Action::trap(77))};
  const int st = run_confined(compile_native(s), [] {
    struct sigaction sa {};
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = [](int, siginfo_t* si, void*) {
      g_trap_errno = si->si_errno;
      g_trap_nr = si->si_syscall;
    };
    sigaction(SIGSYS, &sa, nullptr);
    syscall(SYS_getppid);
    return g_trap_errno == 77 && g_trap_nr == SYS_getppid ? 0 : 1;
  });
  EXPECT_EQ(exit_code(st), 0) << st;
}

TEST_F(Live, EveryOperatorIncluding64BitValues) {
  struct Case {
    ArgCmp cmp;
    uint64_t yes, no;  // an argument that matches, one that does not
  };
  const uint64_t big = 0x100000005ULL;
  const Case cases[] = {
      {ArgCmp::eq(0, big), big, 5},
      {ArgCmp::ne(0, big), 5, big},
      {ArgCmp::lt(0, big), 0xffffffffULL, big},
      {ArgCmp::le(0, big), big, 0x100000006ULL},
      {ArgCmp::gt(0, big), 0x200000000ULL, 0x1ffffffffULL & 0xffffffffULL},
      {ArgCmp::ge(0, big), big, 0x100000004ULL},
      {ArgCmp::masked_eq(0, 0xf00000000ULL | 0x7, 0x300000001ULL), 0x3000000f1ULL, 0x100000001ULL},
      {ArgCmp::eq(0, 0x12).as32(), 0xabcd00000012ULL, 0x13},
      {ArgCmp::gt(0, static_cast<uint64_t>(-5)), static_cast<uint64_t>(-1), 7},  // unsigned
  };
  for (const Case& c : cases) {
    PolicySpec s;
    s.default_action = Action::allow();
    s.rules = {Rule::on("umask", Action::errno_(EDOM), {c.cmp})};
    const auto prog = compile_native(s);
    // umask succeeds (returns the old mask) when the rule does not match.
    const int yes = run_confined(prog, [&] { return expect_result(SYS_umask, c.yes, 0, EDOM); });
    const int no = run_confined(prog, [&] { return expect_result(SYS_umask, c.no, 0, 0); });
    EXPECT_EQ(exit_code(yes), 0) << "op " << static_cast<int>(c.cmp.op) << " value " << std::hex
                                 << c.cmp.value << " arg " << c.yes;
    EXPECT_EQ(exit_code(no), 0) << "op " << static_cast<int>(c.cmp.op) << " value " << std::hex
                                << c.cmp.value << " arg " << c.no;
  }
}

TEST_F(Live, MostRestrictiveRuleWinsAndDoorsAreClosed) {
  PolicySpec s;
  s.default_action = Action::allow();
  s.rules = {Rule::on("getpriority", Action::errno_(EDOM), {ArgCmp::eq(0, 0)}),
             Rule::on("getpriority", Action::errno_(ERANGE), {ArgCmp::eq(1, 0)}),
             Rule::on("getpriority", Action::kill_process(), {ArgCmp::eq(0, 1), ArgCmp::eq(1, 1)})};
  const auto prog = compile_native(s);
  EXPECT_EQ(
      exit_code(run_confined(prog, [] { return expect_result(SYS_getpriority, 0, 0, EDOM); })), 0);
  EXPECT_EQ(
      exit_code(run_confined(prog, [] { return expect_result(SYS_getpriority, 2, 0, ERANGE); })),
      0);
  EXPECT_EQ(
      exit_code(run_confined(prog, [] { return expect_result(SYS_getpriority, 0, 5, EDOM); })), 0);
  const int killed = run_confined(prog, [] { return expect_result(SYS_getpriority, 1, 1, 0); });
  EXPECT_TRUE(WIFSIGNALED(killed) && WTERMSIG(killed) == SIGSYS);
  // An x32 syscall number is refused by the x86_64-only filter (bad arch: kill_process), even
  // though the policy's default is allow.
  const int x32 =
      run_confined(prog, [] { return static_cast<int>(syscall(0x40000000 | SYS_getppid) == -1); });
  EXPECT_TRUE(WIFSIGNALED(x32) && WTERMSIG(x32) == SIGSYS) << x32;
}

}  // namespace
}  // namespace sysfence
