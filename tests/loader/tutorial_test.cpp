// The three scenarios of the classic seccomp tutorials, run for real in forked children:
//  1. strict mode: the first syscall outside read/write/_exit/sigreturn kills with SIGKILL;
//  2. a filter allowing only read, write, exit, exit_group, rt_sigreturn and dup2(1, 2):
//     dup2(1, 2) works, dup2(2, 42) dies with SIGSYS;
//  3. a default-allow filter that kills any write to a descriptor other than 1.
// The filters are assembled by hand from bpf::Insn (arch check and x32 guard included).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "loader/child.hpp"
#include "loader/filters.hpp"
#include "sysfence/loader/loader.hpp"

using namespace sysfence;
using namespace sysfence::bpf;
using sysfence_test::child_say;
using sysfence_test::run_child;

namespace {

// A few lines of assembler with symbolic targets, enough for these programs.
struct Asm {
  struct Fix {
    size_t at;
    std::string t, f;
  };
  Program p;
  std::map<std::string, size_t> labels;
  std::vector<Fix> fixes;

  void op(Insn i) { p.push_back(i); }
  void jeq(uint32_t k, std::string t, std::string f) {
    fixes.push_back({p.size(), std::move(t), std::move(f)});
    p.push_back(jump(JMP | JEQ | K, k, 0, 0));
  }
  void jge(uint32_t k, std::string t, std::string f) {
    fixes.push_back({p.size(), std::move(t), std::move(f)});
    p.push_back(jump(JMP | JGE | K, k, 0, 0));
  }
  void label(const std::string& l) { labels[l] = p.size(); }
  Program done() {
    for (const Fix& fx : fixes) {
      auto off = [&](const std::string& l) -> uint8_t {
        if (l.empty()) return 0;  // fall through
        return static_cast<uint8_t>(labels.at(l) - fx.at - 1);
      };
      p[fx.at].jt = off(fx.t);
      p[fx.at].jf = off(fx.f);
    }
    return p;
  }
};

void arch_check(Asm& a) {
  a.op(stmt(LD | W | ABS, kOffArch));
  a.jeq(sysfence_test::kNativeAuditArch, "", "kill");
  a.op(stmt(LD | W | ABS, kOffNr));
  a.jge(kX32SyscallBit, "kill", "");
}

// Scenario 2.
Program read_write_exit_dup2_1_2() {
  Asm a;
  arch_check(a);
  for (int nr : {SYS_read, SYS_write, SYS_exit, SYS_exit_group, SYS_rt_sigreturn})
    a.jeq(static_cast<uint32_t>(nr), "allow", "");
  a.jeq(SYS_dup2, "", "kill");
  // dup2(oldfd == 1, newfd == 2): both words of both args (the high words must be 0).
  a.op(stmt(LD | W | ABS, arg_lo(0)));
  a.jeq(1, "", "kill");
  a.op(stmt(LD | W | ABS, arg_hi(0)));
  a.jeq(0, "", "kill");
  a.op(stmt(LD | W | ABS, arg_lo(1)));
  a.jeq(2, "", "kill");
  a.op(stmt(LD | W | ABS, arg_hi(1)));
  a.jeq(0, "allow", "kill");
  a.label("kill");
  a.op(stmt(RET | K, kRetKillProcess));
  a.label("allow");
  a.op(stmt(RET | K, kRetAllow));
  return a.done();
}

// Scenario 3. write's fd is an unsigned int in the kernel: only the low word decides where the
// data goes, so only the low word is compared (a set high word with low word 1 still writes to 1).
Program kill_writes_not_to_stdout() {
  Asm a;
  arch_check(a);
  a.jeq(SYS_write, "", "allow");
  a.op(stmt(LD | W | ABS, arg_lo(0)));
  a.jeq(1, "allow", "kill");
  a.label("kill");
  a.op(stmt(RET | K, kRetKillProcess));
  a.label("allow");
  a.op(stmt(RET | K, kRetAllow));
  return a.done();
}

void install(const Program& p) {
  loader::FilterOptions o;
  o.set_no_new_privs = true;
  auto r = loader::install_filter(p, o);
  if (!r) {
    child_say(r.error().render());
    sysfence_test::child_exit(101);
  }
}

// ---- 1. strict mode ----------------------------------------------------------------------------

TEST(Tutorial, StrictModeKillsTheFirstDisallowedSyscall) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    int p[2];
    CHILD_CHECK(pipe(p) == 0);
    CHILD_CHECK(write(p[1], "x", 1) == 1);
    CHILD_CHECK(loader::install_strict().ok());
    child_say("strict mode on\n");
    char c;
    if (read(p[0], &c, 1) == 1) child_say("read works\n");
    open("/dev/null", O_RDONLY);  // openat: not read/write/_exit/sigreturn
    child_say("not reached\n");
    syscall(SYS_exit, 0);
  });
  EXPECT_TRUE(r.signaled(SIGKILL)) << r.describe();
  EXPECT_EQ(r.out, "strict mode on\nread works\n");
}

TEST(Tutorial, StrictModeExitGroupIsAlsoKilled) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  // glibc's _exit() (and exit()) is exit_group, which strict mode does not allow.
  auto r = run_child([] {
    CHILD_CHECK(loader::install_strict().ok());
    _exit(0);
  });
  EXPECT_TRUE(r.signaled(SIGKILL)) << r.describe();
  // syscall(SYS_exit) is the way out.
  r = run_child([] {
    CHILD_CHECK(loader::install_strict().ok());
    syscall(SYS_exit, 5);
  });
  EXPECT_TRUE(r.exited(5)) << r.describe();
}

// ---- 2. read, write, exit, rt_sigreturn and dup2(1, 2) -----------------------------------------

TEST(Tutorial, GlibcDup2IsTheDup2Syscall) {
  // x86_64 glibc implements dup2() with syscall 33 (dup2), not dup3: the filter below relies on it.
  auto r = run_child([] {
    install(sysfence_test::filter({{SYS_dup2, ret_errno(ENOTUNIQ)}}, kRetAllow));
    errno = 0;
    CHILD_CHECK(dup2(1, 2) == -1 && errno == ENOTUNIQ);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Tutorial, Dup2OneToTwoIsAllowed) {
  auto r = run_child([] {
    install(read_write_exit_dup2_1_2());
    CHILD_CHECK(dup2(1, 2) == 2);
    const char msg[] = "dup2(1, 2) worked\n";
    CHILD_CHECK(write(2, msg, sizeof msg - 1) == sizeof msg - 1);
    sysfence_test::child_exit(0);  // exit_group: allowed
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_EQ(r.out, "dup2(1, 2) worked\n");
}

TEST(Tutorial, Dup2TwoTo42DiesWithSigsys) {
  auto r = run_child([] {
    install(read_write_exit_dup2_1_2());
    child_say("before\n");
    dup2(2, 42);
    child_say("not reached\n");
  });
  EXPECT_TRUE(r.signaled(SIGSYS)) << r.describe();
  EXPECT_EQ(r.out, "before\n");
}

TEST(Tutorial, Dup2FilterKillsEverythingElse) {
  for (int which = 0; which < 3; ++which) {
    auto r = run_child([which] {
      install(read_write_exit_dup2_1_2());
      if (which == 0) syscall(SYS_getpid);
      if (which == 1) syscall(SYS_dup2, 1ul | (1ul << 32), 2);  // high word set: not dup2(1, 2)
      if (which == 2) syscall(SYS_dup3, 1, 2, 0);
      child_say("not reached\n");
    });
    EXPECT_TRUE(r.signaled(SIGSYS)) << which << ": " << r.describe();
    EXPECT_EQ(r.out, "");
  }
}

// ---- 3. default allow, kill writes to anything but stdout --------------------------------------

TEST(Tutorial, WriteToStdoutOnly) {
  auto r = run_child([] {
    install(kill_writes_not_to_stdout());
    CHILD_CHECK(getpid() > 0);  // default allow
    child_say("to stdout\n");
    const char msg[] = "to stderr\n";
    (void)!write(2, msg, sizeof msg - 1);
    child_say("not reached\n");
  });
  EXPECT_TRUE(r.signaled(SIGSYS)) << r.describe();
  EXPECT_EQ(r.out, "to stdout\n");
}

TEST(Tutorial, WriteToAnotherDescriptorIsKilledToo) {
  auto r = run_child([] {
    const int fd = open("/dev/null", O_WRONLY);
    CHILD_CHECK(fd > 2);
    install(kill_writes_not_to_stdout());
    child_say("ok\n");
    (void)!write(fd, "x", 1);
  });
  EXPECT_TRUE(r.signaled(SIGSYS)) << r.describe();
  EXPECT_EQ(r.out, "ok\n");
}

}  // namespace
