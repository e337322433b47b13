// A tiny program built against an installed sysfence, by find_package and by pkg-config: the
// syscall tables, and the README's C++ example, whose filter a forked child installs.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <string>

#include <sysfence/arch/arch.hpp>
#include <sysfence/bpf/seccomp.hpp>
#include <sysfence/sysfence.hpp>

int main() {
  using namespace sysfence;
  auto nr = arch::syscall_number(arch::Arch::X86_64, "openat");
  std::string action = bpf::action_name(bpf::ret_errno(1));
  if (!nr || *nr != 257 || action != "errno(1)") {
    std::printf("consumer: unexpected result\n");
    return 1;
  }

  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
#if defined(__SANITIZE_ADDRESS__)
    // A sanitized consumer's runtime makes syscalls of its own (sigaltstack, gettid, mmap)
    // around the ones the program makes, which the README's deny-by-default policy refuses:
    // install a deny list there instead.
    auto policy = sysfence::Policy::allow_by_default().deny("getppid", sysfence::Errno{EPERM});
    if (auto r = policy.install(); !r) _exit(3);
#else
    // The README's example, verbatim from README.md (run_install_test.sh extracts it).
#include "readme_example.inc"
#endif
    const long rc = syscall(SYS_getppid);       // not allowed: errno(EPERM)
    _exit(rc == -1 && errno == EPERM ? 0 : 4);  // exit_group: the README policy allows it
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::printf("consumer: the README filter did not behave (status %d)\n", status);
    return 1;
  }
  std::printf("consumer: openat=%d %s, README filter: getppid -> EPERM, exit_group allowed\n", *nr,
              action.c_str());
  // The version of the library loaded (run_install_test.sh compares it with `sysfence --version`,
  // pkg-config and the CMake package).
  std::printf("libsysfence %.*s\n", static_cast<int>(sysfence::version().size()),
              sysfence::version().data());
  return 0;
}
