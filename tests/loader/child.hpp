// Test helper: run a body in a forked child against the real kernel, collect what it wrote and
// how it ended. Seccomp filters cannot be removed, so everything that installs one runs here.
//
//   auto r = run_child([] {
//     CHILD_CHECK(sysfence::loader::install_strict().ok());
//     child_say("ok\n");
//     syscall(SYS_exit, 0);
//   });
//   EXPECT_TRUE(r.exited(0)) << r.describe();
//   EXPECT_EQ(r.out, "ok\n");
//
// In the child, stdout and stderr both go into one pipe that the parent reads (r.out). The child
// gets its own process group (killed as a whole on timeout) and RLIMIT_CORE 0 (no core files
// from SIGSYS). Inside the body use only what the installed filter allows: child_say() is one
// write(2); CHILD_CHECK reports the failing line with write(2) and exits with status 100;
// child_exit() is exit_group without the libc hooks.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

namespace sysfence_test {

struct ChildResult {
  int status = 0;
  std::string out;
  bool timed_out = false;

  bool exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  bool signaled(int sig) const { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }
  std::string describe() const {
    std::string s;
    if (timed_out) s += "timed out; ";
    if (WIFEXITED(status))
      s += "exited " + std::to_string(WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
      s += std::string("killed by ") + strsignal(WTERMSIG(status));
    else
      s += "status " + std::to_string(status);
    return s + "; output:\n" + out;
  }
};

inline void child_write(int fd, const char* s, size_t n) {
  while (n > 0) {
    const ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}
inline void child_say(const char* s) { child_write(1, s, std::strlen(s)); }
inline void child_say(const std::string& s) { child_write(1, s.data(), s.size()); }

// Exits the child with the raw exit_group syscall: glibc's _exit may be intercepted by a
// sanitizer that makes syscalls the child's filter denies. Not [[noreturn]] on purpose: ASan puts
// __asan_handle_no_return (which calls sigaltstack) before calls to noreturn functions.
// Strict mode needs syscall(SYS_exit) instead.
inline void child_exit(int code) { syscall(SYS_exit_group, code); }

#define CHILD_CHECK(cond)                                                                         \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      const char* _m = "CHILD_CHECK failed: " #cond " at line " SYSFENCE_TEST_STR(__LINE__) "\n"; \
      ::sysfence_test::child_write(2, _m, std::strlen(_m));                                       \
      ::sysfence_test::child_exit(100);                                                           \
    }                                                                                             \
  } while (0)
#define SYSFENCE_TEST_STR2(x) #x
#define SYSFENCE_TEST_STR(x) SYSFENCE_TEST_STR2(x)

// Runs body() in a forked child; the child exits 0 when body returns.
inline ChildResult run_child(const std::function<void()>& body, int timeout_s = 30) {
  ChildResult res;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    res.status = -1;
    res.out = "pipe failed";
    return res;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    close(p[0]);
    dup2(p[1], 1);
    dup2(p[1], 2);
    close(p[1]);
    body();
    syscall(SYS_exit_group, 0);  // not _exit: sanitizers hook it with syscalls a filter may deny
  }
  close(p[1]);
  setpgid(pid, pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      res.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    pollfd pf{p[0], POLLIN, 0};
    const int r = poll(&pf, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t n = read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    res.out.append(buf, static_cast<size_t>(n));
  }
  close(p[0]);
  while (waitpid(pid, &res.status, 0) < 0 && errno == EINTR) {}
  return res;
}

}  // namespace sysfence_test
