// src/compat/notify.cpp — libseccomp's user-notification functions over the kernel's
// SECCOMP_IOCTL_NOTIF_* ioctls (seccomp_unotify(2)).
//
// Known weaknesses: what a supervisor reads from the target's memory can change after it was
// read (TOCTOU); use it for diagnostics, never as a security decision.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>

#include "compat/filter.hpp"
#include "sysfence/loader/loader.hpp"

#include <seccomp.h>  // last: its <linux/audit.h> macros clash with sysfence's constants

namespace {

// The kernel's struct sizes (SECCOMP_GET_NOTIF_SIZES), never smaller than our own.
bool notif_sizes(size_t* req, size_t* resp) {
  static const auto sizes = sysfence::loader::notif_sizes();
  if (!sizes) return false;
  *req = sizes->notif > sizeof(struct seccomp_notif) ? sizes->notif : sizeof(struct seccomp_notif);
  *resp = sizes->notif_resp > sizeof(struct seccomp_notif_resp) ? sizes->notif_resp
                                                                : sizeof(struct seccomp_notif_resp);
  return true;
}

}  // namespace

extern "C" {

int seccomp_notify_alloc(struct seccomp_notif** req, struct seccomp_notif_resp** resp) {
  if (sysfence::compat::api_level() < 5) return -EOPNOTSUPP;
  size_t req_size = 0, resp_size = 0;
  if (!notif_sizes(&req_size, &resp_size)) return -ECANCELED;
  if (req) {
    *req = static_cast<struct seccomp_notif*>(calloc(1, req_size));
    if (!*req) return -ENOMEM;
  }
  if (resp) {
    *resp = static_cast<struct seccomp_notif_resp*>(calloc(1, resp_size));
    if (!*resp) {
      if (req) {
        free(*req);
        *req = nullptr;
      }
      return -ENOMEM;
    }
  }
  return 0;
}

void seccomp_notify_free(struct seccomp_notif* req, struct seccomp_notif_resp* resp) {
  free(req);
  free(resp);
}

int seccomp_notify_receive(int fd, struct seccomp_notif* req) {
  if (sysfence::compat::api_level() < 5) return -EOPNOTSUPP;
  if (req == nullptr) return -EINVAL;
  size_t req_size = 0, resp_size = 0;
  if (!notif_sizes(&req_size, &resp_size)) return -ECANCELED;
  memset(req, 0, req_size);  // the kernel insists on a zeroed buffer
  while (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
    if (errno != EINTR) return -ECANCELED;
  }
  return 0;
}

int seccomp_notify_respond(int fd, struct seccomp_notif_resp* resp) {
  if (sysfence::compat::api_level() < 5) return -EOPNOTSUPP;
  if (resp == nullptr) return -EINVAL;
  while (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0) {
    if (errno != EINTR) return -ECANCELED;
  }
  return 0;
}

int seccomp_notify_id_valid(int fd, uint64_t id) {
  if (sysfence::compat::api_level() < 5) return -EOPNOTSUPP;
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0) return -ENOENT;
  return 0;
}

int seccomp_notify_addfd(int fd, struct seccomp_notif_addfd* addfd) {
  if (sysfence::compat::api_level() < 5) return -EOPNOTSUPP;
  if (addfd == nullptr) return -EINVAL;
  int r;
  while ((r = ioctl(fd, SECCOMP_IOCTL_NOTIF_ADDFD, addfd)) < 0) {
    if (errno != EINTR) return -errno;
  }
  return r;
}

}  // extern "C"
