// src/cli/supervisor.hpp — `sysfence run --report`: the parent side of SECCOMP_RET_USER_NOTIF.
//
// The policy is compiled as usual; then every `RET K` whose action denies (errno, trap, trace,
// notify, kill-thread, kill-process) is rewritten to `RET USER_NOTIF` (report_program()). The child
// installs that program with NEW_LISTENER as its last step before execve; the supervisor takes the
// listener fd from the child (pidfd_getfd) and, for each notification, prints the syscall with its
// decoded arguments, asks the emulator what the ORIGINAL program returns for exactly that
// seccomp_data, and answers with that result: the errno for errno; ENOSYS for trace and notify
// (what the kernel answers when no tracer or listener exists); ENOSYS plus a SIGSYS for trap; for
// kill-thread and kill-process it kills the calling process with SIGKILL (the run then exits as
// the kernel's kill would have: 128+SIGSYS). Allowed and logged syscalls never reach it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <sys/types.h>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/loader/notify.hpp"

namespace sysfence::cli {

// The program with denying RET K instructions turned into RET USER_NOTIF. Returns how many
// were rewritten in *count.
bpf::Program report_program(const bpf::Program& prog, size_t* count);

// True for actions that `--report` turns into notifications.
bool is_denying(uint32_t ret);

class Supervisor {
 public:
  // `original` answers what the unmodified program returns for a seccomp_data.
  Supervisor(loader::Listener listener, pid_t child, int child_pidfd,
             std::function<uint32_t(const bpf::SeccompData&)> original);

  // Serves notifications until the child exits. Returns the child's wait status.
  int serve();
  // Was the child killed by us to carry out a kill action?
  bool killed_for_policy(pid_t pid) const { return killed_.count(pid) != 0; }
  void print_summary() const;

 private:
  void handle(const loader::Notification& n);

  loader::Listener listener_;
  pid_t child_;
  int pidfd_;
  std::function<uint32_t(const bpf::SeccompData&)> original_;
  std::map<pid_t, bool> killed_;
  struct Count {
    uint64_t calls = 0;
    std::string action;
    std::string rule;  // a policy rule that would allow the call ("unshare: allow")
  };
  std::map<std::string, Count> summary_;  // "name on arch" -> count and action
  uint64_t total_ = 0;
};

}  // namespace sysfence::cli
