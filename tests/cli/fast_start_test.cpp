// tests/cli/fast_start_test.cpp — the start-up fast path (src/cli/fast_start/fast_run.cpp) against
// the full path, case by case: `sysfence run [-q] [--] PROG ...` takes the fast path in the static
// x86_64 executable; `sysfence run --default [-q] [--] PROG ...` installs the same precompiled
// default through the full path (CLI11, sandbox::spawn). Both must give the same exit status,
// the same output (the hint line after a failure, error messages), and leave the program in the
// same confinement. Where the fast path is not built (another arch, a dynamic or sanitizer
// build) both commands take the full path and the comparisons still hold.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_helpers.hpp"

using clitest::have_program;
using clitest::Ran;
using clitest::TempDir;

namespace {

// The same command through both paths: `run [PRE...] -- ARGS...` and `run --default [PRE...]
// -- ARGS...`, with `env_prefix` (e.g. {"env", "PATH=..."}) in front of sysfence.
struct Both {
  Ran fast, full;
};
Both both(const std::vector<std::string>& pre, const std::vector<std::string>& args,
          const std::vector<std::string>& env_prefix = {}, bool dash_dash = true) {
  auto make = [&](bool full) {
    std::vector<std::string> argv = env_prefix;
    argv.push_back(SYSFENCE_CLI);
    argv.push_back("run");
    if (full) argv.push_back("--default");
    argv.insert(argv.end(), pre.begin(), pre.end());
    if (dash_dash) argv.push_back("--");
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  return {clitest::run(make(false)), clitest::run(make(true))};
}

void expect_same(const Both& b) {
  EXPECT_EQ(b.fast.code, b.full.code) << "fast: " << b.fast.err << "\nfull: " << b.full.err;
  EXPECT_EQ(b.fast.out, b.full.out);
  EXPECT_EQ(b.fast.err, b.full.err);
}

TEST(FastStart, SuccessOnPath) {
  auto b = both({}, {"true"});
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0);
  EXPECT_EQ(b.fast.err, "");
}

TEST(FastStart, ArgumentsOutputAndStdin) {
  auto b = both({}, {"sh", "-c", "echo \"$0|$1|$2\"; echo to-stderr >&2", "a b", "", "-x"});
  expect_same(b);
  EXPECT_EQ(b.fast.out, "a b||-x\n");
  EXPECT_EQ(b.fast.err, "to-stderr\n");
}

TEST(FastStart, FailureStatusAndTheHintLine) {
  auto b = both({}, {"sh", "-c", "exit 3"});
  expect_same(b);
  EXPECT_EQ(b.fast.code, 3);
  EXPECT_NE(b.fast.err.find("sysfence: sh exited with status 3; if a syscall the policy denies"),
            std::string::npos)
      << b.fast.err;
  for (const char* q : {"-q", "--quiet"}) {
    auto bq = both({q}, {"sh", "-c", "exit 3"});
    expect_same(bq);
    EXPECT_EQ(bq.fast.code, 3);
    EXPECT_EQ(bq.fast.err, "");
  }
  auto big = both({}, {"sh", "-c", "exit 255"});
  expect_same(big);
  EXPECT_EQ(big.fast.code, 255);
}

TEST(FastStart, KilledBySigsysAndOtherSignals) {
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  // A real seccomp kill: the default policy's answer to a syscall it kills the process for
  // would depend on the policy; a SIGSYS the program gets is reported the same way.
  auto b = both({}, {"/usr/bin/perl", "-e", "kill 'SYS', $$; sleep 5"});
  expect_same(b);
  EXPECT_EQ(b.fast.code, 128 + SIGSYS);
  EXPECT_NE(b.fast.err.find("was killed by SIGSYS"), std::string::npos) << b.fast.err;
  auto q = both({"-q"}, {"/usr/bin/perl", "-e", "kill 'SYS', $$; sleep 5"});
  expect_same(q);
  EXPECT_EQ(q.fast.err, "");
  auto term = both({}, {"sh", "-c", "kill -TERM $$"});
  expect_same(term);
  EXPECT_EQ(term.fast.code, 128 + SIGTERM);
  EXPECT_EQ(term.fast.err, "");
}

TEST(FastStart, DeniedSyscallFailsTheSameWay) {
  auto b = both({}, {"unshare", "-U", "true"});
  expect_same(b);
  EXPECT_NE(b.fast.code, 0);
}

TEST(FastStart, NotFoundNotExecutableAndExecFailures) {
  TempDir d;
  auto nf = both({}, {"no-such-program-here"}, {"env", "PATH=/usr/bin:/bin"});
  expect_same(nf);
  EXPECT_EQ(nf.fast.code, 127);
  auto missing = both({}, {d.join("missing")});
  expect_same(missing);
  EXPECT_EQ(missing.fast.code, 127);
  const std::string plain = d.file("plain", "echo hi\n");
  auto noexec = both({}, {plain});
  expect_same(noexec);
  EXPECT_EQ(noexec.fast.code, 126);
  auto dir = both({}, {d.path});
  expect_same(dir);
  EXPECT_EQ(dir.fast.code, 126);
  // Executable but no format the kernel knows: execve fails in the child, after the filter.
  const std::string junk = d.file("junk", "\x01\x02\x03 not a program\n");
  ASSERT_EQ(::chmod(junk.c_str(), 0755), 0);
  auto enoexec = both({}, {junk});
  expect_same(enoexec);
  EXPECT_EQ(enoexec.fast.code, 126);
  EXPECT_NE(enoexec.fast.err.find("execve failed"), std::string::npos) << enoexec.fast.err;
}

TEST(FastStart, PathLookupLikeExecvp) {
  TempDir d;
  ASSERT_EQ(::mkdir(d.join("a").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(d.join("b").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(d.join("c").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(d.join("b/prog").c_str(), 0755), 0);  // a directory: skipped
  d.file("a/prog", "#!/bin/sh\necho from-a\n");           // not executable: skipped
  const std::string c = d.file("c/prog", "#!/bin/sh\necho from-c \"$@\"\n");
  ASSERT_EQ(::chmod(c.c_str(), 0755), 0);
  const std::string path = "PATH=" + d.join("a") + "::" + d.join("b") + ":" + d.join("c") + ":/bin";
  auto b = both({}, {"prog", "x"}, {"env", path});
  expect_same(b);
  EXPECT_EQ(b.fast.out, "from-c x\n");
  // Only non-executable candidates: 126 with the first error, as the full path says.
  auto only_a = both({}, {"prog"}, {"env", "PATH=" + d.join("a")});
  expect_same(only_a);
  EXPECT_EQ(only_a.fast.code, 126);
  // PATH unset or empty: the default search path.
  auto unset = both({}, {"true"}, {"env", "-u", "PATH", "/usr/bin/env"});
  expect_same(unset);
  EXPECT_EQ(unset.fast.code, 0);
  auto empty = both({}, {"true"}, {"env", "PATH="});
  expect_same(empty);
  EXPECT_EQ(empty.fast.code, 0);
}

TEST(FastStart, EnvironmentPassesThrough) {
  auto b = both({}, {"env"}, {"env", "-i", "A=1", "B=two words", "PATH=/usr/bin:/bin"});
  expect_same(b);
  EXPECT_EQ(b.fast.out, "A=1\nB=two words\nPATH=/usr/bin:/bin\n");
}

// What the program finds itself in: no_new_privs, one seccomp filter, no capabilities in any
// set, core dumps off, not dumpable, descriptors above 2 closed.
TEST(FastStart, SameConfinement) {
  const std::string script =
      "grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|CapInh|CapPrm|CapEff|CapBnd|CapAmb):' "
      "/proc/self/status; grep 'Max core' /proc/self/limits; ls /proc/self/fd | wc -l";
  auto b = both({}, {"sh", "-c", script});
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0) << b.fast.err;
  EXPECT_NE(b.fast.out.find("NoNewPrivs:\t1"), std::string::npos) << b.fast.out;
  EXPECT_NE(b.fast.out.find("Seccomp:\t2"), std::string::npos) << b.fast.out;
  EXPECT_NE(b.fast.out.find("Seccomp_filters:\t1"), std::string::npos) << b.fast.out;
  EXPECT_NE(b.fast.out.find("CapEff:\t0000000000000000"), std::string::npos) << b.fast.out;
  EXPECT_NE(b.fast.out.find("CapAmb:\t0000000000000000"), std::string::npos) << b.fast.out;
  if (::geteuid() == 0) {
    EXPECT_NE(b.fast.out.find("CapBnd:\t0000000000000000"), std::string::npos) << b.fast.out;
  }
}

// `run PROG ARGS...` without "--" (no word may start with '-' there: the parser would take it
// for an option).
TEST(FastStart, WithoutDashDash) {
  auto b = both({}, {"echo", "compile", "run", "help", "x=1", "@f", ""}, {}, false);
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0);
  EXPECT_EQ(b.fast.out, "compile run help x=1 @f \n");
  auto q = both({"-q"}, {"false"}, {}, false);
  expect_same(q);
  EXPECT_EQ(q.fast.code, 1);
  EXPECT_EQ(q.fast.err, "");
  auto hint = both({}, {"false"}, {}, false);
  expect_same(hint);
  EXPECT_NE(hint.fast.err.find("sysfence: false exited with status 1"), std::string::npos);
  // A word with a dash: the full path's parser decides (here: an unknown option, exit 2).
  auto opt = both({}, {"sh", "-c", "exit 0"}, {}, false);
  expect_same(opt);
  EXPECT_EQ(opt.fast.code, 2);
  auto nf = both({}, {"no-such-program-here"}, {"env", "PATH=/usr/bin:/bin"}, false);
  expect_same(nf);
  EXPECT_EQ(nf.fast.code, 127);
}

// The shapes the fast path does not take end in the full path, unchanged.
TEST(FastStart, OtherShapesTakeTheFullPath) {
  auto r = clitest::sysfence({"run", "--", ""});
  EXPECT_NE(r.code, 0);
  auto none = clitest::sysfence({"run", "--"});
  EXPECT_EQ(none.code, 2) << none.err;
  auto twice = clitest::sysfence({"run", "-q", "-q", "--", "sh", "-c", "exit 4"});
  EXPECT_EQ(twice.code, 4) << twice.err;
  EXPECT_EQ(twice.err, "");
  auto after = clitest::sysfence({"run", "--", "sh", "-c", "exit 5", "--quiet"});
  EXPECT_EQ(after.code, 5);
  EXPECT_NE(after.err.find("exited with status 5"), std::string::npos) << after.err;
}

// ---- The runner while its program runs ------------------------------------------------------

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Starts `sysfence run [--default] -- sleep 30`, waits until the program runs (the runner's child
// is `sleep`), returns the runner's resident memory then (kB, /proc/PID/status: readable also
// where the maps are not: the vfork child's PR_SET_DUMPABLE 0 applies to the memory it shares
// with the runner until execve), and ends it with SIGTERM (which the runner forwards: status
// 128 + SIGTERM).
long runner_rss_kb(bool full, bool dash_dash, int* status) {
  const pid_t runner = ::fork();
  if (runner == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    std::vector<const char*> argv = {SYSFENCE_CLI, "run"};
    if (full) argv.push_back("--default");
    if (dash_dash) argv.push_back("--");
    for (const char* a : {"sleep", "30"}) argv.push_back(a);
    argv.push_back(nullptr);
    ::execv(argv[0], const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  const std::string children =
      "/proc/" + std::to_string(runner) + "/task/" + std::to_string(runner) + "/children";
  long rss = -1;
  for (int i = 0; i < 20000; ++i) {  // until the program has exec'd (not a timed assertion)
    std::istringstream kids(slurp(children));
    pid_t kid = 0;
    if (kids >> kid && slurp("/proc/" + std::to_string(kid) + "/comm") == "sleep\n") {
      std::istringstream st(slurp("/proc/" + std::to_string(runner) + "/status"));
      std::string key;
      while (st >> key)
        if (key == "VmRSS:" && st >> rss) break;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(runner, SIGTERM);
  int st = 0;
  while (::waitpid(runner, &st, 0) < 0 && errno == EINTR) {}
  *status = st;
  return rss;
}

TEST(FastStart, TakenWhereBuiltAndForwardsSigterm) {
  for (bool dash_dash : {true, false}) {
    int fast_status = 0, full_status = 0;
    const long fast = runner_rss_kb(false, dash_dash, &fast_status);
    const long full = runner_rss_kb(true, dash_dash, &full_status);
    ASSERT_GT(fast, 0);
    ASSERT_GT(full, 0);
    // Both forward SIGTERM to the program and exit with its status.
    EXPECT_TRUE(WIFEXITED(fast_status) && WEXITSTATUS(fast_status) == 128 + SIGTERM) << fast_status;
    EXPECT_TRUE(WIFEXITED(full_status) && WEXITSTATUS(full_status) == 128 + SIGTERM) << full_status;
#if defined(SYSFENCE_FAST_START_BUILT)
    // The full path has the C and C++ runtimes, CLI11 and the heap resident (about 3 MB); the
    // fast path touches a few pages of the executable and its stack.
    EXPECT_LT(fast * 2, full) << "fast path " << fast << " kB, full path " << full << " kB"
                              << (dash_dash ? " (with --)" : " (without --)");
#endif
  }
}

}  // namespace
