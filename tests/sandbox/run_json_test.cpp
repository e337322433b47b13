// tests/sandbox/run_json_test.cpp — `sysfence run --json` (the sandbox in force, layer by layer,
// and the exit status) and `run --report` inside a PID namespace, as root and as nobody, each
// next to its control.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_capture.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace fs = std::filesystem;

namespace {

using sysfence::sandbox_test::Ran;

std::vector<std::string> sf(std::vector<std::string> args) {
  args.insert(args.begin(), SYSFENCE_CLI);
  return args;
}

// The line of stderr that `run --json` prints its object on (the last one starting with '{').
std::string last_line(const std::string& text) {
  std::string found, line;
  for (char c : text) {
    if (c != '\n') {
      line += c;
      continue;
    }
    if (!line.empty() && line.front() == '{') found = line;
    line.clear();
  }
  if (!line.empty() && line.front() == '{') found = line;
  return found;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A directory (readable by nobody too) holding p.policy: everything allowed, getppid killed.
std::string getppid_kill_policy_dir() {
  char tmpl[] = "/tmp/sysfence-json-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return "";
  const std::string dir = tmpl;
  ::chmod(dir.c_str(), 0755);
  std::ofstream(dir + "/p.policy") << "default allow\ngetppid: kill-process\n";
  ::chmod((dir + "/p.policy").c_str(), 0644);
  return dir;
}

class RunJson : public ::testing::TestWithParam<uid_t> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (to run as root and as nobody)";
  }
  uid_t uid() const { return GetParam(); }
  Ran run(std::vector<std::string> argv) {
    return sysfence::sandbox_test::run_capture(std::move(argv), uid());
  }
};

TEST_P(RunJson, PrintsTheSandboxInForceAndTheExitStatus) {
  // Control: without --json nothing of it is printed.
  auto plain = run(sf({"run", "-q", "--rox", "/", "--", "sh", "-c", "exit 3"}));
  EXPECT_EQ(plain.code, 3);
  EXPECT_EQ(plain.err, "");
  auto r = run(sf({"run", "-q", "--json", "--rox", "/", "--rlimit", "nofile=64", "--unshare",
                   "pid,ipc", "--", "sh", "-c", "echo out; exit 3"}));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "out\n");  // stdout stays the program's
  const std::string j = last_line(r.err);
  ASSERT_FALSE(j.empty()) << r.err;
  EXPECT_TRUE(has(j, "\"started\":true")) << j;
  EXPECT_TRUE(has(j, "\"exit_code\":3")) << j;
  EXPECT_TRUE(has(j, "\"exit_status\":3")) << j;
  EXPECT_TRUE(has(j, "\"nofile\":{\"hard\":64,\"soft\":64}")) << j;
  EXPECT_TRUE(has(j, "\"core\":{\"hard\":0,\"soft\":0}")) << j;
  EXPECT_TRUE(has(j, uid() == 0
                         ? "\"unshared\":[\"pid\",\"ipc\",\"mount\"]"  // mount: the fresh /proc
                         : "\"unshared\":[\"user\",\"pid\",\"ipc\",\"mount\"]"))
      << j;
  EXPECT_TRUE(has(j, "\"policy\":\"<default> (precompiled)\"")) << j;
  EXPECT_TRUE(has(j, "\"mode\":\"enforce\"")) << j;
  EXPECT_TRUE(has(j, "\"no_new_privs\":true")) << j;
  const int abi = sysfence::sandbox::landlock_abi();
  EXPECT_TRUE(has(j, "\"abi\":" + std::to_string(abi))) << j;
  if (abi > 0) {
    EXPECT_TRUE(has(j, "\"enforced\":true")) << j;
    EXPECT_TRUE(has(j,
                    "{\"allowed\":[\"execute\",\"read_file\",\"read_dir\"],\"as\":\"rox\","
                    "\"path\":\"/\"}"))
        << j;
  }
}

TEST_P(RunJson, FileAndFailure) {
  char tmpl[] = "/tmp/sysfence-json-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  ::chmod(dir.c_str(), 0777);
  const std::string file = dir + "/run.json";
  auto r = run(sf({"run", "-q", "--json-file", file, "--", "true"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // into the file, not on stderr
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(has(text, "\"exit_status\": 0")) << text;
  EXPECT_TRUE(has(text, "\"landlock\": {")) << text;
  // A sandbox that cannot be set up: the program did not run, and the JSON says where it failed.
  auto bad = run(sf({"run", "--json", "--ro", "/nonexistent/sysfence", "--", "true"}));
  EXPECT_EQ(bad.code, 1);
  const std::string j = last_line(bad.err);
  EXPECT_TRUE(has(j, "\"started\":false")) << bad.err;
  EXPECT_TRUE(has(j, "\"failed_at\":\"set-up\"")) << j;
  EXPECT_TRUE(has(j, "/nonexistent/sysfence")) << j;
  fs::remove_all(dir);
}

// --report used to be refused with a PID namespace: the listener is created in the program, a
// child of the init, where the runner's pidfd of its own child cannot reach it. The program now
// sends a pidfd of itself first; the denial is reported and answered as the policy says.
TEST_P(RunJson, ReportInsideAPidNamespace) {
  const std::string script = "unshare -U true; echo status=$? pid=$$";
  std::vector<std::string> extra;
  if (uid() != 0) extra = {"--dumpable"};  // taking the listener needs ptrace rights over it
  auto with = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = sf({"run", "--report"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", "sh", "-c", script});
    return run(argv);
  };
  auto control = with({});  // no PID namespace: not PID 2
  EXPECT_EQ(control.code, 0) << control.err;
  EXPECT_TRUE(has(control.out, "status=1 pid=")) << control.out;
  EXPECT_FALSE(has(control.out, "pid=2\n")) << control.out;
  EXPECT_TRUE(has(control.err, "unshare(flags=CLONE_NEWUSER)")) << control.err;
  auto r = with({"--unshare", "pid"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "status=1 pid=2\n");
  EXPECT_TRUE(has(r.err, "unshare(flags=CLONE_NEWUSER)")) << r.err;
  EXPECT_TRUE(has(r.err, "report: 1 denied syscall")) << r.err;
}

TEST_P(RunJson, ReportKillInsideAPidNamespace) {
  if (!fs::exists("/usr/bin/perl")) GTEST_SKIP() << "no /usr/bin/perl";
  const std::string dir = getppid_kill_policy_dir();
  ASSERT_FALSE(dir.empty());
  std::vector<std::string> argv = sf({"run", "--report", "--json", "--policy", dir + "/p.policy"});
  if (uid() != 0) argv.push_back("--dumpable");
  argv.insert(argv.end(),
              {"--unshare", "pid", "--", "/usr/bin/perl", "-e", "getppid(); print qq(survived)"});
  auto r = run(argv);
  EXPECT_EQ(r.code, 128 + 31) << r.err;  // SIGSYS, as the kernel's kill would look
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(has(r.err, "kill_process")) << r.err;
  EXPECT_TRUE(has(last_line(r.err), "\"killed_by_policy\":true")) << r.err;
  fs::remove_all(dir);
}

// With a PID namespace the program's parent is an init, which cannot die by a signal and exits
// with 128+N: the runner used to report a program killed by SIGSYS as "exited with status 159"
// (no hint, "exit_status":159 in --json). The init now hands over the program's own status.
TEST_P(RunJson, ProgramKilledInsideAPidNamespaceIsReportedAsKilled) {
  const std::string dir = getppid_kill_policy_dir();
  ASSERT_FALSE(dir.empty());
  for (const char* ns : {"", "pid"}) {  // the control first: no PID namespace
    std::vector<std::string> argv = sf({"run", "--json", "--policy", dir + "/p.policy"});
    if (*ns) argv.insert(argv.end(), {"--unshare", ns});
    argv.insert(argv.end(), {"--", "sh", "-c", "exec /usr/bin/perl -e 'getppid()'"});
    auto killed = run(argv);
    EXPECT_EQ(killed.code, 128 + 31) << ns << ": " << killed.err;
    EXPECT_TRUE(has(killed.err, "was killed by SIGSYS")) << ns << ": " << killed.err;
    const std::string j = last_line(killed.err);
    EXPECT_TRUE(has(j, "\"signal\":31")) << ns << ": " << j;
    EXPECT_FALSE(has(j, "\"exit_status\"")) << ns << ": " << j;
    // A program that exits with 159 itself is not called killed.
    argv = sf({"run", "--json"});
    if (*ns) argv.insert(argv.end(), {"--unshare", ns});
    argv.insert(argv.end(), {"--", "sh", "-c", "exit 159"});
    auto exited = run(argv);
    EXPECT_EQ(exited.code, 159) << ns << ": " << exited.err;
    EXPECT_FALSE(has(exited.err, "killed")) << ns << ": " << exited.err;
    EXPECT_TRUE(has(last_line(exited.err), "\"exit_status\":159")) << ns << ": " << exited.err;
  }
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AsRootAndNobody, RunJson, ::testing::Values(0u, 65534u),
                         [](const auto& info) {
                           return info.param == 0 ? std::string("root") : std::string("nobody");
                         });

}  // namespace
