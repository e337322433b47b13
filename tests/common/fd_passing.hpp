// tests/common/fd_passing.hpp — passing one file descriptor over a UNIX socket (SCM_RIGHTS), as
// the tests that hand a seccomp listener from a filtered child to its supervisor do.
//
//   int sv[2];
//   socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
//   if (fork() == 0) { ...; sysfence::testing::send_fd(sv[1], listener_fd); }
//   int fd = sysfence::testing::receive_fd(sv[0]);   // -1 on failure
//
// One write(2)-level call each (sendmsg/recvmsg), so send_fd works in a child under a filter that
// allows sendmsg.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstring>

namespace sysfence::testing {

// True when the descriptor (with one byte of data) was sent.
inline bool send_fd(int sock, int fd) {
  char byte = 'f';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = buf;
  m.msg_controllen = sizeof buf;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return ::sendmsg(sock, &m, 0) == 1;
}

// The descriptor received, or -1.
inline int receive_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int))] = {};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = buf;
  m.msg_controllen = sizeof buf;
  if (::recvmsg(sock, &m, 0) != 1) return -1;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (c == nullptr || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

}  // namespace sysfence::testing
