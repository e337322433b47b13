// src/sandbox/spawn.cpp — the confined spawn: a child that carries a Plan out, installs the
// seccomp filters last and execs; a failure before execve comes back to the caller, and the
// program never runs half set up (see sandbox.hpp, "Carrying it out").
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <new>
#include <utility>

#include "sandbox/init_status.hpp"
#include "sysfence/loader/loader.hpp"
#include "sysfence/sandbox/sandbox.hpp"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

namespace sysfence::sandbox {

// What the child leaves for the parent: its failure before execve (the pipe carries the same,
// but a policy may deny write after the filter went in: the page needs no syscall), and, with
// a listener to hand over, its descriptor number in the child.
struct Spawned::Shared {
  std::atomic<int> stage;  // 0: none; else SpawnStage + 1
  int err;
  char text[1000];
  std::atomic<int> listener_fd;  // -1 until the filter is in
  std::atomic<int> taken;        // 1 once the parent holds its own copy
  // With a PID namespace: the program's own wait status, stored by its init before the init
  // exits (-1 until then). An init cannot die by a signal, so its exit status alone cannot say
  // whether the program exited with 128+N or was killed by signal N.
  std::atomic<int> program_status;
};

namespace {

constexpr int kExitCannotExec = 126;
constexpr int kExitNotFound = 127;

struct ChildArgs {
  const Plan* plan;
  const SpawnOptions* opts;
  const char* path;
  char* const* argv;
  char* const* envp;
  int pipe_fd;
  int pidfd_sock;  // -1, or where the program sends a pidfd of itself (listener hand-over)
  Spawned::Shared* shared;
  pid_t runner;
};

[[noreturn]] void child_fail(const ChildArgs& a, SpawnStage stage, int err, const char* text,
                             int code) {
  Spawned::Shared& sh = *a.shared;
  sh.err = err;
  std::strncpy(sh.text, text, sizeof sh.text - 1);
  sh.stage.store(static_cast<int>(stage) + 1, std::memory_order_release);
  const char one = 1;
  ssize_t ignored = ::write(a.pipe_fd, &one, 1);  // wakes a parent blocked in started()
  (void)ignored;
  ::_exit(code);
}

// A vfork child allocates in the caller's heap and never returns to free it: the error and its
// text are taken over here and freed again before child_fail's _exit, so a failed spawn leaves
// nothing behind in the caller.
[[noreturn]] void child_fail(const ChildArgs& a, SpawnStage stage, Error&& e) {
  const int err = e.sys_errno;
  char text[sizeof a.shared->text];
  {
    const Error failure = std::move(e);
    const std::string rendered = failure.render();
    std::strncpy(text, rendered.c_str(), sizeof text - 1);
    text[sizeof text - 1] = 0;
  }
  child_fail(a, stage, err, text, 1);
}

// Sends a pidfd of this process over the socket: the parent's handle on the process that will
// exec, whatever PID namespace it is in (its pid there means nothing outside).
bool send_own_pidfd(int sock) {
  const int self = static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0u));
  if (self < 0) return false;
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &self, sizeof self);
  const bool ok = ::sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
  ::close(self);
  return ok;
}

int receive_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

// The child: the sandbox layers (namespaces ... capabilities), NO_NEW_PRIVS, not dumpable, the
// filters, execve. In a vfork child (a Plan with no layers, no listener) only system calls:
// enter() allocates nothing then, and neither does the filter install.
[[noreturn]] void child_main(const ChildArgs& a) {
  const SpawnOptions& o = *a.opts;
  // Die with the runner (sandbox::enter() checks it is still there).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    child_fail(a, SpawnStage::SetUp, errno, "PR_SET_PDEATHSIG failed", 1);
  for (int s : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(s, SIG_DFL);
  if ((a.plan->unshare & CLONE_NEWPID) != 0) {  // a forked child: never vfork with a namespace
    detail::report_program_status_to(&a.shared->program_status);
    // This child is the namespace's PID 1: the signals its init forwards wait, blocked, until
    // the init's handlers are in (init_status.hpp); the program gets the mask below.
    sigset_t program_mask;
    if (o.child_sigmask) {
      program_mask = *o.child_sigmask;
    } else {
      ::sigprocmask(SIG_SETMASK, nullptr, &program_mask);
    }
    const sigset_t held = detail::hold_init_signals(program_mask);
    ::sigprocmask(SIG_SETMASK, &held, nullptr);
  } else if (o.child_sigmask) {
    ::sigprocmask(SIG_SETMASK, o.child_sigmask, nullptr);
  }
  if (auto r = enter(*a.plan, a.runner); !r) child_fail(a, SpawnStage::SetUp, std::move(r.error()));
  if (auto r = loader::set_no_new_privs(); !r)
    child_fail(a, SpawnStage::SetUp, std::move(r.error()));
  if (!o.dumpable) {
    if (auto r = loader::set_dumpable(false); !r)
      child_fail(a, SpawnStage::SetUp, std::move(r.error()));
  }
  if (a.pidfd_sock >= 0 && !send_own_pidfd(a.pidfd_sock)) {
    child_fail(a, SpawnStage::SetUp, errno,
               "handing the program's pidfd to the supervisor failed (pidfd_open, Linux 5.3)", 1);
  }
  if (!o.filters.empty()) {
    loader::FilterOptions fo;
    fo.flags = o.seccomp_flags | (o.hand_over_listener ? loader::kFlagNewListener : 0);
    // A policy's own `notify` rules without a listener: the kernel answers them with ENOSYS.
    fo.allow_user_notif_without_listener = true;
    // A stack goes in all or none: a refusal after its first filter ends this child
    // (install_filters), the program never runs half confined.
    auto inst = loader::install_filters(o.filters, fo);
    if (!inst) child_fail(a, SpawnStage::Filter, std::move(inst.error()));
    // ---- From here the filter is on: nothing but execve (and, for the hand-over, a spin). ----
    if (o.hand_over_listener) {
      a.shared->listener_fd.store(inst->listener.release(), std::memory_order_release);
      while (a.shared->taken.load(std::memory_order_acquire) == 0) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
      }
    }
  }
  ::execve(a.path, a.argv, a.envp);
  const int e = errno;
  child_fail(a, SpawnStage::Exec, e, "", e == ENOENT ? kExitNotFound : kExitCannotExec);
}

// Forks the child, which never returns from here. Without layers or a listener the parent has
// nothing to do until the child has exec'd (or failed), so it uses vfork: no copy of the page
// tables, the parent suspended until then. Sandbox layers need a child of their own (namespaces
// fork again, mounts, Landlock); with a PID namespace it is cloned straight into it
// (fork_child). A function of its own, so no variable of the caller lives across vfork.
__attribute__((noinline)) pid_t start_child(const ChildArgs& a, bool own_memory) {
  const pid_t child = own_memory ? fork_child(*a.plan) : ::vfork();
  if (child == 0) child_main(a);
  return child;
}

// The pid a pidfd refers to, in the caller's PID namespace (/proc/self/fdinfo: "Pid:").
pid_t pid_of_pidfd(int pidfd) {
  std::ifstream f("/proc/self/fdinfo/" + std::to_string(pidfd));
  std::string key;
  while (f >> key) {
    if (key == "Pid:") {
      long v = -1;
      f >> v;
      return static_cast<pid_t>(v);
    }
  }
  return -1;
}

}  // namespace

std::string_view spawn_stage_name(SpawnStage s) {
  switch (s) {
    case SpawnStage::SetUp: return "set-up";
    case SpawnStage::Filter: return "filter";
    case SpawnStage::Exec: return "execve";
  }
  return "?";
}

Spawned::Spawned(Spawned&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      pipe_(std::exchange(o.pipe_, -1)),
      pidfd_sock_(std::exchange(o.pidfd_sock_, -1)),
      pidfd_(std::exchange(o.pidfd_, -1)),
      program_pidfd_(std::exchange(o.program_pidfd_, -1)),
      program_pid_(std::exchange(o.program_pid_, -1)),
      shared_(std::exchange(o.shared_, nullptr)),
      status_(o.status_),
      reaped_(std::exchange(o.reaped_, false)),
      failure_(std::move(o.failure_)) {}

Spawned::~Spawned() {
  for (int fd : {pipe_, pidfd_sock_, pidfd_, program_pidfd_})
    if (fd >= 0) ::close(fd);
  if (shared_) ::munmap(shared_, sizeof(Shared));
}

int Spawned::pidfd() {
  if (pidfd_ < 0) pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0u));
  return pidfd_;
}

const std::optional<SpawnFailure>& Spawned::failure() {
  if (failure_ || !shared_) return failure_;
  if (shared_->stage.load(std::memory_order_acquire) != 0) {
    failure_ = SpawnFailure{static_cast<SpawnStage>(shared_->stage.load() - 1), shared_->err,
                            shared_->text};
  }
  return failure_;
}

Result<void> Spawned::started() {
  // The pipe's write end closes at execve (O_CLOEXEC) or when the child ends; the child writes
  // a byte (and the page) first when it fails.
  if (pipe_ >= 0) {
    char b;
    while (::read(pipe_, &b, 1) < 0 && errno == EINTR) {}
    ::close(pipe_);
    pipe_ = -1;
  }
  if (const auto& f = failure(); f) {
    Error e = Error::make(ErrorCode::InvalidPolicy,
                          f->stage == SpawnStage::Exec
                              ? std::string("execve failed: ") + std::strerror(f->err)
                              : f->text,
                          "");
    e.sys_errno = f->err;
    return e;
  }
  return Ok{};
}

Result<loader::Listener> Spawned::take_listener() {
  if (!shared_)
    return Error::make(ErrorCode::InvalidPolicy, "spawn() was not asked for a listener", "");
  int fd = -1;
  while ((fd = shared_->listener_fd.load(std::memory_order_acquire)) < 0) {
    int st = 0;
    if (!reaped_ && ::waitpid(pid_, &st, WNOHANG) == pid_) set_status(st);
    if (reaped_) {
      if (auto r = started(); !r) return r.error();
      return Error::make(ErrorCode::InvalidPolicy,
                         "the program ended before it installed its filter", "");
    }
    timespec ts{0, 200 * 1000};
    ::nanosleep(&ts, nullptr);
  }
  program_pidfd_ = receive_fd(pidfd_sock_);
  if (program_pidfd_ < 0) { return Error::system("receiving the program's pidfd", errno); }
  program_pid_ = pid_of_pidfd(program_pidfd_);
  const int mine = static_cast<int>(::syscall(SYS_pidfd_getfd, program_pidfd_, fd, 0u));
  if (mine < 0) {
    return Error::system("cannot take the listener from the program (pidfd_getfd)", errno,
                         "it needs CAP_SYS_PTRACE over the program, or a dumpable program "
                         "(SpawnOptions::dumpable, `run --dumpable`)");
  }
  shared_->taken.store(1, std::memory_order_release);
  return loader::Listener(mine);
}

int Spawned::wait() {
  if (reaped_) return status_;
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0) {
    if (errno != EINTR) {
      st = 0;
      break;
    }
  }
  set_status(st);
  return status_;
}

void Spawned::set_status(int status) {
  const int program = shared_ ? shared_->program_status.load(std::memory_order_acquire) : -1;
  status_ = program >= 0 ? program : status;
  reaped_ = true;
}

Result<Spawned> spawn(const Plan& plan, const std::string& path,
                      const std::vector<std::string>& argv, const SpawnOptions& opts) {
  if (opts.hand_over_listener && opts.filters.empty()) {
    return Error::make(ErrorCode::InvalidPolicy, "a listener needs a filter to come from", "");
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : plan.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  Spawned sp;
  void* m = ::mmap(nullptr, sizeof(Spawned::Shared), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return Error::system("mmap", errno);
  sp.shared_ = new (m) Spawned::Shared{};
  sp.shared_->listener_fd.store(-1);
  sp.shared_->program_status.store(-1);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Error::system("pipe2", errno);
  sp.pipe_ = fds[0];
  int sock[2] = {-1, -1};
  if (opts.hand_over_listener) {
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) != 0) {
      ::close(fds[1]);
      return Error::system("socketpair", errno);
    }
    sp.pidfd_sock_ = sock[0];
  }
  const ChildArgs a{&plan,  &opts,   path.c_str(), args.data(), envp.data(),
                    fds[1], sock[1], sp.shared_,   ::getpid()};
  const bool own_memory =
      opts.hand_over_listener || plan.sandbox.spec().asks_for_layers() || plan.unshare != 0;
  const pid_t pid = start_child(a, own_memory);
  const int e = errno;
  ::close(fds[1]);
  if (sock[1] >= 0) ::close(sock[1]);
  if (pid < 0) return Error::system("fork", e);
  sp.pid_ = pid;
  // Without a PID namespace the child is the program; with one, take_listener() learns its pid.
  if (!(plan.unshare & CLONE_NEWPID)) sp.program_pid_ = pid;
  return sp;
}

// The first spawn(): one filter, and back when the program runs.
Result<Child> spawn(const Plan& plan, const std::string& path, const std::vector<std::string>& argv,
                    const bpf::Program* filter, uint32_t seccomp_flags) {
  SpawnOptions o;
  if (filter) o.filters.push_back(*filter);
  o.seccomp_flags = seccomp_flags;
  o.dumpable = true;  // as before: nothing asked for it
  auto sp = spawn(plan, path, argv, o);
  if (!sp) return sp.error();
  if (auto r = sp->started(); !r) {
    sp->wait();
    return Error::make(ErrorCode::InvalidPolicy,
                       "the sandboxed program did not start:\n" + r.error().render(), "");
  }
  return Child{sp->pid()};
}

}  // namespace sysfence::sandbox
