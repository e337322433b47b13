// Argument learning on live programs: personality, setsockopt level/option, kill/tgkill signals
// become rules that let the learned calls through and deny other values (checked in the kernel
// with `sysfence run`, next to a positive control); `--coarse`; the x32 door.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <string>

#include "cli_helpers.hpp"
#include "workloads.hpp"

namespace {

using clitest::Ran;

std::string self_exe() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  self[n] = 0;
  return self;
}

int set_int(int fd, int level, int opt) {
  int one = 1;
  return ::setsockopt(fd, level, opt, &one, sizeof one) == 0 ? 0 : errno;
}

// The learned calls, then (SYSFENCE_ARGCALLS=personality|setsockopt|kill|tgkill) one call with a
// value the learned run did not use. Exits 0 when all ran, 100 + errno when a learned call
// failed, the errno of the extra call when it failed.
TEST(Helper, ArgCalls) {
  const char* extra_env = std::getenv("SYSFENCE_ARGCALLS");
  if (!extra_env) GTEST_SKIP() << "a helper for the tests below";
  const std::string extra = extra_env;
  const long tid = ::syscall(SYS_gettid);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::_Exit(100 + errno);
  ::signal(SIGUSR1, SIG_IGN);
  ::signal(SIGUSR2, SIG_IGN);
  int e = 0;
  if (::syscall(SYS_personality, 0xffffffffUL) < 0) e = errno;
  if (!e && ::syscall(SYS_personality, static_cast<unsigned long>(PER_LINUX)) < 0) e = errno;
  if (!e) e = set_int(fd, SOL_SOCKET, SO_REUSEADDR);
  if (!e) e = set_int(fd, IPPROTO_TCP, TCP_NODELAY);
  if (!e && ::kill(::getpid(), 0) != 0) e = errno;
  if (!e && ::kill(::getpid(), SIGUSR1) != 0) e = errno;
  if (!e && ::syscall(SYS_tgkill, ::getpid(), tid, SIGUSR2) != 0) e = errno;
  if (e) std::_Exit(100 + e);
  int x = 0;
  if (extra == "personality") {
    if (::syscall(SYS_personality, static_cast<unsigned long>(PER_LINUX32)) < 0) x = errno;
  } else if (extra == "setsockopt-option") {
    x = set_int(fd, SOL_SOCKET, SO_KEEPALIVE);
  } else if (extra == "setsockopt-level") {
    x = set_int(fd, IPPROTO_IP, IP_TOS);
  } else if (extra == "kill") {
    if (::kill(::getpid(), SIGUSR2) != 0) x = errno;
  } else if (extra == "tgkill") {
    if (::syscall(SYS_tgkill, ::getpid(), tid, SIGUSR1) != 0) x = errno;
  }
  std::_Exit(x);
}

std::vector<std::string> with_env_helper(const std::string& extra) {
  ::setenv("SYSFENCE_ARGCALLS", extra.c_str(), 1);
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);  // LSan cannot run in a traced process
  return {self_exe(), "--gtest_filter=Helper.ArgCalls"};
}

TEST(LearnArgs, PersonalitySetsockoptAndSignalsAreLearnedAsValues) {
  clitest::TempDir t;
  const std::string p = t.join("args.policy");
  Ran r = clitest::sysfence(with({"learn", "-o", p, "--"}, with_env_helper("none")));
  ASSERT_EQ(r.code, 0) << r.all();
  const std::string text = clitest::read_file(p);
  EXPECT_NE(text.find("personality: u32(persona) in {PER_LINUX, 0xffffffff}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("setsockopt: u32(level) == SOL_SOCKET && u32(optname) == SO_REUSEADDR"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("u32(level) == IPPROTO_TCP && u32(optname) == TCP_NODELAY"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kill: u32(sig) in {0, SIGUSR1}"), std::string::npos) << text;
  EXPECT_NE(text.find("tgkill: u32(sig) == SIGUSR2"), std::string::npos) << text;
  r = clitest::sysfence({"check", "--strict", p});
  EXPECT_EQ(r.code, 0) << r.all();
  // Enforced: the learned values pass...
  r = clitest::sysfence(with({"run", "--policy", p, "--"}, with_env_helper("none")));
  EXPECT_EQ(r.code, 0) << r.all();
  // ...and each other value is denied with the policy's default, where unconfined it works.
  for (const char* extra :
       {"personality", "setsockopt-option", "setsockopt-level", "kill", "tgkill"}) {
    SCOPED_TRACE(extra);
    const auto helper = with_env_helper(extra);
    r = clitest::run(helper);
    EXPECT_EQ(r.code, 0) << r.all();  // positive control
    r = clitest::sysfence(with({"run", "--policy", p, "--"}, helper));
    EXPECT_EQ(r.code, EPERM) << r.all();
  }
  ::unsetenv("SYSFENCE_ARGCALLS");
}

// --coarse names a whole @group when any member was used (never one with an argument-checked
// member); the coarse policy is a superset that still enforces.
TEST(LearnArgs, CoarseNamesGroupsAndStillEnforces) {
  clitest::TempDir t;
  const std::string fine = t.join("fine.policy"), coarse = t.join("coarse.policy");
  Ran r = clitest::sysfence({"learn", "-o", fine, "--", "ls", "-l", "/"});
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence({"learn", "--coarse", "-o", coarse, "--", "ls", "-l", "/"});
  ASSERT_EQ(r.code, 0) << r.all();
  const std::string f = clitest::read_file(fine), c = clitest::read_file(coarse);
  EXPECT_EQ(f.find("used (--coarse)"), std::string::npos) << f;
  EXPECT_NE(c.find("@file-system: allow"), std::string::npos) << c;
  EXPECT_NE(c.find("used (--coarse)"), std::string::npos) << c;
  for (const char* checked : {"@process: allow", "@memory: allow", "@ioctl: allow",
                              "@signal: allow", "@network: allow", "@basic-io: allow"})
    EXPECT_EQ(c.find(checked), std::string::npos) << checked << "\n" << c;
  EXPECT_NE(c.find("mprotect: (prot & PROT_EXEC) == 0"), std::string::npos) << c;
  r = clitest::sysfence({"check", "--strict", coarse});
  EXPECT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence({"run", "--policy", coarse, "--", "ls", "-l", "/"});
  EXPECT_EQ(r.code, 0) << r.all();
  // Coarse allows more: a call from a named group that ls never made passes under the coarse
  // policy and is denied under the fine one.
  r = clitest::sysfence({"diff", fine, coarse});
  EXPECT_EQ(r.code, 1) << r.all();
}

#if defined(__x86_64__)
// One x32 call (getpid with the x32 bit, 0x40000027) from a 64-bit program: seccomp sees it as
// x32 whether or not the kernel runs x32 programs (without CONFIG_X86_X32_ABI it then answers
// ENOSYS), so the door is recorded and opened exactly for it.
TEST(Helper, X32Call) {
  if (!std::getenv("SYSFENCE_X32CALL")) GTEST_SKIP() << "a helper for the test below";
  const long r = ::syscall(0x40000000L | 39);
  std::_Exit(r >= 0 || errno == ENOSYS ? 0 : 100 + errno);
}

TEST(LearnArgs, TheX32DoorIsRecordedAndOpenedOnlyForWhatCameThrough) {
  clitest::TempDir t;
  ::setenv("SYSFENCE_X32CALL", "1", 1);
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  const std::vector<std::string> helper = {self_exe(), "--gtest_filter=Helper.X32Call"};
  const std::string p = t.join("x32.policy");
  Ran r = clitest::sysfence(with({"learn", "-o", p, "--"}, helper));
  ASSERT_EQ(r.code, 0) << r.all();
  const std::string text = clitest::read_file(p);
  EXPECT_NE(text.find("arch x86_64, x32\n"), std::string::npos) << text;
  EXPECT_NE(text.find("arch x32 {"), std::string::npos) << text;
  r = clitest::sysfence(with({"run", "--policy", p, "--"}, helper));
  EXPECT_EQ(r.code, 0) << r.all();
  // The same policy without the x32 door: bad-arch kill-process (SIGSYS).
  std::string closed = text;
  closed.replace(closed.find("arch x86_64, x32\n"), 17, "arch x86_64\n");
  const size_t open = closed.find("arch x32 {");
  closed.erase(open, closed.find("}\n", open) + 2 - open);
  const std::string cp = t.file("closed.policy", closed);
  r = clitest::sysfence(with({"run", "--policy", cp, "--"}, helper));
  EXPECT_EQ(r.code, 128 + SIGSYS) << r.all() << closed;
  ::unsetenv("SYSFENCE_X32CALL");
}
#endif

}  // namespace
