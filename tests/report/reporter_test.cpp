// The SIGSYS reporter: the formatter on its own, then the real handler in forked children under
// a filter that allows only what the handler needs (write, exit, exit_group, rt_sigreturn) and
// TRAPs everything else.
#include "sysfence/report/sigsys.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "loader/child.hpp"
#include "loader/filters.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/loader/loader.hpp"

using namespace sysfence;
using namespace sysfence::bpf;
using sysfence_test::child_say;
using sysfence_test::run_child;

#if defined(__x86_64__)
// A raw syscall whose return address is a known symbol, so the parent can predict si_call_addr
// (fork keeps the address space). sysfence_test_syscall6(nr, a0, ..., a5).
extern "C" long sysfence_test_syscall6(long nr, long a0, long a1, long a2, long a3, long a4,
                                       long a5);
extern "C" char sysfence_test_after_syscall[];
asm(R"(
  .text
  .globl sysfence_test_syscall6
  .type sysfence_test_syscall6, @function
sysfence_test_syscall6:
  mov %rdi, %rax
  mov %rsi, %rdi
  mov %rdx, %rsi
  mov %rcx, %rdx
  mov %r8, %r10
  mov %r9, %r8
  mov 8(%rsp), %r9
  syscall
  .globl sysfence_test_after_syscall
sysfence_test_after_syscall:
  ret
  .size sysfence_test_syscall6, .-sysfence_test_syscall6
)");
#endif

namespace {

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

report::BlockedCall call(uint32_t arch, int32_t nr, std::initializer_list<uint64_t> args,
                         uint64_t addr = 0x4011c6) {
  report::BlockedCall c;
  c.arch = arch;
  c.nr = nr;
  int i = 0;
  for (uint64_t a : args) c.args[i++] = a;
  c.call_addr = addr;
  return c;
}

// ---- The formatter, no signal --------------------------------------------------------------

TEST(Format, TheExampleLine) {
  const auto c = call(kAuditArchX86_64, 1, {2, 0x7ffd12345678, 19});
  EXPECT_EQ(report::format_blocked_call(c),
            "sysfence: blocked write(fd=2, buf=0x7ffd12345678, count=19) on x86_64 at 0x4011c6\n");
}

TEST(Format, UnknownSyscallShowsAllSixRegisters) {
  const auto c = call(kAuditArchX86_64, 1000, {1, 2, 3, 4, 5, 0xdeadbeef0000});
  EXPECT_EQ(report::format_blocked_call(c),
            "sysfence: blocked syscall_1000(arg0=1, arg1=2, arg2=3, arg3=4, arg4=5, "
            "arg5=0xdeadbeef0000) on x86_64 at 0x4011c6\n");
  const auto neg = call(kAuditArchX86_64, -1, {});
  EXPECT_NE(report::format_blocked_call(neg).find("blocked syscall_-1(arg0=0,"), std::string::npos);
}

TEST(Format, UnknownArch) {
  const auto c = call(0x12345678, 3, {7});
  EXPECT_EQ(report::format_blocked_call(c),
            "sysfence: blocked syscall_3(arg0=7, arg1=0, arg2=0, arg3=0, arg4=0, arg5=0) on arch "
            "0x12345678 at 0x4011c6\n");
}

TEST(Format, ValueBases) {
  // Small numbers decimal, -4095..-1 negative, big ones hex; names decide pointers and flags.
  const auto names = arch::syscall_arg_names("openat");
  if (names.size() != 4) GTEST_SKIP() << "argument names for openat not in the table yet";
  const auto c =
      call(kAuditArchX86_64, 257, {static_cast<uint64_t>(-100), 0x5555deadbeef, 0x80241, 0644});
  const std::string want = "sysfence: blocked openat(" + std::string(names[0]) + "=-100, " +
                           std::string(names[1]) + "=0x5555deadbeef, " + std::string(names[2]) +
                           "=0x80241, " + std::string(names[3]) + "=0644) on x86_64 at 0x4011c6\n";
  EXPECT_EQ(report::format_blocked_call(c), want);
}

TEST(Format, X32AndI386UseTheirTables) {
  const auto x32 = call(kAuditArchX86_64, 0x40000000 | 1, {1, 0x1000, 3});
  EXPECT_EQ(report::format_blocked_call(x32),
            "sysfence: blocked write(fd=1, buf=0x1000, count=3) on x32 at 0x4011c6\n");
  // i386: write is 4; only the low 32 bits count, so 0xffffffff_ffffff9c is -100 and the high
  // garbage of a register is not shown.
  const auto i386 = call(kAuditArchI386, 4, {0xdead0000ffffff9cull, 0x0000000100001000ull, 5});
  EXPECT_EQ(report::format_blocked_call(i386),
            "sysfence: blocked write(fd=-100, buf=0x1000, count=5) on i386 at 0x4011c6\n");
}

TEST(Format, ReturnedErrno) {
  const auto c = call(kAuditArchX86_64, 1, {2, 0x7ffd12345678, 19});
  EXPECT_EQ(report::format_blocked_call(c, EPERM),
            "sysfence: blocked write(fd=2, buf=0x7ffd12345678, count=19) on x86_64 at 0x4011c6, "
            "returning EPERM (1)\n");
  EXPECT_NE(report::format_blocked_call(c, 4000).find(", returning errno 4000\n"),
            std::string::npos);
}

TEST(Format, BufferLimits) {
  const auto c = call(kAuditArchX86_64, 1, {2, 0x7ffd12345678, 19});
  char buf[20];
  std::memset(buf, 'Z', sizeof buf);
  const size_t n = report::format_blocked_call(c, buf, sizeof buf);
  EXPECT_EQ(n, 19u);
  EXPECT_EQ(std::string(buf), "sysfence: block...\n");
  EXPECT_EQ(report::format_blocked_call(c, buf, 0), 0u);
  EXPECT_EQ(buf[0], 's');  // untouched
  char one[1];
  EXPECT_EQ(report::format_blocked_call(c, one, 1), 0u);
  EXPECT_EQ(one[0], '\0');
}

TEST(Install, RejectsBadOptions) {
  report::ReporterOptions o;
  o.exit_status = 256;
  EXPECT_FALSE(report::install_sigsys_reporter(o).ok());
  o = {};
  o.on_trap = report::OnTrap::ReturnErrno;
  o.errno_value = 0;
  auto r = report::install_sigsys_reporter(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sys_errno, EINVAL);
  o = {};
  o.fd = -1;
  EXPECT_FALSE(report::install_sigsys_reporter(o).ok());
  EXPECT_FALSE(report::remove_sigsys_reporter().ok());  // never installed in this process
}

#if defined(__x86_64__)

// ---- The handler, for real ------------------------------------------------------------------

// Allows write, exit, exit_group and rt_sigreturn; TRAPs the rest, including foreign arches
// and x32 numbers (a trap, not a kill, so the reporter can name them).
Program handler_needs_only(uint32_t trap = kRetTrap) {
  Program p = {
      stmt(LD | W | ABS, kOffArch),
      jump(JMP | JEQ | K, kAuditArchX86_64, 1, 0),
      stmt(RET | K, trap),
      stmt(LD | W | ABS, kOffNr),
  };
  for (int nr : {SYS_write, SYS_exit, SYS_exit_group, SYS_rt_sigreturn}) {
    p.push_back(jump(JMP | JEQ | K, static_cast<uint32_t>(nr), 0, 1));
    p.push_back(stmt(RET | K, kRetAllow));
  }
  p.push_back(stmt(RET | K, trap));
  return p;
}

void install_reporter_and_filter(const report::ReporterOptions& o, const Program& p) {
  auto r = report::install_sigsys_reporter(o);
  if (!r) {
    child_say(r.error().render());
    sysfence_test::child_exit(101);
  }
  auto f = loader::install_filter(p, sysfence_test::with_nnp());
  if (!f) {
    child_say(f.error().render());
    sysfence_test::child_exit(102);
  }
}

const std::string kAfter = hex(reinterpret_cast<uintptr_t>(sysfence_test_after_syscall));

TEST(Reporter, ExactLineAndExitStatus) {
  auto r = run_child([] {
    install_reporter_and_filter({}, handler_needs_only());
    sysfence_test_syscall6(SYS_kill, 12345, 0, 0, 0, 0, 0);
    child_say("not reached\n");
  });
  EXPECT_TRUE(r.exited(report::kDefaultExitStatus)) << r.describe();
  EXPECT_EQ(r.out, "sysfence: blocked kill(pid=12345, sig=0) on x86_64 at " + kAfter + "\n");
}

TEST(Reporter, AllSixRegistersInOrder) {
  auto r = run_child([] {
    install_reporter_and_filter({}, handler_needs_only());
    sysfence_test_syscall6(1000, 11, 22, 33, 44, 55, 0x7fff00001234);
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
  EXPECT_EQ(r.out,
            "sysfence: blocked syscall_1000(arg0=11, arg1=22, arg2=33, arg3=44, arg4=55, "
            "arg5=0x7fff00001234) on x86_64 at " +
                kAfter + "\n");
}

TEST(Reporter, ChosenExitStatusAndFd) {
  auto r = run_child([] {
    report::ReporterOptions o;
    o.exit_status = 42;
    o.fd = 1;
    install_reporter_and_filter(o, handler_needs_only());
    sysfence_test_syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0);
  });
  EXPECT_TRUE(r.exited(42)) << r.describe();
  EXPECT_EQ(r.out.rfind("sysfence: blocked getppid(", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(" on x86_64 at " + kAfter + "\n"), std::string::npos) << r.out;
}

TEST(Reporter, QuietOnlyExits) {
  auto r = run_child([] {
    report::ReporterOptions o;
    o.quiet = true;
    install_reporter_and_filter(o, handler_needs_only());
    sysfence_test_syscall6(SYS_kill, 1, 0, 0, 0, 0, 0);
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
  EXPECT_EQ(r.out, "");
}

// Writes "label=<value>\n" with snprintf into a stack buffer (no allocation under the filter).
void say_long(const char* label, long v) {
  char b[96];
  const int n = std::snprintf(b, sizeof b, "%s=%ld\n", label, v);
  sysfence_test::child_write(1, b, static_cast<size_t>(n));
}

TEST(Reporter, ReturnErrnoModeLetsTheCallerContinue) {
  auto r = run_child([] {
    report::ReporterOptions o;
    o.on_trap = report::OnTrap::ReturnErrno;
    o.errno_value = EPERM;
    install_reporter_and_filter(o, handler_needs_only());
    // The raw result register holds -EPERM.
    say_long("raw", sysfence_test_syscall6(SYS_kill, 12345, 0, 0, 0, 0, 0));
    // Through glibc: -1 and errno, twice in a row (the handler is reusable).
    errno = 0;
    const long a = syscall(SYS_getppid);
    const int ea = errno;
    say_long("getppid", a);
    say_long("errno", ea);
    errno = 0;
    const int b = getpgid(0);
    const int eb = errno;
    say_long("getpgid", b);
    say_long("errno", eb);
    syscall(SYS_exit_group, 3);
  });
  EXPECT_TRUE(r.exited(3)) << r.describe();
  const std::string line1 =
      "sysfence: blocked kill(pid=12345, sig=0) on x86_64 at " + kAfter + ", returning EPERM (1)\n";
  ASSERT_EQ(r.out.substr(0, line1.size()), line1) << r.out;
  EXPECT_NE(r.out.find("raw=-1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("getppid=-1\nerrno=1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("getpgid=-1\nerrno=1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sysfence: blocked getppid() on x86_64 at 0x"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sysfence: blocked getpgid("), std::string::npos) << r.out;
}

TEST(Reporter, ErrnoFromTrapData) {
  auto r = run_child([] {
    report::ReporterOptions o;
    o.on_trap = report::OnTrap::ReturnErrno;
    o.errno_value = EPERM;
    o.errno_from_trap_data = true;
    install_reporter_and_filter(o, handler_needs_only(ret_trap(EACCES)));
    say_long("raw", sysfence_test_syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0));
    syscall(SYS_exit_group, 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find(", returning EACCES (13)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("raw=-13\n"), std::string::npos) << r.out;
}

TEST(Reporter, X32NumberIsNamedFromTheX32Table) {
  auto r = run_child([] {
    install_reporter_and_filter({}, handler_needs_only());
    sysfence_test_syscall6(0x40000000 | 1, 1, 0x1000, 3, 0, 0, 0);  // x32 write
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
  EXPECT_EQ(r.out, "sysfence: blocked write(fd=1, buf=0x1000, count=3) on x32 at " + kAfter + "\n");
}

// int 0x80 works only with IA-32 emulation (CONFIG_IA32_EMULATION, ia32_emulation=1).
bool have_int80() {
  auto r = run_child([] {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");  // i386 getpid
    sysfence_test::child_exit(ret == getpid() ? 0 : 1);
  });
  return r.exited(0);
}

TEST(Reporter, I386ThroughInt80) {
  if (!have_int80()) GTEST_SKIP() << "no IA-32 emulation in this kernel (int 0x80 faults)";
  auto r = run_child([] {
    install_reporter_and_filter({}, handler_needs_only());
    long ret;
    // i386 write(7, 0x1234, 5) through int 0x80: arch is kAuditArchI386, args in ebx, ecx, edx.
    asm volatile("int $0x80" : "=a"(ret) : "a"(4), "b"(7), "c"(0x1234), "d"(5) : "memory");
    (void)ret;
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
  EXPECT_EQ(r.out.rfind("sysfence: blocked write(fd=7, buf=0x1234, count=5) on i386 at 0x", 0), 0u)
      << r.out;
}

TEST(Reporter, HandlersOwnTrappedSyscallDiesWithSigsysInsteadOfLooping) {
  auto r = run_child([] {
    // write is trapped too: the handler's write arrives while SIGSYS is blocked.
    report::ReporterOptions o;
    install_reporter_and_filter(
        o, sysfence_test::filter({{SYS_exit_group, kRetAllow}, {SYS_rt_sigreturn, kRetAllow}},
                                 kRetTrap));
    syscall(SYS_getppid);
  });
  EXPECT_TRUE(r.signaled(SIGSYS)) << r.describe();
  EXPECT_EQ(r.out, "");
}

TEST(Reporter, SigsysNotFromSeccomp) {
  auto r = run_child([] {
    CHILD_CHECK(report::install_sigsys_reporter().ok());
    kill(getpid(), SIGSYS);
    child_say("not reached\n");
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
  EXPECT_EQ(r.out.rfind("sysfence: SIGSYS not from seccomp (si_code=0, sender pid ", 0), 0u)
      << r.out;
}

TEST(Reporter, RemoveRestoresTheDefault) {
  auto r = run_child([] {
    CHILD_CHECK(report::install_sigsys_reporter().ok());
    CHILD_CHECK(report::install_sigsys_reporter().ok());  // twice: still restores the original
    CHILD_CHECK(report::remove_sigsys_reporter().ok());
    CHILD_CHECK(loader::install_filter(sysfence_test::filter({{SYS_getppid, kRetTrap}}, kRetAllow),
                                       sysfence_test::with_nnp())
                    .ok());
    syscall(SYS_getppid);
  });
  EXPECT_TRUE(r.signaled(SIGSYS)) << r.describe();
  EXPECT_EQ(r.out, "");
}

TEST(Reporter, BlockedSigsysIsUnblockedByInstall) {
  auto r = run_child([] {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSYS);
    CHILD_CHECK(sigprocmask(SIG_BLOCK, &s, nullptr) == 0);
    install_reporter_and_filter({}, handler_needs_only());
    sysfence_test_syscall6(SYS_getppid, 0, 0, 0, 0, 0, 0);
  });
  EXPECT_TRUE(r.exited(159)) << r.describe();
}

#endif  // __x86_64__

}  // namespace
