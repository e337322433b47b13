// sysfence/loader — the user-notification listener (seccomp_unotify(2)).
#include "sysfence/loader/notify.hpp"

#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "sysfence/loader/loader.hpp"

// SECCOMP_IOCTL_NOTIF_SET_FLAGS arrived in Linux 6.6, after Debian 12's headers.
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

static_assert(sizeof(struct seccomp_notif) == 16 + sizeof(sysfence::bpf::SeccompData));
static_assert(SECCOMP_USER_NOTIF_FLAG_CONTINUE == sysfence::loader::kNotifFlagContinue);
static_assert(SECCOMP_ADDFD_FLAG_SETFD == sysfence::loader::kAddFdSetFd);
static_assert(SECCOMP_ADDFD_FLAG_SEND == sysfence::loader::kAddFdSend);

namespace sysfence::loader {
namespace {

Error ioctl_error(const char* what, int e, std::string hint = {}) {
  const char* name = strerrorname_np(e);
  Error err = Error::make(ErrorCode::System,
                          std::string(what) + " failed: " + (name ? name : std::to_string(e)) +
                              " (" + std::strerror(e) + ")",
                          std::move(hint));
  err.sys_errno = e;
  return err;
}

// The kernel's sizeof(struct seccomp_notif) (it may grow); 0 until asked.
size_t kernel_notif_size() {
  static std::atomic<size_t> cached{0};
  size_t s = cached.load(std::memory_order_relaxed);
  if (s == 0) {
    auto sizes = notif_sizes();
    s = sizes ? sizes->notif : sizeof(struct seccomp_notif);
    if (s < sizeof(struct seccomp_notif)) s = sizeof(struct seccomp_notif);
    cached.store(s, std::memory_order_relaxed);
  }
  return s;
}

const char* kGoneHint =
    "the target exited, or a signal interrupted its syscall (it will be restarted and notified "
    "again with a new id)";

}  // namespace

Listener::~Listener() { reset(); }

Listener& Listener::operator=(Listener&& o) noexcept {
  if (this != &o) reset(o.release());
  return *this;
}

void Listener::reset(int fd) {
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
}

Result<bool> Listener::wait(int timeout_ms) const {
  pollfd p{fd_, POLLIN, 0};
  while (true) {
    const int r = poll(&p, 1, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ioctl_error("poll on the seccomp listener", errno);
    }
    if (r == 0) return false;
    if (p.revents & POLLIN) return true;
    if (p.revents & POLLNVAL) return ioctl_error("poll on the seccomp listener", EBADF);
    Error err;
    err.message =
        "the seccomp listener has no targets left (POLLHUP): every task using the "
        "filter has exited";
    err.hint = "stop supervising";
    return err;
  }
}

Result<Notification> Listener::receive() const {
  const size_t size = kernel_notif_size();
  alignas(8) unsigned char small[512];
  std::vector<unsigned char> big;
  unsigned char* buf = small;
  if (size > sizeof small) {
    big.resize(size);
    buf = big.data();
  }
  while (true) {
    std::memset(buf, 0, size);  // the kernel insists on a zeroed buffer
    if (ioctl(fd_, SECCOMP_IOCTL_NOTIF_RECV, buf) == 0) break;
    const int e = errno;
    if (e == EINTR) continue;
    return ioctl_error("SECCOMP_IOCTL_NOTIF_RECV", e, e == ENOENT ? kGoneHint : "");
  }
  struct seccomp_notif raw;
  std::memcpy(&raw, buf, sizeof raw);
  Notification n;
  n.id = raw.id;
  n.pid = raw.pid;
  n.flags = raw.flags;
  n.data.nr = raw.data.nr;
  n.data.arch = raw.data.arch;
  n.data.instruction_pointer = raw.data.instruction_pointer;
  for (int i = 0; i < 6; ++i) n.data.args[i] = raw.data.args[i];
  return n;
}

Result<void> Listener::respond(const Response& r) const {
  struct seccomp_notif_resp resp;
  std::memset(&resp, 0, sizeof resp);
  resp.id = r.id;
  resp.val = r.val;
  resp.error = r.error;
  resp.flags = r.flags;
  while (ioctl(fd_, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) {
    const int e = errno;
    if (e == EINTR) continue;
    std::string hint;
    if (e == ENOENT) hint = kGoneHint;
    if (e == EINVAL)
      hint = "with kNotifFlagContinue, val and error must be 0; error must be a negative errno";
    if (e == EINPROGRESS) hint = "this id was already answered (respond() or add_fd(kAddFdSend))";
    return ioctl_error("SECCOMP_IOCTL_NOTIF_SEND", e, hint);
  }
  return Ok{};
}

Result<bool> Listener::id_valid(uint64_t id) const {
  uint64_t v = id;
  if (ioctl(fd_, SECCOMP_IOCTL_NOTIF_ID_VALID, &v) == 0) return true;
  const int e = errno;
  if (e == ENOENT) return false;
  return ioctl_error("SECCOMP_IOCTL_NOTIF_ID_VALID", e);
}

Result<int> Listener::add_fd(uint64_t id, int srcfd, uint32_t flags, int newfd,
                             uint32_t newfd_flags) const {
  struct seccomp_notif_addfd a;
  std::memset(&a, 0, sizeof a);
  a.id = id;
  a.flags = flags;
  a.srcfd = static_cast<uint32_t>(srcfd);
  a.newfd = static_cast<uint32_t>(newfd);
  a.newfd_flags = newfd_flags;
  while (true) {
    const int r = ioctl(fd_, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
    if (r >= 0) return r;
    const int e = errno;
    if (e == EINTR) continue;
    std::string hint;
    if (e == ENOENT) hint = kGoneHint;
    if (e == EINVAL)
      hint = "newfd must be 0 without kAddFdSetFd; newfd_flags may only be O_CLOEXEC";
    if (e == EBADF) hint = "srcfd is not an open descriptor of the supervisor";
    if (e == EINPROGRESS) hint = "the notification was not received yet, or already answered";
    return ioctl_error("SECCOMP_IOCTL_NOTIF_ADDFD", e, hint);
  }
}

Result<void> Listener::set_sync_wakeup() const {
  uint64_t f = SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP;
  if (ioctl(fd_, SECCOMP_IOCTL_NOTIF_SET_FLAGS, f) == 0) return Ok{};
  const int e = errno;
  return ioctl_error("SECCOMP_IOCTL_NOTIF_SET_FLAGS", e,
                     e == EINVAL || e == ENOTTY ? "needs Linux >= 6.6" : "");
}

}  // namespace sysfence::loader
