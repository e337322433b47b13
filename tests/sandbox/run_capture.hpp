// tests/sandbox/run_capture.hpp — run a command line and capture its output, for the sandbox tests.
//
//   Ran r = run_capture({"sh", "-c", "echo hi"}, 65534);  // as nobody, through setpriv
//   EXPECT_EQ(r.code, 0);  EXPECT_EQ(r.out, "hi\n");
//
// Every command runs under `timeout 60`. stdout is read to its end before stderr, so a command
// that fills the stderr pipe (64 KiB) before closing stdout would block: keep stderr small.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <utility>
#include <vector>

namespace sysfence::sandbox_test {

struct Ran {
  int code = -1;  // the exit status, or 128+N when killed by signal N
  std::string out, err;
};

// Runs argv as `uid` when it is not 0 (setpriv, with the same gid and no supplementary groups).
inline Ran run_capture(std::vector<std::string> argv, uid_t uid = 0) {
  if (uid != 0) {
    argv.insert(argv.begin(), {"setpriv", "--reuid=" + std::to_string(uid),
                               "--regid=" + std::to_string(uid), "--clear-groups"});
  }
  argv.insert(argv.begin(), {"timeout", "60"});
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  Ran r;
  for (auto [fd, into] : {std::pair{out[0], &r.out}, {err[0], &r.err}}) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) into->append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace sysfence::sandbox_test
