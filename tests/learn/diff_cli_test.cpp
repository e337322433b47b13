// `sysfence diff` as a command: exit codes, text and JSON, raw BPF and live-process sides.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "cli_helpers.hpp"

namespace {

using clitest::Ran;

const char* kBase =
    "default errno EPERM\narch x86_64\nread, write, close, exit_group, execve, brk, mmap: allow\n";

TEST(DiffCli, ExitCodesTextAndJson) {
  clitest::TempDir t;
  const std::string a = t.file("a.policy", std::string(kBase) + "clone: allow\n");
  const std::string b =
      t.file("b.policy", std::string(kBase) + "clone: (u32(flags) & CLONE_NEWUSER) == 0\n");
  Ran r = clitest::sysfence({"diff", a, a});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("equivalent"), std::string::npos);
  r = clitest::sysfence({"diff", a, b});
  EXPECT_EQ(r.code, 1) << r.all();
  EXPECT_NE(r.out.find("arch x86_64:\n- clone: u32(flags) & 0x10000000 -> allow\n+ clone: "
                       "u32(flags) & 0x10000000 -> errno EPERM\n"),
            std::string::npos)
      << r.out;
  r = clitest::sysfence({"diff", "--json", a, b});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("\"equivalent\": false"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"syscalls\": [\n        \"clone\"\n      ]"), std::string::npos) << r.out;
  // A raw filter against the policy it came from.
  r = clitest::sysfence({"compile", b, "-o", t.join("b.bpf")});
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence({"diff", t.join("b.bpf"), b});
  EXPECT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence({"diff", t.join("b.bpf"), "@default"});
  EXPECT_EQ(r.code, 1);
}

TEST(DiffCli, BadInput) {
  clitest::TempDir t;
  const std::string bad = t.file("bad.policy", "default errno EPERM\nraed: allow\n");
  Ran r = clitest::sysfence({"diff", bad, "@default"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.policy(2:1)"), std::string::npos) << r.err;
  r = clitest::sysfence({"diff", "@default"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("exactly two sides"), std::string::npos) << r.err;
  r = clitest::sysfence({"diff", "pid:abc", "@default"});
  EXPECT_EQ(r.code, 2);
  // A filter diff cannot decide exactly is refused (ADD on the syscall number).
  r = clitest::sysfence({"asm", "-o", t.join("add.bpf"),
                         t.file("add.s",
                                "ld [0]\nadd #1\njeq #2, allow, kill\nallow: ret "
                                "#0x7fff0000\nkill: ret #0x80000000\n")});
  if (r.code == 0) {
    r = clitest::sysfence({"diff", t.join("add.bpf"), "@default"});
    EXPECT_EQ(r.code, 2) << r.all();
    EXPECT_NE(r.err.find("instruction 2: compares a value computed"), std::string::npos) << r.err;
  }
}

// A live process's filter stack against the policy it runs under (needs CAP_SYS_ADMIN to read
// filters): equivalent; against another policy: different.
TEST(DiffCli, LiveProcess) {
  if (::geteuid() != 0) GTEST_SKIP() << "reading another process's filters needs CAP_SYS_ADMIN";
  clitest::TempDir t;
  const std::string p = t.file("sleep.policy",
                               "default errno EPERM\narch x86_64\n@basic-io, @memory, @process, "
                               "@signal, @time, @file-system: allow\n");
  const pid_t runner = ::fork();
  if (runner == 0) {
    ::execl(SYSFENCE_CLI, SYSFENCE_CLI, "run", "--policy", p.c_str(), "--", "sleep", "20",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The runner's child (sleep) once it runs under the filter.
  pid_t sleeper = 0;
  for (int i = 0; i < 200 && !sleeper; ++i) {
    std::ifstream kids("/proc/" + std::to_string(runner) + "/task/" + std::to_string(runner) +
                       "/children");
    int k = 0;
    if (kids >> k) {
      std::ifstream st("/proc/" + std::to_string(k) + "/status");
      std::string line;
      while (std::getline(st, line))
        if (line == "Seccomp:\t2") sleeper = k;
      std::ifstream comm("/proc/" + std::to_string(k) + "/comm");
      std::string c;
      comm >> c;
      if (c != "sleep") sleeper = 0;
    }
    if (!sleeper) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(sleeper, 0) << "the confined sleep did not start";
  Ran r = clitest::sysfence({"diff", "pid:" + std::to_string(sleeper), p});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.out.find("process " + std::to_string(sleeper) + " (1 filter)"), std::string::npos)
      << r.out;
  r = clitest::sysfence({"diff", "--pid", std::to_string(sleeper), "@default"});
  EXPECT_EQ(r.code, 1) << r.all();
  ::kill(sleeper, SIGKILL);
  int st = 0;
  ::waitpid(runner, &st, 0);
}

}  // namespace
