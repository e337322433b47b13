// tests/sandbox/hostile_test.cpp — the hostile program (hostile.cpp) run unconfined (the positive
// control: every attempt succeeds) and under `sysfence run` with the sandbox layers (every
// forbidden attempt fails with the documented errno, every allowed one succeeds), as root and
// as an unprivileged user (setpriv). Real kernel, real processes; nothing is mocked.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "run_capture.hpp"

namespace fs = std::filesystem;

namespace {

constexpr uid_t kNobody = 65534;

using sysfence::sandbox_test::Ran;

Ran run(const std::vector<std::string>& argv) { return sysfence::sandbox_test::run_capture(argv); }

std::map<std::string, std::string> parse(const std::string& out) {
  std::map<std::string, std::string> m;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    const size_t eq = line.find('=');
    if (eq != std::string::npos) m[line.substr(0, eq)] = line.substr(eq + 1);
    start = end + 1;
  }
  return m;
}

int landlock_abi() {
  const long v = ::syscall(444, nullptr, 0, 1u);
  return v < 0 ? 0 : static_cast<int>(v);
}

int listen_tcp(int* port) {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(s, 64) != 0) return -1;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  return s;
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sysfence-hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    for (auto [sub, mode] : {std::pair{"outside", 0777}, {"rw", 0777}, {"ro", 0755}}) {
      fs::create_directory(dir_ + "/" + sub);
      ::chmod((dir_ + "/" + sub).c_str(), static_cast<mode_t>(mode));
    }
    {
      FILE* f = std::fopen((dir_ + "/outside/secret").c_str(), "w");
      std::fputs("secret\n", f);
      std::fclose(f);
    }
    {
      FILE* f = std::fopen((dir_ + "/ro/data").c_str(), "w");
      std::fputs("data\n", f);
      std::fclose(f);
    }
    ::chmod((dir_ + "/outside/secret").c_str(), 0644);
    ::chmod((dir_ + "/ro/data").c_str(), 0644);
    fs::copy_file("/bin/true", dir_ + "/ro/true");
    ::chmod((dir_ + "/ro/true").c_str(), 0755);
    listen_ok_ = listen_tcp(&port_ok_);
    listen_no_ = listen_tcp(&port_no_);
    int free_port = 0;
    const int tmp = listen_tcp(&free_port);
    ::close(tmp);
    port_bind_ = free_port;
    // An abstract UNIX socket held out here.
    abstract_ = "sysfence-hostile-" + std::to_string(::getpid());
    unix_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path + 1, abstract_.data(), abstract_.size());
    ASSERT_EQ(
        ::bind(unix_, reinterpret_cast<sockaddr*>(&a),
               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + abstract_.size())),
        0);
    ASSERT_EQ(::listen(unix_, 64), 0);
  }
  void TearDown() override {
    stop_target();
    ::close(listen_ok_);
    ::close(listen_no_);
    ::close(unix_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A process outside the sandbox, of user `uid`, to signal and ptrace.
  void start_target(uid_t uid) {
    stop_target();
    target_ = ::fork();
    if (target_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (uid != ::getuid() && (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0))
        ::_exit(1);
      ::prctl(PR_SET_DUMPABLE, 1);
      for (;;) ::pause();
    }
  }
  void stop_target() {
    if (target_ > 0) {
      ::kill(target_, SIGKILL);
      ::waitpid(target_, nullptr, 0);
      target_ = 0;
    }
  }

  std::vector<std::string> attempts() const {
    return {"shadow=/etc/shadow",
            "read=" + dir_ + "/outside/secret",
            "read_in=" + dir_ + "/ro/data",
            "write_out=" + dir_ + "/outside/new",
            "write_in=" + dir_ + "/rw/new",
            "exec=" + dir_ + "/ro/true",
            "connect_ok=" + std::to_string(port_ok_),
            "connect_no=" + std::to_string(port_no_),
            "bind=" + std::to_string(port_bind_),
            "abstract=" + abstract_,
            "signal=" + std::to_string(target_),
            "ptrace=" + std::to_string(target_),
            "procs",
            "ifaces",
            "as=" + std::to_string(512ull << 20),
            "nofile=64",
            "setuid=" + dir_ + "/rw/suid",
            "mount=" + dir_ + "/rw/mnt",
            "userns"};
  }

  std::vector<std::string> sandbox_flags(bool namespaces) const {
    std::vector<std::string> f = {
        "--rox",         "/usr",
        "--rox",         "/bin",
        "--rox",         "/lib",
        "--rox",         fs::path(SYSFENCE_HOSTILE).parent_path().string(),
        "--ro",          dir_ + "/ro",
        "--rw",          dir_ + "/rw",
        "--rw",          "/dev/null",
        "--ro",          "/proc",
        "--connect-tcp", std::to_string(port_ok_),
        "--rlimit",      "as=256M",
        "--rlimit",      "nofile=32"};
    if (fs::exists("/lib64")) f.insert(f.end(), {"--rox", "/lib64"});
    if (namespaces) f.insert(f.end(), {"--unshare", "pid,ipc,uts", "--net", "none"});
    return f;
  }

  std::map<std::string, std::string> attack(uid_t uid, bool confined, bool namespaces = false) {
    std::vector<std::string> argv;
    if (uid != 0) {
      argv = {"setpriv", "--reuid=" + std::to_string(uid), "--regid=" + std::to_string(uid),
              "--clear-groups"};
    }
    if (confined) {
      argv.push_back(SYSFENCE_CLI);
      argv.push_back("run");
      for (auto& f : sandbox_flags(namespaces)) argv.push_back(f);
      argv.push_back("--");
    }
    argv.push_back(SYSFENCE_HOSTILE);
    for (auto& a : attempts()) argv.push_back(a);
    Ran r = run(argv);
    EXPECT_EQ(r.code, 0) << r.err << r.out;
    auto m = parse(r.out);
    EXPECT_EQ(m.size(), attempts().size()) << r.out << r.err;
    return m;
  }

  std::string dir_;
  int listen_ok_ = -1, listen_no_ = -1, unix_ = -1;
  int port_ok_ = 0, port_no_ = 0, port_bind_ = 0;
  std::string abstract_;
  pid_t target_ = 0;
};

void need_root() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (to act as another user with setpriv)";
}

// The positive control: unconfined, every attempt succeeds (except what plain Unix permissions
// already deny an unprivileged user: /etc/shadow and mount).
void expect_unconfined(std::map<std::string, std::string>& m, bool root) {
  for (const char* k :
       {"read", "read_in", "write_out", "write_in", "exec", "connect_ok", "connect_no", "bind",
        "abstract", "signal", "ptrace", "as", "nofile", "setuid"}) {
    EXPECT_EQ(m[k], "ok") << k;
  }
  EXPECT_EQ(m["shadow"], root ? "ok" : "EACCES");
  EXPECT_EQ(m["mount"], root ? "ok" : "EPERM");
  EXPECT_GT(std::stoi(m["procs"]), 3);
  EXPECT_GE(std::stoi(m["ifaces"]), 1);
  if (std::ifstream("/proc/sys/user/max_user_namespaces").good()) { EXPECT_EQ(m["userns"], "ok"); }
}

void expect_confined(std::map<std::string, std::string>& m, bool namespaces) {
  const int abi = landlock_abi();
  // Landlock (ABI 1): files.
  EXPECT_EQ(m["shadow"], "EACCES");
  EXPECT_EQ(m["read"], "EACCES");
  EXPECT_EQ(m["read_in"], "ok");
  EXPECT_EQ(m["write_out"], "EACCES");
  EXPECT_EQ(m["write_in"], "ok");
  EXPECT_EQ(m["exec"], "EACCES");  // readable, not executable
  // Landlock ABI 4: TCP ports (in a network namespace nothing listens: refused).
  if (abi >= 4) {
    EXPECT_EQ(m["connect_ok"], namespaces ? "ECONNREFUSED" : "ok");
    EXPECT_EQ(m["connect_no"], "EACCES");  // Landlock answers before any routing
    EXPECT_EQ(m["bind"], "EACCES");
  }
  // Landlock ABI 6: scopes. With a PID namespace the target is not even visible.
  if (abi >= 6) {
    EXPECT_EQ(m["abstract"], namespaces ? "ECONNREFUSED" : "EPERM");
    EXPECT_EQ(m["signal"], namespaces ? "ESRCH" : "EPERM");
  }
  // The seccomp default policy: @debug, @mount, @namespace -> EPERM; the sandbox's own rule
  // against S_ISUID/S_ISGID modes -> EPERM.
  EXPECT_EQ(m["ptrace"], "EPERM");  // the filter answers before the kernel looks for the pid
  EXPECT_EQ(m["mount"], "EPERM");
  EXPECT_EQ(m["userns"], "EPERM");
  EXPECT_EQ(m["setuid"], "EPERM");
  // rlimits.
  EXPECT_EQ(m["as"], "ENOMEM");
  EXPECT_EQ(m["nofile"], "EMFILE");
  if (namespaces) {
    EXPECT_LE(std::stoi(m["procs"]), 2);  // init and the program
    EXPECT_EQ(m["ifaces"], "1");          // loopback only
  }
}

TEST_F(Hostile, UnconfinedAsRootEveryAttemptSucceeds) {
  need_root();
  start_target(0);
  auto m = attack(0, false);
  expect_unconfined(m, true);
}

TEST_F(Hostile, UnconfinedAsNobodyEveryAttemptSucceeds) {
  need_root();
  start_target(kNobody);
  auto m = attack(kNobody, false);
  expect_unconfined(m, false);
}

TEST_F(Hostile, ConfinedAsRoot) {
  need_root();
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  start_target(0);
  auto m = attack(0, true);
  expect_confined(m, false);
}

TEST_F(Hostile, ConfinedAsNobody) {
  need_root();
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  start_target(kNobody);
  auto m = attack(kNobody, true);
  expect_confined(m, false);
}

TEST_F(Hostile, ConfinedWithNamespacesAsRoot) {
  need_root();
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  start_target(0);
  auto m = attack(0, true, true);
  expect_confined(m, true);
}

TEST_F(Hostile, ConfinedWithNamespacesAsNobody) {
  need_root();
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  if (!std::ifstream("/proc/sys/user/max_user_namespaces").good())
    GTEST_SKIP() << "no user namespaces";
  start_target(kNobody);
  auto m = attack(kNobody, true, true);
  expect_confined(m, true);
}

}  // namespace
