// tests/cli/run_test.cpp — `sysfence run` end to end, on real programs and the real kernel.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>

#include "cli_helpers.hpp"

using clitest::exists;
using clitest::have_program;
using clitest::sysfence;
using clitest::TempDir;

namespace {

constexpr int kSigsys = 128 + SIGSYS;  // 159: the kernel's seccomp kill

// ---- Allowed work succeeds under the embedded default policy --------------------------------

TEST(Run, LsUnderDefaultPolicy) {
  auto r = sysfence({"run", "--", "ls", "-l", "/"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("usr"), std::string::npos) << r.out;
}

TEST(Run, ShellPipelineUnderDefaultPolicy) {
  auto r = sysfence({"run", "--", "sh", "-c", "echo hello | tr a-z A-Z; ls / | wc -l >/dev/null"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "HELLO\n");
}

TEST(Run, ExplicitDefaultFlag) {
  auto r = sysfence({"run", "--default", "--", "true"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(Run, ProgramWithoutDashDash) {
  auto r = sysfence({"run", "echo", "plain"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "plain\n");
}

TEST(Run, Python3UnderDefaultPolicy) {
  if (!have_program("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  auto r =
      sysfence({"run", "--", "/usr/bin/python3", "-c",
                "import os, json; print(json.dumps({'sum': 1 + 1, 'cwd': os.getcwd() != ''}))"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"sum\": 2, \"cwd\": true}\n");
}

TEST(Run, PerlUnderDefaultPolicy) {
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  auto r = sysfence({"run", "--", "/usr/bin/perl", "-e", "print 6 * 7, qq(\\n)"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "42\n");
}

TEST(Run, StdinIsPassedThrough) {
  auto r = clitest::run({SYSFENCE_CLI, "run", "--", "cat"}, "through the filter\n");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "through the filter\n");
}

// ---- Denied syscalls are denied, with the expected errno or signal --------------------------

TEST(Run, UnshareUserNamespaceIsDenied) {
  auto r = sysfence({"run", "--", "unshare", "-U", "true"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
}

TEST(Run, MountIsDenied) {
  TempDir d;
  auto r = sysfence({"run", "--", "mount", "-t", "tmpfs", "none", d.path});
  EXPECT_NE(r.code, 0);
  // util-linux says "permission denied" (EPERM); it must not have mounted anything.
  EXPECT_TRUE(r.err.find("ermission denied") != std::string::npos ||
              r.err.find("Operation not permitted") != std::string::npos)
      << r.err;
  auto m = clitest::run({"findmnt", "-n", d.path});
  EXPECT_NE(m.code, 0) << "mounted: " << m.out;
}

TEST(Run, TiocstiIoctlIsDeniedWithEperm) {
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  // ioctl(0, TIOCSTI, "x"): the filter answers before the kernel looks at fd 0 (a pipe here,
  // which would be ENOTTY). Prints the errno number.
  const std::string script = "my $c = qq(x); ioctl(STDIN, 0x5412, $c); print 0 + $!";
  auto plain = clitest::run({"/usr/bin/perl", "-e", script});
  ASSERT_EQ(plain.code, 0);
  EXPECT_EQ(plain.out, "25") << "without the filter: ENOTTY";
  auto r = sysfence({"run", "--", "/usr/bin/perl", "-e", script});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1") << "EPERM under the default policy";
}

TEST(Run, TiocstiIoctlIsDeniedFromPython) {
  if (!have_program("/usr/bin/python3")) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string script =
      "import fcntl, termios\n"
      "try:\n"
      "    fcntl.ioctl(0, termios.TIOCSTI, b'x')\n"
      "except OSError as e:\n"
      "    print(e.errno)\n";
  auto r = sysfence({"run", "--", "/usr/bin/python3", "-c", script});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "1\n");
}

// ---- Exit status propagation -----------------------------------------------------------------

TEST(Run, ExitCodeIsPropagated) {
  EXPECT_EQ(sysfence({"run", "--", "sh", "-c", "exit 42"}).code, 42);
  EXPECT_EQ(sysfence({"run", "--", "false"}).code, 1);
}

TEST(Run, SignalBecomes128PlusSignal) {
  EXPECT_EQ(sysfence({"run", "--", "sh", "-c", "kill -TERM $$"}).code, 128 + SIGTERM);
  EXPECT_EQ(sysfence({"run", "--", "sh", "-c", "kill -SEGV $$"}).code, 128 + SIGSEGV);
}

TEST(Run, KillProcessActionKillsWithSigsys) {
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  TempDir d;
  auto p = d.file("p.policy", "default allow\ngetppid: kill-process\n");
  auto r = sysfence(
      {"run", "--policy", p, "--", "/usr/bin/perl", "-e", "getppid(); print qq(survived)"});
  EXPECT_EQ(r.code, kSigsys) << r.out << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(Run, CommandNotFoundIs127) {
  auto r = sysfence({"run", "--", "no-such-program-sysfence"});
  EXPECT_EQ(r.code, 127);
  EXPECT_NE(r.err.find("command not found"), std::string::npos) << r.err;
}

// ---- The runner's own setup is not under the filter ----------------------------------------

TEST(Run, PolicyNeedsExecveButNotTheRunnersSetup) {
  // Allows what /bin/true needs after execve, and nothing of the runner's setup (prctl,
  // seccomp, fork, pipes, wait): the kill-process default would catch any of those.
  TempDir d;
  auto p = d.file("minimal.policy",
                  "default kill-process\n"
                  "execve, brk, arch_prctl, mmap, munmap, mprotect, access, openat, newfstatat,\n"
                  "  fstat, read, pread64, close, set_tid_address, set_robust_list, rseq,\n"
                  "  prlimit64, getrandom, exit_group: allow\n");
  auto r = sysfence({"run", "--policy", p, "--", "/bin/true"});
  EXPECT_EQ(r.code, 0) << r.err;
}

TEST(Run, ExecveDeniedMeansTheProgramNeverRuns) {
  TempDir d;
  auto p = d.file("noexec.policy", "default allow\nexecve, execveat: errno EACCES\n");
  auto marker = d.join("marker");
  auto r = sysfence({"run", "--policy", p, "--", "/usr/bin/touch", marker});
  // Refused before anything runs (issue 8, item 14): bad input, exit 2, and it says why.
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("denies execve"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

// ---- Fail closed ----------------------------------------------------------------------------

TEST(Run, BadPolicyExits2WithDiagnosticAndRunsNothing) {
  TempDir d;
  auto p = d.file("bad.policy", "default errno EPERM\nread: allow\nopnat: allow\n");
  auto marker = d.join("marker");
  auto r = sysfence({"run", "--policy", p, "--", "/usr/bin/touch", marker});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.policy(3:1)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("opnat"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

TEST(Run, MissingPolicyFileExits2) {
  auto r = sysfence({"run", "--policy", "/nonexistent/p.policy", "--", "true"});
  EXPECT_EQ(r.code, 2) << r.err;
}

TEST(Run, FilterInstallFailureMeansTheProgramNeverRuns) {
  // The outer run answers seccomp(2) and prctl(PR_SET_SECCOMP) with EPERM for everything below
  // it, so the inner run cannot install its filter: it must not exec the program.
  TempDir d;
  auto p = d.file(
      "noseccomp.policy",
      "default allow\nseccomp: errno EPERM\nprctl: option == PR_SET_SECCOMP -> errno EPERM\n");
  auto marker = d.join("marker");
  auto r =
      sysfence({"run", "--policy", p, "--", SYSFENCE_CLI, "run", "--", "/usr/bin/touch", marker});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("did not run"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(marker));
}

// ---- --report ---------------------------------------------------------------------------------

TEST(Report, NamesTheDeniedSyscall) {
  auto r = sysfence({"run", "--report", "--", "unshare", "-U", "true"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("unshare(flags=CLONE_NEWUSER)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("EPERM"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("report: 1 denied syscall"), std::string::npos) << r.err;
  // The answer is the policy's: the program saw EPERM.
  EXPECT_NE(r.err.find("Operation not permitted"), std::string::npos) << r.err;
}

TEST(Report, ShowsObservedPathsAndKeepsTheErrno) {
  TempDir d;
  auto p = d.file("p.policy", "default allow\nmkdir, mkdirat: errno EACCES\n");
  const auto dir = d.join("new-dir");
  auto r = sysfence({"run", "--report", "--policy", p, "--", "/bin/mkdir", dir});
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(exists(dir));
  EXPECT_NE(r.err.find("mkdir"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"" + dir + "\" (observed, not enforced)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
}

TEST(Report, AllowedWorkIsUntouched) {
  auto r = sysfence({"run", "--report", "--", "sh", "-c", "echo fine"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "fine\n");
  EXPECT_NE(r.err.find("no syscall was denied"), std::string::npos) << r.err;
}

TEST(Report, KillActionKillsLikeTheKernel) {
  if (!have_program("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  TempDir d;
  auto p = d.file("p.policy", "default allow\ngetppid: kill-process\n");
  auto r = sysfence({"run", "--report", "--policy", p, "--", "/usr/bin/perl", "-e",
                     "getppid(); print qq(survived)"});
  EXPECT_EQ(r.code, kSigsys) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("getppid("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kill_process"), std::string::npos) << r.err;
}

TEST(Report, FollowsChildrenOfTheProgram) {
  // sh forks; the grandchild inherits the filter and its denial is reported too.
  auto r = sysfence({"run", "--report", "--", "sh", "-c", "unshare -U true; echo after=$?"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "after=1\n");
  EXPECT_NE(r.err.find("unshare("), std::string::npos) << r.err;
}

// ---- status and disasm --pid of a confined process ------------------------------------------

TEST(Run, StatusInsideTheSandbox) {
  auto outside = nlohmann::json::parse(sysfence({"status", "--json"}).out);
  // LeakSanitizer (asan preset) needs ptrace, which the default policy denies: off inside.
  auto r = sysfence({"run", "--", "env", "ASAN_OPTIONS=detect_leaks=0", SYSFENCE_CLI, "status",
                     "self", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["mode"], "filter");
  EXPECT_EQ(j["no_new_privs"], true);
  EXPECT_EQ(j["filters"].get<int>(), outside["filters"].get<int>() + 1);
}

}  // namespace
