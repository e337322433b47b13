// src/sandbox/enter.cpp — carrying a Plan out in the forked child, in the order that leaves no
// window (see sandbox.hpp and docs/sandbox.md). spawn() is in spawn.cpp.
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "sandbox/init_status.hpp"
#include "sysfence/loader/loader.hpp"
#include "sysfence/sandbox/sandbox.hpp"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef SYS_landlock_add_rule
#define SYS_landlock_add_rule 445
#endif
#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

namespace sysfence::sandbox {
namespace {

struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
};
struct NetPortAttr {
  uint64_t allowed_access;
  uint64_t port;
};
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;

struct MountAttr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};
constexpr uint64_t kMountAttrRdonly = 0x1;
constexpr unsigned kAtRecursive = 0x8000;

// The system call that just failed (errno).
Error sys_error(const std::string& what, const std::string& hint = "") {
  return Error::system(what, errno, hint);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool write_all(const char* path, const std::string& data) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  const int e = errno;
  ::close(fd);
  errno = e;
  return ok;
}

// ---- The child's own start (fork_child) ---------------------------------------------------------

// Set by fork_child in the child it clones into a new PID namespace (the child's own copy):
// the namespaces clone made, the caller's ids before them, a pidfd of the runner (getppid() is
// 0 in there: the runner is outside the namespace).
struct ClonedChild {
  bool cloned = false;
  unsigned long made = 0;  // CLONE_NEWPID, and CLONE_NEWUSER when clone made it too
  uid_t outer_uid = 0;
  gid_t outer_gid = 0;
  int runner_pidfd = -1;
};
ClonedChild g_cloned;

// True while the process that must be our parent (the runner, or init) is alive. In a child
// cloned into a new PID namespace it asks the runner's pidfd (readable once it has exited).
bool parent_alive(pid_t parent) {
  if (!g_cloned.cloned || parent == 1) return ::getppid() == parent;
  if (g_cloned.runner_pidfd < 0) return true;  // pidfd_open unavailable: PDEATHSIG alone
  struct pollfd pfd {
    g_cloned.runner_pidfd, POLLIN, 0
  };
  return ::poll(&pfd, 1, 0) == 0;
}

// ---- Waiting processes above the program (PID namespace) ------------------------------------

constexpr int kForwarded[] = {SIGTERM, SIGHUP,  SIGINT,  SIGQUIT,
                              SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH};

volatile pid_t g_forward_to = 0;
void forward(int sig) {
  if (g_forward_to > 0) ::kill(g_forward_to, sig);
}
void forward_signals_to(pid_t pid) {
  g_forward_to = pid;
  struct sigaction sa {};
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  for (int s : kForwarded) ::sigaction(s, &sa, nullptr);
}

// init_status.hpp hold_init_signals(): the mask the init and the program set once the init's
// handlers are in (set by spawn's child before enter()).
bool g_holding_signals = false;
sigset_t g_program_mask;
void release_held_signals() {
  if (g_holding_signals) ::sigprocmask(SIG_SETMASK, &g_program_mask, nullptr);
}

// The process between the runner and init: waits for init and ends the same way.
[[noreturn]] void wait_for_init(pid_t init) {
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  forward_signals_to(init);
  int st = 0;
  while (::waitpid(init, &st, 0) < 0) {
    if (errno != EINTR) ::_exit(1);
  }
  if (WIFSIGNALED(st)) {
    ::signal(WTERMSIG(st), SIG_DFL);
    ::kill(::getpid(), WTERMSIG(st));
  }
  ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

std::atomic<int>* g_program_status = nullptr;  // see init_status.hpp

// PID 1 of the new namespace: reaps every orphan, forwards signals to the program, exits with
// its status (as 128+N when it was killed: PID 1 cannot kill itself with a signal), after
// leaving the exact status where spawn() reads it.
[[noreturn]] void be_init(pid_t program) {
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  forward_signals_to(program);
  release_held_signals();  // what came in before the handlers is forwarded now
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(-1, &st, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      ::_exit(1);
    }
    if (r == program) {
      if (g_program_status != nullptr) g_program_status->store(st, std::memory_order_release);
      ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
  }
}

// ---- Steps -------------------------------------------------------------------------------------

Result<void> write_id_maps(const Spec& s, uid_t uid, gid_t gid) {
  const uid_t in_uid = s.map_root ? 0 : uid;
  const gid_t in_gid = s.map_root ? 0 : gid;
  if (!write_all("/proc/self/setgroups", "deny") && errno != ENOENT) {
    return sys_error("user namespace: writing /proc/self/setgroups");
  }
  if (!write_all("/proc/self/gid_map",
                 std::to_string(in_gid) + " " + std::to_string(gid) + " 1\n")) {
    return sys_error("user namespace: writing /proc/self/gid_map");
  }
  if (!write_all("/proc/self/uid_map",
                 std::to_string(in_uid) + " " + std::to_string(uid) + " 1\n")) {
    return sys_error("user namespace: writing /proc/self/uid_map");
  }
  return Ok{};
}

unsigned long locked_flags(const char* path) {
  struct statvfs sv {};
  if (::statvfs(path, &sv) != 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

// The program's working directory as an absolute path: --chdir (relative to the runner's), else
// the runner's own. "" when it cannot be known (getcwd fails: a deleted directory).
std::string program_cwd(const Spec& s) {
  if (s.chdir && !s.chdir->empty() && (*s.chdir)[0] == '/') return *s.chdir;
  char buf[4096];
  if (!::getcwd(buf, sizeof buf)) return "";
  std::string cwd = buf;
  if (s.chdir && !s.chdir->empty()) cwd += (cwd == "/" ? "" : "/") + *s.chdir;
  return cwd;
}

// Is `path` strictly below `dir` (both absolute, as given: no normalisation of "..")?
bool strictly_below(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return path.size() > 1;
  return path.size() > dir.size() + 1 && path.substr(0, dir.size()) == dir &&
         path[dir.size()] == '/';
}

// A tmpfs on `target` that would hide the program's working directory `cwd` (strictly below it:
// `run --profile untrusted` from a directory under /tmp). Before the tmpfs goes on, the
// directory's mount tree is cloned (open_tree, Linux 5.2; before that an O_PATH descriptor);
// after it, the directories down to it are made in the tmpfs and the clone is attached there.
// The program sees its directory at the same path, with the same contents, and the rest of the
// tmpfs stays private.
class KeepCwd {
 public:
  Result<void> before(const std::string& cwd) {
    tree_ = static_cast<int>(
        ::syscall(SYS_open_tree, AT_FDCWD, cwd.c_str(), kOpenTreeClone | O_CLOEXEC | kAtRecursive));
    if (tree_ >= 0) return Ok{};
    if (errno != ENOSYS) return sys_error("keeping the working directory " + cwd + " visible");
    path_fd_ = ::open(cwd.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (path_fd_ < 0) return sys_error("keeping the working directory " + cwd + " visible");
    return Ok{};
  }
  Result<void> after(const std::string& cwd, const std::string& target) {
    // The directories between the tmpfs and the working directory, made in the tmpfs.
    for (size_t at = target.size() + 1; at <= cwd.size(); ++at) {
      if (at != cwd.size() && cwd[at] != '/') continue;
      const std::string part = cwd.substr(0, at);
      if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
        return sys_error("making " + part + " in the tmpfs on " + target);
      }
    }
    long r;
    if (tree_ >= 0) {
      r = ::syscall(SYS_move_mount, tree_, "", AT_FDCWD, cwd.c_str(), kMoveMountFEmptyPath);
    } else {
      const std::string src = "/proc/self/fd/" + std::to_string(path_fd_);
      r = ::mount(src.c_str(), cwd.c_str(), nullptr, MS_BIND | MS_REC, nullptr);
    }
    if (r != 0) return sys_error("binding the working directory " + cwd + " back over " + target);
    if (::chdir(cwd.c_str()) != 0) return sys_error("chdir " + cwd);
    return Ok{};
  }
  ~KeepCwd() {
    if (tree_ >= 0) ::close(tree_);
    if (path_fd_ >= 0) ::close(path_fd_);
  }

 private:
  static constexpr unsigned kOpenTreeClone = 1;
  static constexpr unsigned kMoveMountFEmptyPath = 0x4;
  int tree_ = -1;
  int path_fd_ = -1;
};

// This process's working directory, when a mount of the plan goes on it or above it: the
// process would stay in the directory the mount hides, and the program could write through a
// read-only bind, or outside the tmpfs and the Landlock rule for $CWD, by relative paths. After
// the mounts it is looked up again by path (as bwrap does). "" when no mount covers it, when it
// cannot be known, or when an absolute --chdir replaces it anyway.
std::string covered_working_directory(const Spec& s) {
  if (s.mounts.empty() || (s.chdir && !s.chdir->empty() && (*s.chdir)[0] == '/')) return "";
  char buf[4096];
  if (!::getcwd(buf, sizeof buf)) return "";
  for (const MountSpec& m : s.mounts) {
    if (m.target == buf || strictly_below(buf, m.target)) return buf;
  }
  return "";
}

Result<void> do_mounts(const Plan& p) {
  const Spec& s = p.sandbox.spec();
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return sys_error("mount namespace: making / private");
  }
  const std::string here = covered_working_directory(s);
  std::string cwd;
  bool cwd_known = false;
  for (const MountSpec& m : s.mounts) {
    const char* dst = m.target.c_str();
    if (m.kind == MountSpec::Kind::Tmpfs) {
      if (!cwd_known) cwd = program_cwd(s), cwd_known = true;
      KeepCwd keep;
      const bool hides_cwd = !cwd.empty() && strictly_below(cwd, m.target);
      if (hides_cwd) {
        if (auto r = keep.before(cwd); !r) return r;
      }
      const bool sticky = m.target == "/tmp" || m.target == "/var/tmp" || m.target == "/dev/shm";
      if (::mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV,
                  sticky ? "mode=1777" : "mode=0755") != 0) {
        return sys_error("--tmpfs " + m.target, "the directory must exist");
      }
      if (hides_cwd) {
        if (auto r = keep.after(cwd, m.target); !r) return r;
      }
      continue;
    }
    if (::mount(m.source.c_str(), dst, nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return sys_error("bind mount " + m.source + " on " + m.target,
                       "both paths must exist and be of the same kind");
    }
    if (m.kind == MountSpec::Kind::RoBind) {
      MountAttr attr{kMountAttrRdonly, 0, 0, 0};
      if (::syscall(SYS_mount_setattr, AT_FDCWD, dst, kAtRecursive, &attr, sizeof attr) != 0) {
        // Before Linux 5.12: remount the top mount read-only (keeping the flags a user namespace
        // may not clear).
        if (::mount(nullptr, dst, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(dst),
                    nullptr) != 0) {
          return sys_error("read-only bind mount on " + m.target);
        }
      }
    }
  }
  if (!here.empty() && ::chdir(here.c_str()) != 0) {
    return sys_error("the working directory " + here + ", once the sandbox's mounts are in",
                     "run from a directory the mounts leave in place, or give --chdir DIR");
  }
  if (p.unshare & CLONE_NEWPID) {
    if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      return sys_error("mounting a fresh /proc");
    }
  }
  return Ok{};
}

Result<void> loopback_up() {
  Fd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) return sys_error("network namespace: socket");
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
    return sys_error("network namespace: reading lo's flags");
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0)
    return sys_error("network namespace: bringing lo up");
  return Ok{};
}

Result<void> apply_landlock(const Plan& p) {
  RulesetAttr attr{p.handled_fs, p.handled_net, p.scoped};
  Fd ruleset(static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0u)));
  if (ruleset.get() < 0) return sys_error("Landlock: creating the ruleset");
  for (const auto& [path, access] : p.fs_rules) {
    Fd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (fd.get() < 0) {
      return sys_error("Landlock: opening " + path, "every path in a file rule must exist");
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return sys_error("Landlock: stat " + path);
    PathBeneathAttr pb{access, fd.get()};
    if (!S_ISDIR(st.st_mode))
      pb.allowed_access &= ll::kFileOnlyBits;  // a file gets file rights only
    if (pb.allowed_access == 0) continue;
    if (::syscall(SYS_landlock_add_rule, ruleset.get(), kRulePathBeneath, &pb, 0u) != 0) {
      return sys_error("Landlock: adding the rule for " + path);
    }
  }
  for (const auto& [port, access] : p.net_rules) {
    NetPortAttr np{access, port};
    if (::syscall(SYS_landlock_add_rule, ruleset.get(), kRuleNetPort, &np, 0u) != 0) {
      return sys_error("Landlock: adding the rule for TCP port " + std::to_string(port));
    }
  }
  if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0u) != 0) {
    return sys_error("Landlock: restricting the process");
  }
  return Ok{};
}

Result<void> apply_privilege(const Plan& p) {
  const Spec& s = p.sandbox.spec();
  auto kept = [&](int c) {
    return std::find(s.cap_keep.begin(), s.cap_keep.end(), c) != s.cap_keep.end();
  };
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2]{};
  if (::syscall(SYS_capget, &h, d) != 0) return sys_error("capget");
  const uint64_t permitted = d[0].permitted | (static_cast<uint64_t>(d[1].permitted) << 32);
  for (int c : s.cap_keep) {
    if (!((permitted >> c) & 1)) {
      return Error::make(
          ErrorCode::InvalidPolicy,
          "--cap-keep " + capability_name(c) + ": the runner does not hold this capability",
          "run as root (or drop --cap-keep)");
    }
  }
  // Bounding set: what no later execve can give back. Needs CAP_SETPCAP; without it the caller
  // has no capabilities to lose and NO_NEW_PRIVS stops execve from gaining any.
  const bool setpcap = (permitted >> CAP_SETPCAP) & 1;
  if (setpcap) {
    for (int c = 0; c <= p.kernel.cap_last; ++c) {
      if (kept(c)) continue;
      if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
        return sys_error("dropping " + capability_name(c) + " from the bounding set");
      }
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return sys_error("clearing the ambient capabilities");
  }
  if (s.gid) {
    const gid_t g = *s.gid;
    if (::setgroups(1, &g) != 0) return sys_error("setgroups", "changing ids needs root");
    if (::setresgid(g, g, g) != 0) return sys_error("setresgid", "changing ids needs root");
  } else if (s.uid && p.kernel.root) {
    if (::setgroups(0, nullptr) != 0) return sys_error("setgroups");
  }
  if (s.uid) {
    if (!s.cap_keep.empty() && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
      return sys_error("PR_SET_KEEPCAPS");
    const uid_t u = *s.uid;
    if (::setresuid(u, u, u) != 0) return sys_error("setresuid", "changing ids needs root");
  }
  uint64_t keep_mask = 0;
  for (int c : s.cap_keep) keep_mask |= 1ull << c;
  __user_cap_data_struct nd[2]{};
  for (int i = 0; i < 2; ++i) {
    const uint32_t m = static_cast<uint32_t>(keep_mask >> (32 * i));
    nd[i].effective = nd[i].permitted = nd[i].inheritable = m;
  }
  h = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (::syscall(SYS_capset, &h, nd) != 0) return sys_error("capset (dropping capabilities)");
  // A non-root program keeps its capabilities through execve only as ambient ones.
  if (keep_mask && ::geteuid() != 0) {
    for (int c : s.cap_keep) {
      if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) {
        return sys_error("raising the ambient capability " + capability_name(c));
      }
    }
  }
  return Ok{};
}

Result<void> mark_descriptors(const Spec& s) {
  if (s.keep_fds.empty()) {  // the common case, without allocating (the CLI may be a vfork child)
    if (::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) != 0) {
      return sys_error("close_range", "Linux 5.11 or newer is needed");
    }
    return Ok{};
  }
  std::vector<int> keep = s.keep_fds;
  keep.push_back(2);
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  // Close-on-exec rather than closed: the caller may still need its own descriptors (an error
  // pipe) until execve, which then closes them all at once.
  unsigned lo = 3;
  for (int k : keep) {
    if (k < 3) continue;
    if (static_cast<unsigned>(k) > lo &&
        ::syscall(SYS_close_range, lo, static_cast<unsigned>(k) - 1,
                  4u /* CLOSE_RANGE_CLOEXEC */) != 0) {
      return sys_error("close_range", "Linux 5.11 or newer is needed");
    }
    lo = static_cast<unsigned>(k) + 1;
  }
  if (::syscall(SYS_close_range, lo, ~0u, 4u) != 0)
    return sys_error("close_range", "Linux 5.11 or newer is needed");
  for (int k : s.keep_fds) {
    if (::fcntl(k, F_SETFD, 0) != 0) return sys_error("--keep-fd " + std::to_string(k));
  }
  return Ok{};
}

}  // namespace

pid_t fork_child(const Plan& p) {
  if (!(p.unshare & CLONE_NEWPID)) return ::fork();
  // Cloned straight into the PID namespace (with the user namespace that must own it when the
  // caller is unprivileged): the child is the namespace's PID 1 and becomes its init, so no
  // process has to wait above it (one fork and one exit fewer than unshare + fork).
  ClonedChild c;
  c.cloned = true;
  c.made = CLONE_NEWPID | (p.unshare & CLONE_NEWUSER);
  c.outer_uid = ::geteuid();
  c.outer_gid = ::getegid();
  c.runner_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0u));
  const long pid = ::syscall(SYS_clone, static_cast<unsigned long>(SIGCHLD) | c.made, nullptr,
                             nullptr, nullptr, nullptr);
  if (pid == 0) {
    g_cloned = c;
    return 0;
  }
  const int e = errno;
  if (c.runner_pidfd >= 0) ::close(c.runner_pidfd);
  errno = e;
  return static_cast<pid_t>(pid);
}

Result<void> enter(const Plan& p, pid_t runner) {
  const Spec& s = p.sandbox.spec();
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sys_error("PR_SET_PDEATHSIG");
  if (!parent_alive(runner)) ::_exit(1);
  pid_t parent = runner;

  if (p.unshare) {
    // The namespaces fork_child already made (PID, and user with it), and the ids from before.
    const unsigned long made = g_cloned.cloned ? g_cloned.made : 0;
    const uid_t uid = made ? g_cloned.outer_uid : ::geteuid();
    const gid_t gid = made ? g_cloned.outer_gid : ::getegid();
    if ((made & CLONE_NEWUSER) != 0) {
      if (auto r = write_id_maps(s, uid, gid); !r) return r;
    }
    const unsigned long rest = p.unshare & ~made;
    if (rest != 0 && ::unshare(static_cast<int>(rest)) != 0) {
      return sys_error("unshare(" + namespaces_to_string(static_cast<uint32_t>(rest)) + ")");
    }
    if ((rest & CLONE_NEWUSER) != 0) {
      if (auto r = write_id_maps(s, uid, gid); !r) return r;
    }
    if ((made & CLONE_NEWPID) != 0) {
      // This process is PID 1: it becomes init, the program is its child.
      if (g_cloned.runner_pidfd >= 0) ::close(g_cloned.runner_pidfd);
      g_cloned.runner_pidfd = -1;
      const pid_t program = ::fork();
      if (program < 0) return sys_error("fork (the program below init)");
      if (program > 0) be_init(program);
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sys_error("PR_SET_PDEATHSIG");
      if (::getppid() != 1) ::_exit(1);
      parent = 1;
      for (int sig : kForwarded) ::signal(sig, SIG_DFL);
      release_held_signals();
    } else if (p.unshare & CLONE_NEWPID) {
      // The waiter's pid is not visible from inside: a pidfd tells init whether it is gone.
      const int outer = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0u));
      const pid_t init = ::fork();
      if (init < 0) return sys_error("fork (PID namespace init)");
      if (init > 0) wait_for_init(init);
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ::_exit(1);
      if (outer >= 0) {
        struct pollfd pfd {
          outer, POLLIN, 0
        };
        if (::poll(&pfd, 1, 0) != 0) ::_exit(1);  // the waiter has exited already
        ::close(outer);
      }
      const pid_t program = ::fork();
      if (program < 0) ::_exit(1);
      if (program > 0) be_init(program);
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sys_error("PR_SET_PDEATHSIG");
      if (::getppid() != 1) ::_exit(1);
      parent = 1;
      for (int sig : {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, SIGWINCH})
        ::signal(sig, SIG_DFL);
    }
    if (p.unshare & CLONE_NEWNS) {
      if (auto r = do_mounts(p); !r) return r;
    }
    if (p.unshare & CLONE_NEWNET) {
      if (auto r = loopback_up(); !r) return r;
    }
    if (s.hostname && ::sethostname(s.hostname->data(), s.hostname->size()) != 0) {
      return sys_error("sethostname");
    }
  }
  for (const Rlimit& r : p.rlimits) {
    const struct rlimit rl { static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard) };
    if (::setrlimit(r.resource, &rl) != 0) {
      return sys_error("setrlimit " + std::string(rlimit_name(r.resource)),
                       "only root can raise a hard limit");
    }
  }
  if (s.chdir && ::chdir(s.chdir->c_str()) != 0) return sys_error("chdir " + *s.chdir);
  // NO_NEW_PRIVS before Landlock: landlock_restrict_self needs it without CAP_SYS_ADMIN; it
  // changes nothing until execve, so setting it early opens no window.
  if (auto r = loader::set_no_new_privs(); !r) return r.error();
  if (p.landlock) {
    if (auto r = apply_landlock(p); !r) return r;
  }
  if (auto r = apply_privilege(p); !r) return r;
  // An id change clears the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return sys_error("PR_SET_PDEATHSIG");
  if (::getppid() != parent) ::_exit(1);
  if (s.new_session && ::setsid() < 0) return sys_error("setsid");
  if (auto r = mark_descriptors(s); !r) return r;
  return Ok{};
}

namespace detail {
void report_program_status_to(std::atomic<int>* slot) { g_program_status = slot; }
sigset_t hold_init_signals(const sigset_t& program_mask) {
  g_program_mask = program_mask;
  g_holding_signals = true;
  sigset_t held = program_mask;
  for (int s : kForwarded) sigaddset(&held, s);
  return held;
}
}  // namespace detail

}  // namespace sysfence::sandbox
