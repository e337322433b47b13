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

// The limits of diff, each a located error with exit 2 (never a hang or an inexact answer):
// arithmetic on loaded words and two loaded words compared are refused, naming the side, its
// file, the filter and the instruction; scratch memory is followed exactly; a pair of filters
// whose paths multiply beyond --max-steps stops with the reason and the fix.
TEST(DiffCli, LimitsAreLocatedErrors) {
  clitest::TempDir t;
  auto assemble = [&](const std::string& name, const std::string& text) {
    const std::string src = t.file(name + ".asm", text), out = t.join(name + ".bpf");
    Ran r = clitest::sysfence({"asm", src, "-o", out});
    EXPECT_EQ(r.code, 0) << r.all();
    return out;
  };
  // getpid allowed, the rest errno 1: directly, and through scratch memory and X.
  const std::string direct = assemble("direct", "ld [0]\njeq #39, 2, 3\nret allow\nret errno(1)\n");
  const std::string scratch = assemble(
      "scratch", "ld #39\nst M[3]\nld [0]\ntax\nld M[3]\njeq x, 6, 7\nret allow\nret errno(1)\n");
  Ran r = clitest::sysfence({"diff", direct, scratch});
  EXPECT_EQ(r.code, 0) << r.all();
  const std::string add =
      assemble("add", "ld [0]\nadd #1\njeq #40, 3, 4\nret allow\nret errno(1)\n");
  r = clitest::sysfence({"diff", direct, add});
  EXPECT_EQ(r.code, 2) << r.all();
  EXPECT_NE(r.err.find("B (" + add +
                       " (raw BPF)), filter 1 (newest first), instruction 2: "
                       "compares a value computed from seccomp_data with more than AND"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("sysfence disasm"), std::string::npos) << r.err;
  const std::string two =
      assemble("two", "ld [16]\ntax\nld [24]\njeq x, 4, 5\nret allow\nret errno(1)\n");
  r = clitest::sysfence({"diff", two, direct});
  EXPECT_EQ(r.code, 2) << r.all();
  EXPECT_NE(r.err.find("A (" + two +
                       " (raw BPF)), filter 1 (newest first), instruction 3: "
                       "compares two values computed from seccomp_data"),
            std::string::npos)
      << r.err;
  // Paths that multiply: eight rules of three conditions each on one syscall, against the
  // compiled program (about 700,000 steps). Within the limit the answer is exact; below it, an
  // error that says why.
  const std::string many =
      "default errno EPERM\narch x86_64\n"
      "ioctl: arg1 <= 123646 && (arg4 & 0xc2ce6f44) == 0 && (arg0 & 0x78e51061) == 0\n"
      "ioctl: arg5 == 511554 && arg3 == 936710 && (arg1 & 0x6ec9d286) == 0\n"
      "ioctl: arg4 <= 756589 && arg0 > 619869 && arg3 == 945215\n"
      "ioctl: arg2 == 681098 && arg0 == 984769 && (arg4 & 0xafbd67f9) == 0\n"
      "ioctl: arg1 > 800798 && (arg3 & 0xf06d3fef) == 0 && (arg0 & 0x8d88348a) == 0\n"
      "ioctl: arg1 > 797911 && (arg2 & 0xf3c64af7) == 0 && arg5 <= 971512\n"
      "ioctl: arg0 > 659924 && arg3 <= 126762 && arg5 <= 939078\n"
      "ioctl: arg5 > 318104 && arg4 <= 616122 && (arg3 & 0xd8a064df) == 0\n";
  const std::string mp = t.file("many.policy", many);
  r = clitest::sysfence({"compile", mp, "-o", t.join("many.bpf")});
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence({"diff", mp, t.join("many.bpf"), "--max-steps", "20000"});
  EXPECT_EQ(r.code, 2) << r.all();
  EXPECT_NE(r.err.find("too large to compare within the limit of 20000 symbolic steps: their "
                       "paths multiply"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--max-steps N"), std::string::npos) << r.err;
  r = clitest::sysfence({"diff", "--json", mp, t.join("many.bpf")});
  EXPECT_EQ(r.code, 0) << r.all();  // the default limit is enough for eight rules
  EXPECT_NE(r.out.find("\"steps\": "), std::string::npos) << r.out;
}

}  // namespace
