// tests/sandbox/layers_test.cpp — `sysfence run`'s namespace, mount, privilege and environment
// layers end to end, each next to its positive control (the same command without the layer).
#include <gtest/gtest.h>

#include <dirent.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
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

// Runs argv (through `timeout 60`), as `uid` when it is not 0 (setpriv), and captures.
Ran run(std::vector<std::string> argv, uid_t uid = 0) {
  return sysfence::sandbox_test::run_capture(std::move(argv), uid);
}

std::vector<std::string> sf(std::vector<std::string> args) {
  args.insert(args.begin(), SYSFENCE_CLI);
  return args;
}

bool userns_possible() { return std::ifstream("/proc/sys/user/max_user_namespaces").good(); }

struct Dir {
  explicit Dir(std::string base = "/tmp") {
    std::string tmpl = base + "/sysfence-layers-XXXXXX";
    path = ::mkdtemp(tmpl.data());
    ::chmod(path.c_str(), 0777);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

const uid_t kUsers[] = {0, 65534};

class Layers : public ::testing::TestWithParam<uid_t> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (to run as root and as nobody)";
    if (GetParam() != 0 && !userns_possible()) GTEST_SKIP() << "no user namespaces on this kernel";
  }
  uid_t uid() const { return GetParam(); }
};

TEST_P(Layers, ReadOnlyBindRefusesWrites) {
  Dir d;
  const std::string cmd = "echo x > " + d.path + "/f";
  EXPECT_EQ(run(sf({"run", "--", "sh", "-c", cmd}), uid()).code, 0);  // positive control
  auto r = run(sf({"run", "--ro-bind", d.path, d.path, "--", "sh", "-c", cmd}), uid());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
}

// `sh -c 'cd DIR && exec sysfence ARGS...'`: sysfence started from DIR.
std::vector<std::string> sf_from(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec \"$@\"", dir, SYSFENCE_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// A mount on the working directory (or above it) must hold for relative paths too: the program
// starts in the directory as the mount shows it, not in the one the mount hides.
TEST_P(Layers, ReadOnlyBindOnTheWorkingDirectoryHoldsForRelativePaths) {
  Dir d;
  auto control = run(sf_from(d.path, {"run", "--", "sh", "-c", "echo x > control"}), uid());
  EXPECT_EQ(control.code, 0) << control.err;  // positive control
  EXPECT_TRUE(fs::exists(d.path + "/control"));
  auto r = run(
      sf_from(d.path, {"run", "--ro-bind", d.path, d.path, "--", "sh", "-c", "pwd; echo x > f"}),
      uid());
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, d.path + "\n");
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(d.path + "/f"));
}

TEST_P(Layers, TmpfsOnTheWorkingDirectoryIsWhereTheProgramStarts) {
  Dir d;
  std::ofstream(d.path + "/host-file") << "x";
  auto r = run(sf_from(d.path, {"run", "--tmpfs", d.path, "--", "sh", "-c",
                                "ls -A | wc -l; touch inside; ls"}),
               uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\ninside\n");
  EXPECT_FALSE(fs::exists(d.path + "/inside"));
  EXPECT_TRUE(fs::exists(d.path + "/host-file"));
}

// A working directory the mounts take away: an error before the program runs, not a program
// left in a hidden directory.
TEST_P(Layers, WorkingDirectoryGoneUnderABindIsAnError) {
  Dir d, empty;
  fs::create_directory(d.path + "/sub");
  ::chmod((d.path + "/sub").c_str(), 0777);
  const std::string sub = d.path + "/sub";
  auto control = run(sf_from(sub, {"run", "--bind", empty.path, empty.path, "--", "pwd"}), uid());
  EXPECT_EQ(control.code, 0) << control.err;  // positive control: a bind elsewhere
  EXPECT_EQ(control.out, sub + "\n");
  auto r = run(sf_from(sub, {"run", "--bind", empty.path, d.path, "--", "echo", "ran"}), uid());
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the working directory " + sub + ", once the sandbox's mounts are in"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("give --chdir DIR"), std::string::npos) << r.err;
}

TEST_P(Layers, TmpfsIsPrivate) {
  Dir d;
  std::ofstream(d.path + "/host-file") << "x";
  auto r = run(sf({"run", "--tmpfs", d.path, "--", "sh", "-c",
                   "ls -A " + d.path + " | wc -l; touch " + d.path + "/inside"}),
               uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n");
  EXPECT_FALSE(fs::exists(d.path + "/inside"));
  EXPECT_TRUE(fs::exists(d.path + "/host-file"));
}

TEST_P(Layers, BindShowsTheSource) {
  Dir src, dst;
  std::ofstream(src.path + "/file") << "from the source\n";
  ::chmod((src.path + "/file").c_str(), 0644);
  auto r = run(sf({"run", "--bind", src.path, dst.path, "--", "cat", dst.path + "/file"}), uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "from the source\n");
}

TEST_P(Layers, Hostname) {
  auto r = run(sf({"run", "--hostname", "sysfence-box", "--", "hostname"}), uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "sysfence-box\n");
  EXPECT_NE(run({"hostname"}).out, "sysfence-box\n");
}

TEST_P(Layers, PidNamespaceSeesOnlyItself) {
  // One process lists /proc (sh execs ls): no pipeline whose members may or may not be there yet.
  const std::string list = "echo $$; exec ls /proc";
  auto pids = [](const std::string& out) {
    std::istringstream in(out);
    std::string first, line;
    std::getline(in, first);
    int n = 0;
    while (std::getline(in, line))
      n += !line.empty() && line.find_first_not_of("0123456789") == std::string::npos;
    return std::pair{first, n};
  };
  auto outside = run(sf({"run", "--", "sh", "-c", list}), uid());
  EXPECT_GT(pids(outside.out).second, 3);
  auto inside = run(sf({"run", "--unshare", "pid", "--", "sh", "-c", list}), uid());
  EXPECT_EQ(inside.code, 0) << inside.err;
  // The program is PID 2 below sysfence's init, and they are all there is: init and ls.
  EXPECT_EQ(pids(inside.out), (std::pair<std::string, int>{"2", 2})) << inside.out;
}

TEST_P(Layers, InitReapsOrphansAndPassesTheStatus) {
  auto r = run(
      sf({"run", "--unshare", "pid", "--", "sh", "-c",
          "(sleep 0.1 &); sleep 0.5; grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l; exit 3"}),
      uid());
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.out, "0\n");  // the orphaned sleep was reaped by init: no zombie left
  EXPECT_EQ(run(sf({"run", "--unshare", "pid", "--", "sh", "-c", "kill -9 $$"}), uid()).code, 137);
}

TEST_P(Layers, NetworkNamespaceHasOnlyLoopback) {
  const std::string list = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '";
  auto outside = run(sf({"run", "--", "sh", "-c", list}), uid());
  EXPECT_NE(outside.out, "lo\n");  // positive control: the host has more than loopback
  auto r = run(sf({"run", "--net", "none", "--", "sh", "-c", list}), uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "lo\n");
}

TEST_P(Layers, UserNamespaceMapping) {
  auto self = run(sf({"run", "--unshare", "user", "--", "id", "-u"}), uid());
  EXPECT_EQ(self.code, 0) << self.err;
  EXPECT_EQ(self.out, std::to_string(uid()) + "\n");
  auto root = run(sf({"run", "--unshare", "user", "--map-root", "--", "id", "-u"}), uid());
  EXPECT_EQ(root.code, 0) << root.err;
  EXPECT_EQ(root.out, "0\n");
}

TEST_P(Layers, CapabilitiesDropped) {
  // Even root inside its own user namespace ends with no capability at all.
  auto r =
      run(sf({"run", "--unshare", "user", "--map-root", "--", "grep", "^Cap", "/proc/self/status"}),
          uid());
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    EXPECT_NE(r.out.find(std::string(set) + ":\t0000000000000000"), std::string::npos)
        << set << "\n"
        << r.out;
  }
}

TEST_P(Layers, Environment) {
  auto r = run(sf({"run", "--clearenv", "--setenv", "ONLY=1", "--chdir", "/usr", "--", "/bin/sh",
                   "-c", "env | grep -v '^PWD='; pwd"}),
               uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "ONLY=1\n/usr\n");
}

TEST_P(Layers, DescriptorsClosedExceptKept) {
  const std::string cli = SYSFENCE_CLI;
  auto r = run({"sh", "-c",
                "exec 5</dev/null 6</dev/null; " + cli +
                    " run --keep-fd 5 -- sh -c 'test -e /proc/self/fd/5 && ! test -e "
                    "/proc/self/fd/6 && echo ok'"},
               uid());
  EXPECT_EQ(r.out, "ok\n") << r.err;
  auto control = run(
      {"sh", "-c", "exec 6</dev/null; sh -c 'test -e /proc/self/fd/6 && echo inherited'"}, uid());
  EXPECT_EQ(control.out, "inherited\n");
}

TEST_P(Layers, NewSession) {
  auto r = run(sf({"run", "--new-session", "--", "sh", "-c", "ps -o sid= -p $$; echo $$"}), uid());
  EXPECT_EQ(r.code, 0) << r.err;
  std::istringstream in(r.out);
  long sid = 0, pid = 1;
  in >> sid >> pid;
  EXPECT_EQ(sid, pid) << r.out;  // the program leads its own session
}

TEST_P(Layers, ProfileUntrusted) {
  Dir d("/var/tmp");  // not under /tmp: the profile mounts a private /tmp over it
  auto r = run(sf({"run", "--profile", "untrusted", "--chdir", d.path, "--", "sh", "-c",
                   "cd " + d.path +
                       " && echo w > here && cat here && touch /tmp/t && tail -n +3 /proc/net/dev "
                       "| cut -d: -f1 | tr -d ' ' && ! touch /etc/x 2>/dev/null && echo ok"}),
               uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "w\nlo\nok\n");
}

// The profile's private /tmp must not hide a working directory under /tmp (it did: the
// program could not even start, its $CWD rule named a path the tmpfs hid). The directory is
// bound back at its own path: writes there reach the host, the rest of /tmp stays private, and
// writes outside stay denied.
TEST_P(Layers, ProfileUntrustedFromADirectoryUnderTmp) {
  Dir d;  // under /tmp
  const std::string work = d.path + "/work";
  fs::create_directory(work);
  ::chmod(work.c_str(), 0777);
  std::ofstream(d.path + "/sibling") << "host /tmp\n";
  const std::string script =
      "pwd; echo w > here && cat here; test -e " + d.path +
      "/sibling && echo sibling visible; ! touch /etc/sysfence-cwd-probe 2>/dev/null && echo ok";
  auto in_work = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"sh", "-c", "cd \"$0\" && exec \"$@\"", work};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  // Positive control: without the profile the sibling in the host's /tmp is visible.
  auto control = run(in_work(sf({"run", "--", "sh", "-c",
                                 "test -e " + d.path + "/sibling && echo sibling visible"})),
                     uid());
  EXPECT_EQ(control.out, "sibling visible\n") << control.err;
  auto r = run(in_work(sf({"run", "--profile", "untrusted", "--", "sh", "-c", script})), uid());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, work + "\nw\nok\n");
  EXPECT_TRUE(fs::exists(work + "/here"));  // the write reached the host's directory
  // --chdir into a directory under a --tmpfs: the same, through the library's own cwd logic.
  auto sub = run(
      sf({"run", "--tmpfs", d.path, "--chdir", work, "--", "sh", "-c", "cat here && ls " + d.path}),
      uid());
  EXPECT_EQ(sub.code, 0) << sub.err;
  EXPECT_EQ(sub.out, "w\nwork\n");  // only the way down to the directory, no sibling
}

// Where cgroup v2 is mounted ("" when it is not): /proc/self/mountinfo, the mount point (field 5)
// of the line whose file system type (after " - ") is cgroup2.
std::string cgroup2_mount() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream f(line.substr(0, dash));
    std::string field;
    for (int i = 0; i < 5 && f >> field; ++i) {}
    return field;
  }
  return "";
}

// --unshare cgroup: the program's cgroups are the roots of its namespace ("0::/" and "N:ctl:/"
// on every line). The runner is first moved into a fresh cgroup v2 group, so that the positive
// control (the same command without the namespace) shows a path that is not the root.
TEST_P(Layers, CgroupNamespaceShowsTheRoot) {
  const std::string mnt = cgroup2_mount();
  if (mnt.empty()) GTEST_SKIP() << "cgroup v2 is not mounted here";
  const std::string name = "sysfence-layers-" + std::to_string(::getpid());
  const std::string group = mnt + "/" + name;
  ASSERT_TRUE(fs::create_directory(group)) << group;
  auto in_group = [&](std::vector<std::string> args) {
    // Root moves the shell into the group, then (for nobody) drops to the user and runs args.
    std::vector<std::string> argv = {"sh", "-c", "echo $$ > \"$0\"/cgroup.procs && exec \"$@\"",
                                     group};
    if (uid() != 0) {
      argv.insert(argv.end(), {"setpriv", "--reuid=" + std::to_string(uid()),
                               "--regid=" + std::to_string(uid()), "--clear-groups"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return sysfence::sandbox_test::run_capture(argv, 0);
  };
  auto control = in_group(sf({"run", "--", "cat", "/proc/self/cgroup"}));
  EXPECT_NE(control.out.find("0::/" + name + "\n"), std::string::npos)
      << control.out << control.err;
  auto r = in_group(sf({"run", "--unshare", "cgroup", "--", "cat", "/proc/self/cgroup"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0::/\n"), std::string::npos) << r.out;
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    EXPECT_TRUE(line.size() >= 2 && line.substr(line.size() - 2) == ":/") << line;
  }
  EXPECT_GT(n, 0);
  for (int i = 0; i < 100 && ::rmdir(group.c_str()) != 0; ++i) ::usleep(10000);
  EXPECT_FALSE(fs::exists(group));
}

// `--net none` where no namespace can be made: Landlock denies every TCP connect and bind
// instead (ABI 4), and says that UDP stays open. Simulated for real: a user namespace in which
// user.max_user_namespaces is 0 (a per-namespace limit: the host's is untouched) and the
// process holds no capability, so sysfence can create neither a network namespace nor the
// user namespace it would need for one. Controls: in the same place `unshare -U` fails (the
// simulation holds), and the same connect without --net none succeeds.
TEST_P(Layers, NetNoneFallsBackToLandlockWithoutNamespaces) {
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(server, 16), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  const std::string connect = "exec 3<>/dev/tcp/127.0.0.1/" + port + " && echo connected";
  auto without_namespaces = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "unshare",
        "--user",
        "--map-root-user",
        "sh",
        "-c",
        "echo 0 > /proc/sys/user/max_user_namespaces && exec setpriv --inh-caps=-all "
        "--bounding-set=-all \"$@\"",
        "sh"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, uid());
  };
  auto no_userns = without_namespaces({"unshare", "--user", "true"});
  EXPECT_NE(no_userns.code, 0) << "the simulation failed: a user namespace could be made";
  auto control = without_namespaces(sf({"run", "--", "bash", "-c", connect}));
  EXPECT_EQ(control.out, "connected\n") << control.err;
  auto r = without_namespaces(sf({"run", "--net", "none", "--", "bash", "-c", connect}));
  ::close(server);
  if (sysfence::sandbox::landlock_abi() < 4) {
    // Nothing can enforce it: the run says so (best effort) and the connect succeeds.
    EXPECT_NE(r.err.find("not enforced"), std::string::npos) << r.err;
    return;
  }
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;  // EACCES: Landlock
  EXPECT_NE(r.err.find("--net none covers TCP only"), std::string::npos) << r.err;
  // The same with --landlock strict is refused: the namespace it asks for cannot be had.
  auto strict =
      without_namespaces(sf({"run", "--net", "none", "--landlock", "strict", "--", "true"}));
  EXPECT_EQ(strict.code, 1) << strict.err;
}

INSTANTIATE_TEST_SUITE_P(AsRootAndNobody, Layers, ::testing::ValuesIn(kUsers),
                         [](const auto& info) {
                           return info.param == 0 ? std::string("root") : std::string("nobody");
                         });

TEST(LayersRoot, CapKeepAndIds) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto keep = run(
      sf({"run", "--cap-keep", "net_bind_service", "--", "grep", "^CapEff", "/proc/self/status"}));
  EXPECT_EQ(keep.out, "CapEff:\t0000000000000400\n") << keep.err;
  auto none = run(sf({"run", "--", "grep", "^CapEff", "/proc/self/status"}));
  EXPECT_EQ(none.out, "CapEff:\t0000000000000000\n");
  auto ids = run(sf({"run", "--uid", "65534", "--gid", "65534", "--", "id"}));
  EXPECT_EQ(ids.out, "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n") << ids.err;
}

TEST(LayersRoot, DiesWithItsRunner) {
  const std::string token = "61." + std::to_string(::getpid());
  const pid_t runner = ::fork();
  if (runner == 0) {
    ::execl(SYSFENCE_CLI, SYSFENCE_CLI, "run", "--unshare", "pid", "--", "sleep", token.c_str(),
            nullptr);
    ::_exit(127);
  }
  auto find = [&] {
    int n = 0;
    for (auto& e : fs::directory_iterator("/proc")) {
      std::ifstream f(e.path() / "cmdline");
      std::string cmd((std::istreambuf_iterator<char>(f)), {});
      // The program itself (after its execve), not the runner or init: they carry the same words
      // in their own command lines.
      if (cmd.rfind(std::string("sleep") + '\0' + token, 0) == 0) ++n;
    }
    return n;
  };
  int found = 0;
  for (int i = 0; i < 200 && (found = find()) == 0; ++i) ::usleep(10000);
  ASSERT_EQ(found, 1) << "the sandboxed sleep did not start";
  ::kill(runner, SIGKILL);
  ::waitpid(runner, nullptr, 0);
  for (int i = 0; i < 200 && (found = find()) != 0; ++i) ::usleep(10000);
  EXPECT_EQ(found, 0) << "the sandboxed program outlived its runner";
}

TEST(LayersRoot, ForwardsSignalsThroughInit) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t runner = ::fork();
  if (runner == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execl(SYSFENCE_CLI, SYSFENCE_CLI, "run", "--unshare", "pid", "--", "sh", "-c",
            "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done", nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string got;
  char buf[256];
  ssize_t n;
  while (got.find("ready\n") == std::string::npos && (n = ::read(out[0], buf, sizeof buf)) > 0)
    got.append(buf, static_cast<size_t>(n));
  ::kill(runner, SIGTERM);
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int st = 0;
  ::waitpid(runner, &st, 0);
  EXPECT_EQ(got, "ready\ngot TERM\n");
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7) << st;
}

TEST(LayersFlags, BadFlagsExit2AndNothingRuns) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--rlimit", "bogus=1"},
                                        {"--unshare", "pid,time2"},
                                        {"--connect-tcp", "0"},
                                        {"--landlock", "maybe"},
                                        {"--net", "some"},
                                        {"--tmpfs", "relative"},
                                        {"--profile", "nope"}}) {
    auto argv = sf({"run"});
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--", "sh", "-c", "echo ran"});
    auto r = run(argv);
    EXPECT_EQ(r.code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_EQ(r.out, "") << args[0];
    EXPECT_FALSE(r.err.empty());
  }
  // A rule path that does not exist: exit 1, the program did not run.
  auto r = run(sf({"run", "--ro", "/nonexistent/sysfence", "--", "sh", "-c", "echo ran"}));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("/nonexistent/sysfence"), std::string::npos) << r.err;
}

// `sysfence check FILE` on a policy with sandbox statements: the three lints as located warnings
// (exit 0), a bad statement as a located error (exit 2), and a clean file without findings.
TEST(LayersFlags, CheckLintsTheSandboxStatements) {
  Dir d;
  const std::string base =
      "default allow\nexecve: errno EPERM\nfs read /nonexistent/sysfence\n"
      "mount ro-bind /usr /usr\nfs write /usr/local\n";
  std::ofstream(d.path + "/lint.policy") << base;
  auto lint = run(sf({"check", d.path + "/lint.policy"}));
  EXPECT_EQ(lint.code, 0) << lint.err;
  EXPECT_NE(lint.out.find("lint.policy(3:9): warning: '/nonexistent/sysfence' does not exist"),
            std::string::npos)
      << lint.out;
  EXPECT_NE(lint.out.find(
                "lint.policy(5:10): warning: write rule for '/usr/local' under the read-only bind"),
            std::string::npos)
      << lint.out;
  EXPECT_NE(lint.out.find("does not allow execve"), std::string::npos) << lint.out;
  EXPECT_NE(lint.out.find("0 error(s), 3 warning(s)"), std::string::npos) << lint.out;
  std::ofstream(d.path + "/bad.policy") << base << "fs wirte /x\n";
  auto bad = run(sf({"check", d.path + "/bad.policy"}));
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bad.policy(6:4): unknown file access 'wirte'"), std::string::npos)
      << bad.err;
  std::ofstream(d.path + "/clean.policy") << "default allow\nfs read /usr\nmount tmpfs /tmp\n";
  auto clean = run(sf({"check", d.path + "/clean.policy"}));
  EXPECT_EQ(clean.code, 0) << clean.err;
  EXPECT_NE(clean.out.find("0 error(s), 0 warning(s)"), std::string::npos) << clean.out;
}

TEST(LayersFlags, DryRunAndReportDescribeTheSandbox) {
  auto r = run(sf({"run", "--ro", "/usr", "--rlimit", "nofile=64", "--dry-run"}));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"rlimits\": \"nofile=64:64 core=0:0\""), std::string::npos) << r.out;
  auto rep = run(sf({"run", "--report", "--rox", "/", "--", "true"}));
  EXPECT_EQ(rep.code, 0) << rep.err;
  EXPECT_NE(rep.err.find("sysfence: sandbox: privilege: no_new_privs; capabilities: all dropped"),
            std::string::npos)
      << rep.err;
}

TEST(LayersFlags, PolicyFileStatementsAndFlagsOverride) {
  Dir d;
  std::ofstream(d.path + "/box.policy")
      << "@include \"" << SYSFENCE_SOURCE_DIR << "/policies/default.policy\"\n"
      << "limit nofile 100\nfs read-exec / \n";
  auto file = run(sf({"run", "--policy", d.path + "/box.policy", "--", "sh", "-c",
                      "ulimit -n; touch " + d.path + "/w 2>/dev/null || echo denied"}));
  EXPECT_EQ(file.out, "100\ndenied\n") << file.err;
  auto flags =
      run(sf({"run", "--policy", d.path + "/box.policy", "--rlimit", "nofile=50", "--rw", d.path,
              "--", "sh", "-c", "ulimit -n; touch " + d.path + "/w && echo wrote"}));
  EXPECT_EQ(flags.out, "50\nwrote\n") << flags.err;
}

}  // namespace
