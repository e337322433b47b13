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

#include <cstdlib>
#include <filesystem>

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

// The first child of `pid` (0 when it has none yet).
pid_t first_child(pid_t pid) {
  std::istringstream kids(
      slurp("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
  pid_t kid = 0;
  return kids >> kid ? kid : 0;
}
bool is_sleep(pid_t pid) {
  return pid > 0 && slurp("/proc/" + std::to_string(pid) + "/comm") == "sleep\n";
}

// Starts `sysfence run [--default] [OPTIONS] -- sleep 30` (after `prefix`, e.g. setpriv, which
// execs it in the same process; in `cwd` when given), waits until the program runs (the
// runner's child is `sleep`, or with a PID namespace its init's child), returns the runner's
// resident memory then (kB, /proc/PID/status: readable also where the maps are not: the vfork
// child's PR_SET_DUMPABLE 0 applies to the memory it shares with the runner until execve), and
// ends it with SIGTERM (which the runner forwards: status 128 + SIGTERM).
long runner_rss_kb(bool full, bool dash_dash, int* status,
                   const std::vector<std::string>& options = {},
                   const std::vector<std::string>& prefix = {}, const std::string& cwd = "") {
  const pid_t runner = ::fork();
  if (runner == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    std::vector<const char*> argv;
    for (const std::string& p : prefix) argv.push_back(p.c_str());
    argv.push_back(SYSFENCE_CLI);
    argv.push_back("run");
    if (full) argv.push_back("--default");
    for (const std::string& o : options) argv.push_back(o.c_str());
    if (dash_dash) argv.push_back("--");
    for (const char* a : {"sleep", "30"}) argv.push_back(a);
    argv.push_back(nullptr);
    ::execvp(argv[0], const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  long rss = -1;
  for (int i = 0; i < 20000; ++i) {  // until the program has exec'd (not a timed assertion)
    const pid_t kid = first_child(runner);
    if (is_sleep(kid) || is_sleep(first_child(kid))) {
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

// ---- `run --profile untrusted` ----------------------------------------------------------------
//
// The fast path against the full path (`run --default --profile untrusted` installs the same
// precompiled filter through sandbox::spawn), as root and as nobody (setpriv): the fast path
// declines without CAP_SYS_ADMIN (the full path then makes a user namespace), and the results
// must be the same either way. The program runs in a directory under /var/tmp: the profile
// mounts a private /tmp, and a working directory below it is a case the fast path declines.

struct WorkDir {
  explicit WorkDir(const std::string& base = "/var/tmp") {
    std::string tmpl = base + "/sysfence-fast-XXXXXX";
    path = ::mkdtemp(tmpl.data());
    ::chmod(path.c_str(), 0777);
  }
  ~WorkDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

class FastUntrusted : public ::testing::TestWithParam<uid_t> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (to run as root and as nobody)";
    if (GetParam() != 0 && !clitest::exists("/proc/sys/user/max_user_namespaces"))
      GTEST_SKIP() << "no user namespaces on this kernel";
  }
  // setpriv to the test's user (nothing as root), then into `cwd`.
  std::vector<std::string> prefix(const std::string& cwd) const {
    std::vector<std::string> p;
    if (GetParam() != 0) {
      const std::string id = std::to_string(GetParam());
      p = {"setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups"};
    }
    for (const char* w : {"sh", "-c", "cd \"$0\" && exec \"$@\""}) p.emplace_back(w);
    p.push_back(cwd);
    return p;
  }
  // `run --profile untrusted OPTS -- ARGS` and `run --default --profile untrusted OPTS -- ARGS`.
  Both both_untrusted(const std::vector<std::string>& opts, const std::vector<std::string>& args,
                      const std::string& cwd, bool dash_dash = true) const {
    std::vector<std::string> pre = {"--profile", "untrusted"};
    pre.insert(pre.end(), opts.begin(), opts.end());
    return both(pre, args, prefix(cwd), dash_dash);
  }
  // Was the fast path taken for `run --profile untrusted -- sleep 30` from `cwd`? (The runner's
  // resident memory while the program runs: the full path has the C and C++ runtimes, CLI11
  // and the heap resident.) Both paths forward SIGTERM through the namespace's init.
  bool fast_path_taken(const std::string& cwd) const {
    int fast_status = 0, full_status = 0;
    const std::vector<std::string> opts = {"--profile", "untrusted"};
    std::vector<std::string> pre;
    if (GetParam() != 0) {
      const std::string id = std::to_string(GetParam());
      pre = {"setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups"};
    }
    const long fast = runner_rss_kb(false, true, &fast_status, opts, pre, cwd);
    const long full = runner_rss_kb(true, true, &full_status, opts, pre, cwd);
    EXPECT_GT(fast, 0);
    EXPECT_GT(full, 0);
    EXPECT_TRUE(WIFEXITED(fast_status) && WEXITSTATUS(fast_status) == 128 + SIGTERM) << fast_status;
    EXPECT_TRUE(WIFEXITED(full_status) && WEXITSTATUS(full_status) == 128 + SIGTERM) << full_status;
    return fast * 2 < full;
  }
};

INSTANTIATE_TEST_SUITE_P(AsRootAndNobody, FastUntrusted, ::testing::Values(0u, 65534u),
                         [](const auto& info) { return info.param == 0 ? "root" : "nobody"; });

TEST_P(FastUntrusted, TakenAsRootOnly) {
  WorkDir d;
  const bool taken = fast_path_taken(d.path);
#if defined(SYSFENCE_FAST_START_BUILT)
  // Without CAP_SYS_ADMIN the full path makes a user namespace: the fast path declines.
  EXPECT_EQ(taken, GetParam() == 0);
#else
  EXPECT_FALSE(taken);
#endif
}

TEST_P(FastUntrusted, ExitStatusHintAndOptionShapes) {
  WorkDir d;
  auto ok = both_untrusted({}, {"true"}, d.path);
  expect_same(ok);
  EXPECT_EQ(ok.fast.code, 0);
  EXPECT_EQ(ok.fast.err, "");
  auto three = both_untrusted({}, {"sh", "-c", "echo out; echo err >&2; exit 3"}, d.path);
  expect_same(three);
  EXPECT_EQ(three.fast.code, 3);
  EXPECT_EQ(three.fast.out, "out\n");
  EXPECT_NE(three.fast.err.find("err\nsysfence: sh exited with status 3; "), std::string::npos)
      << three.fast.err;
  for (const char* q : {"-q", "--quiet"}) {
    auto quiet = both_untrusted({q}, {"sh", "-c", "exit 3"}, d.path);
    expect_same(quiet);
    EXPECT_EQ(quiet.fast.code, 3);
    EXPECT_EQ(quiet.fast.err, "");
  }
  // -q first, and --profile=untrusted (the full path's parser takes both).
  auto first = both({"-q", "--profile=untrusted"}, {"sh", "-c", "exit 4"}, prefix(d.path));
  expect_same(first);
  EXPECT_EQ(first.fast.code, 4);
  EXPECT_EQ(first.fast.err, "");
  auto no_dashes = both_untrusted({}, {"echo", "a", "b"}, d.path, false);
  expect_same(no_dashes);
  EXPECT_EQ(no_dashes.fast.out, "a b\n");
  std::vector<std::string> with_path = prefix(d.path);
  for (const char* w : {"env", "PATH=/usr/bin:/bin"}) with_path.emplace_back(w);
  auto nf = both({"--profile", "untrusted"}, {"no-such-program-here"}, with_path);
  expect_same(nf);
  EXPECT_EQ(nf.fast.code, 127);
  const std::string plain = d.path + "/plain";
  std::ofstream(plain) << "echo hi\n";
  auto noexec = both_untrusted({}, {plain}, d.path);
  expect_same(noexec);
  EXPECT_EQ(noexec.fast.code, 126);
}

// The program's own wait status comes back through the init: killed by a signal N (128+N, no
// hint unless SIGSYS) is told apart from exiting with 128+N (a hint).
TEST_P(FastUntrusted, SignalsThroughTheInit) {
  WorkDir d;
  auto killed = both_untrusted({}, {"sh", "-c", "kill -KILL $$"}, d.path);
  expect_same(killed);
  EXPECT_EQ(killed.fast.code, 128 + SIGKILL);
  EXPECT_EQ(killed.fast.err, "");
  auto exited = both_untrusted({}, {"sh", "-c", "exit 137"}, d.path);
  expect_same(exited);
  EXPECT_EQ(exited.fast.code, 137);
  EXPECT_NE(exited.fast.err.find("exited with status 137"), std::string::npos) << exited.fast.err;
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  auto sys = both_untrusted({}, {"/usr/bin/perl", "-e", "kill 'SYS', $$; sleep 5"}, d.path);
  expect_same(sys);
  EXPECT_EQ(sys.fast.code, 128 + SIGSYS);
  EXPECT_NE(sys.fast.err.find("was killed by SIGSYS"), std::string::npos) << sys.fast.err;
}

// What the program sees, each denial next to its positive control (the same command under a
// plain `run`, no profile).
TEST_P(FastUntrusted, WhatTheProgramSees) {
  WorkDir d, outside;
  TempDir host_tmp;  // in the host's /tmp
  ::chmod(host_tmp.path.c_str(), 0755);
  host_tmp.file("host-file", "x");
  const std::string in_tmp = "/tmp/" + std::filesystem::path(d.path).filename().string();
  const std::string script =
      "echo \"pid $$\"; echo /proc/[0-9]*; "
      "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' '; echo; "
      "test -e " +
      host_tmp.join("host-file") +
      " && echo host-tmp-visible; "
      "ls -A /tmp | wc -l; stat -c %a /tmp; "
      "echo w > here && cat here; echo t > " +
      in_tmp + " && cat " + in_tmp +
      "; "
      "touch " +
      outside.path +
      "/x 2>/dev/null && echo outside-writable; "
      "grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters|CapInh|CapPrm|CapEff|CapBnd|CapAmb):' "
      "/proc/self/status; grep 'Max core' /proc/self/limits | tr -s ' '; ls /proc/self/fd | wc -l";
  auto b = both_untrusted({}, {"sh", "-c", script}, d.path);
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0) << b.fast.err;
  const std::string& o = b.fast.out;
  EXPECT_NE(o.find("pid 2\n/proc/1 /proc/2\n"), std::string::npos) << o;  // init and sh
  EXPECT_NE(o.find("\nlo \n"), std::string::npos) << o;                   // loopback only
  EXPECT_EQ(o.find("host-tmp-visible"), std::string::npos) << o;          // a fresh /tmp
  EXPECT_NE(o.find("\n0\n1777\n"), std::string::npos) << o;
  EXPECT_NE(o.find("\nw\nt\n"), std::string::npos) << o;  // the cwd and /tmp are writable
  EXPECT_EQ(o.find("outside-writable"), std::string::npos) << o;
  EXPECT_NE(o.find("NoNewPrivs:\t1"), std::string::npos) << o;
  EXPECT_NE(o.find("Seccomp:\t2"), std::string::npos) << o;
  EXPECT_NE(o.find("Seccomp_filters:\t1"), std::string::npos) << o;
  EXPECT_NE(o.find("CapEff:\t0000000000000000"), std::string::npos) << o;
  EXPECT_NE(o.find("CapBnd:\t0000000000000000"), std::string::npos) << o;
  EXPECT_NE(o.find("Max core file size 0 0 bytes"), std::string::npos) << o;
  EXPECT_TRUE(clitest::exists(d.path + "/here"));  // the write reached the host's directory
  EXPECT_FALSE(clitest::exists(in_tmp));
  // Loopback is up: a connection to a closed port is refused (down, it would be unreachable).
  if (have_program("/usr/bin/bash") || have_program("/bin/bash")) {
    auto lo = both_untrusted({}, {"bash", "-c", "echo > /dev/tcp/127.0.0.1/9"}, d.path);
    expect_same(lo);
    EXPECT_NE(lo.fast.err.find("Connection refused"), std::string::npos) << lo.fast.err;
  }
  // The positive controls: without the profile the host's processes, interfaces and /tmp are
  // there, and the other directory is writable.
  auto control = clitest::run([&] {
    std::vector<std::string> argv = prefix(d.path);
    for (const char* w : {SYSFENCE_CLI, "run", "--", "sh", "-c"}) argv.emplace_back(w);
    argv.push_back(script);
    return argv;
  }());
  EXPECT_EQ(control.code, 0) << control.err;
  EXPECT_EQ(control.out.find("pid 2\n"), std::string::npos) << control.out;
  EXPECT_NE(control.out.find("host-tmp-visible"), std::string::npos) << control.out;
  EXPECT_NE(control.out.find("outside-writable"), std::string::npos) << control.out;
  EXPECT_EQ(control.out.find("\nlo \n"), std::string::npos) << control.out;
  EXPECT_TRUE(clitest::exists(in_tmp));
  ::unlink(in_tmp.c_str());
}

// A SIGTERM the runner forwards while the child is still setting up (it is the namespace's PID 1
// then, and an init drops a signal it has no handler for) waits, blocked, until the init
// forwards it: the program gets it. It used to be lost there, and the program ran on. Sent as
// soon as the runner has a child, on both paths.
TEST_P(FastUntrusted, SigtermDuringTheSetUpReachesTheProgram) {
  WorkDir d;
  for (bool full : {false, true}) {
    const pid_t runner = ::fork();
    if (runner == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      if (::chdir(d.path.c_str()) != 0) ::_exit(126);
      std::vector<std::string> argv = prefix(d.path);
      argv.erase(argv.end() - 4, argv.end());  // setpriv only: the cwd is set above
      for (const char* a : {SYSFENCE_CLI, "run"}) argv.emplace_back(a);
      if (full) argv.emplace_back("--default");
      for (const char* a : {"--profile", "untrusted", "--", "sleep", "30"}) argv.emplace_back(a);
      std::vector<char*> args;
      for (std::string& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    while (first_child(runner) == 0) {  // until the runner's child exists (not a timed wait)
      int st = 0;
      if (::waitpid(runner, &st, WNOHANG) == runner) break;
    }
    ::kill(runner, SIGTERM);
    int st = 0;
    while (::waitpid(runner, &st, 0) < 0 && errno == EINTR) {}
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM)
        << (full ? "full path: " : "fast path: ") << st;
  }
}

// Started with file capabilities (or set-user-ID: AT_SECURE), the C library drops unsafe
// variables (GCONV_PATH, LD_PRELOAD, ...) from the environment the full path hands the program;
// the fast path declines there, so the program gets the same environment. The positive control:
// the same copy without capabilities passes GCONV_PATH on.
TEST(FastStart, SecureStartTakesTheFullPath) {
  if (::geteuid() != 0 || !have_program("/usr/sbin/setcap")) GTEST_SKIP() << "needs root, setcap";
  WorkDir d;
  const std::string copy = d.path + "/sysfence";
  std::filesystem::copy_file(SYSFENCE_CLI, copy);
  ::chmod(copy.c_str(), 0755);
  const std::vector<std::string> nobody = {"setpriv",        "--reuid=65534", "--regid=65534",
                                           "--clear-groups", "env",           "GCONV_PATH=/x"};
  auto show = [&](const std::vector<std::string>& opts) {
    std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec \"$@\"", d.path};
    argv.insert(argv.end(), nobody.begin(), nobody.end());
    argv.push_back(copy);
    argv.emplace_back("run");
    argv.insert(argv.end(), opts.begin(), opts.end());
    for (const char* w : {"--", "sh", "-c", "env | grep -c '^GCONV_PATH=' || true"})
      argv.emplace_back(w);
    return clitest::run(argv);
  };
  EXPECT_EQ(show({}).out, "1\n");  // positive control: no capabilities, passed on
  if (clitest::run({"/usr/sbin/setcap", "cap_sys_admin,cap_setpcap,cap_net_admin+ep", copy}).code !=
      0)
    GTEST_SKIP() << "no file capabilities on this file system";
  for (const std::vector<std::string>& opts :
       {std::vector<std::string>{}, std::vector<std::string>{"--profile", "untrusted"}}) {
    std::vector<std::string> full = {"--default"};
    full.insert(full.end(), opts.begin(), opts.end());
    const Ran fast = show(opts), slow = show(full);
    EXPECT_EQ(fast.code, 0) << fast.err;
    EXPECT_EQ(fast.out, "0\n") << fast.err;
    EXPECT_EQ(fast.out, slow.out);
    EXPECT_EQ(fast.err, slow.err);
  }
}

// Started from /tmp itself: the program starts in the private tmpfs on /tmp (the directory as
// the mount shows it), on both paths; nothing reaches the host's /tmp.
TEST_P(FastUntrusted, StartedFromTmpStartsInThePrivateTmp) {
  const std::string name = "sysfence-fast-from-tmp-" + std::to_string(::getpid());
  auto b = both_untrusted(
      {}, {"sh", "-c", "pwd; ls -A | wc -l; echo w > " + name + " && cat " + name}, "/tmp");
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0) << b.fast.err;
  EXPECT_EQ(b.fast.out, "/tmp\n0\nw\n");
  EXPECT_FALSE(clitest::exists("/tmp/" + name));
#if defined(SYSFENCE_FAST_START_BUILT)
  EXPECT_EQ(fast_path_taken("/tmp"), GetParam() == 0);
#endif
}

// A working directory below the profile's /tmp: the full path binds it back (KeepCwd), which
// the fast path does not carry out: it declines, and the results are the full path's.
TEST_P(FastUntrusted, WorkingDirectoryUnderTmpDeclines) {
  TempDir t;
  ::chmod(t.path.c_str(), 0777);
  auto b = both_untrusted({}, {"sh", "-c", "pwd; echo w > here && cat here"}, t.path);
  expect_same(b);
  EXPECT_EQ(b.fast.code, 0) << b.fast.err;
  EXPECT_EQ(b.fast.out, t.path + "\nw\n");
  EXPECT_FALSE(fast_path_taken(t.path));
}

}  // namespace
