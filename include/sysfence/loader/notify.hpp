// sysfence/loader/notify.hpp — the supervisor side of SECCOMP_RET_USER_NOTIF (seccomp_unotify(2)).
//
//   loader::FilterOptions opt;
//   opt.flags = loader::kFlagNewListener;
//   auto inst = loader::install_filter(prog, opt);           // prog returns USER_NOTIF somewhere
//   loader::Listener l = std::move(inst->listener);          // owns the fd, closes it
//   // ... hand the fd to a supervisor (fork, SCM_RIGHTS) ...
//   while (true) {
//     auto ready = l.wait(1000);                              // poll(2); false on timeout
//     if (!ready || !*ready) continue;
//     auto n = l.receive();                                   // SECCOMP_IOCTL_NOTIF_RECV
//     if (!n) { if (n.error().sys_errno == ENOENT) continue; break; }  // target went away
//     if (n->data.nr == __NR_getppid) (void)l.respond_value(n->id, 1);
//     else (void)l.respond_error(n->id, EPERM);               // SECCOMP_IOCTL_NOTIF_SEND
//   }
//
// A thin RAII wrapper: one object owns one listener fd. No threads, no callbacks, no policy.
//
// Known weaknesses (the kernel's, stated so nobody builds a guarantee on them):
// - Anything the supervisor reads from the target's memory (a path behind a pointer) can change
//   after it was read (TOCTOU): use what it sees for diagnostics, never as a security decision,
//   and check id_valid() after reading /proc/PID/mem so the pid was not reused.
// - respond_continue() lets the syscall run in the target with the arguments *it* has now.
// - A target interrupted by a signal handler restarts the syscall: the same call may arrive
//   again with a new id; the old id's respond() then fails with ENOENT.
#pragma once

#include <cstdint>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::loader {

// struct seccomp_notif, as sysfence exposes it.
struct Notification {
  uint64_t id = 0;        // cookie for respond()/id_valid()/add_fd()
  uint32_t pid = 0;       // thread id of the target (in the listener's pid namespace; 0 if none)
  uint32_t flags = 0;     // always 0 so far
  bpf::SeccompData data;  // the syscall as the filter saw it
};

// SECCOMP_USER_NOTIF_FLAG_CONTINUE
inline constexpr uint32_t kNotifFlagContinue = 1u << 0;
// SECCOMP_ADDFD_FLAG_SETFD / SECCOMP_ADDFD_FLAG_SEND
inline constexpr uint32_t kAddFdSetFd = 1u << 0;
inline constexpr uint32_t kAddFdSend = 1u << 1;

struct Response {
  uint64_t id = 0;
  int64_t val = 0;     // the syscall's return value when error == 0
  int32_t error = 0;   // a *negative* errno (the kernel's convention), or 0
  uint32_t flags = 0;  // kNotifFlagContinue: let the syscall run (val and error must be 0)
};

class Listener {
 public:
  Listener() = default;
  explicit Listener(int fd) : fd_(fd) {}  // takes ownership
  ~Listener();
  Listener(Listener&& o) noexcept : fd_(o.release()) {}
  Listener& operator=(Listener&& o) noexcept;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1);

  // poll(2) for POLLIN: true when a notification is ready, false on timeout (-1: forever).
  // Error with hint when the filter is gone (POLLHUP: every target exited).
  Result<bool> wait(int timeout_ms) const;
  // SECCOMP_IOCTL_NOTIF_RECV. Blocks until a notification arrives. ENOENT: the target died or
  // was interrupted while the notification was being made (retry). EINTR is retried inside.
  Result<Notification> receive() const;
  // SECCOMP_IOCTL_NOTIF_SEND. ENOENT: the target is gone or was interrupted (see above).
  Result<void> respond(const Response& r) const;
  Result<void> respond_value(uint64_t id, int64_t val) const { return respond({id, val, 0, 0}); }
  // `err` is a positive errno (EPERM); the syscall returns -1 with that errno in the target.
  Result<void> respond_error(uint64_t id, int err) const { return respond({id, 0, -err, 0}); }
  Result<void> respond_continue(uint64_t id) const {
    return respond({id, 0, 0, kNotifFlagContinue});
  }
  // SECCOMP_IOCTL_NOTIF_ID_VALID: true while the target still waits for this id.
  Result<bool> id_valid(uint64_t id) const;
  // SECCOMP_IOCTL_NOTIF_ADDFD: installs a duplicate of our `srcfd` in the target; returns the fd
  // number it got there. flags: kAddFdSetFd (use `newfd`), kAddFdSend (also respond with that
  // number as the syscall's result, atomically; the notification is then answered).
  // newfd_flags: O_CLOEXEC only.
  Result<int> add_fd(uint64_t id, int srcfd, uint32_t flags = 0, int newfd = 0,
                     uint32_t newfd_flags = 0) const;
  // SECCOMP_IOCTL_NOTIF_SET_FLAGS with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6): wake the
  // supervisor on the same CPU (faster round trips when one thread answers).
  Result<void> set_sync_wakeup() const;

 private:
  int fd_ = -1;
};

}  // namespace sysfence::loader

SYSFENCE_API_END
