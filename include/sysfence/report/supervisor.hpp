// sysfence/report/supervisor.hpp — what `sysfence run --report` does around a filter: the
// program rewritten so that every denial becomes a user notification, and the supervisor that
// answers each one as the original program would, printing it.
//
//   size_t rewritten = 0;
//   bpf::Program notifying = report::report_program(prog, &rewritten);  // denials -> USER_NOTIF
//   // child: install `notifying` with loader::kFlagNewListener, hand the listener fd over, execve
//   auto original = bpf::VerifiedProgram::make(prog);
//   report::Supervisor sup(std::move(listener), child, child_pidfd,
//                          [&](const bpf::SeccompData& d) { return bpf::emulate(*original, d).ret; },
//                          std::cerr);
//   int status = sup.serve();   // until the child exits: "sysfence: denied [pid N] ..." lines
//   sup.print_summary();        // "sysfence: report: 2 denied syscalls: ..."
//
// Each notification is answered with what the ORIGINAL program returns for exactly that
// seccomp_data: the errno for errno; ENOSYS for trace and notify (what the kernel answers when no
// tracer or listener exists); ENOSYS plus a SIGSYS for trap; for kill-thread and kill-process it
// kills the calling process with SIGKILL (killed_for_policy() then says so, and a runner exits
// as the kernel's kill would have). Allowed and logged syscalls never reach it.
//
// Known weaknesses: the arguments it prints are read from the target's memory after the call
// (racy, diagnostics only: report/target.hpp); a trap's SIGSYS comes from tgkill, so its
// siginfo is not the kernel's (no si_syscall); kill-thread kills the whole process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/loader/notify.hpp"

namespace sysfence::report {

// True for actions that `--report` turns into notifications: everything but allow and log.
bool is_denying(uint32_t ret);

// `prog` with every denying RET K turned into RET USER_NOTIF; how many in *count (may be null).
bpf::Program report_program(const bpf::Program& prog, size_t* count);

class Supervisor {
 public:
  // `original`: what the unmodified program returns for a seccomp_data. `out` receives one line
  // per denied call and the summary.
  Supervisor(loader::Listener listener, pid_t child, int child_pidfd,
             std::function<uint32_t(const bpf::SeccompData&)> original, std::ostream& out);

  // Serves notifications until the child exits (its pidfd becomes readable); returns the
  // child's wait status.
  int serve();
  // Was the process killed by the supervisor to carry out a kill action?
  bool killed_for_policy(pid_t pid) const { return killed_.count(pid) != 0; }
  void print_summary() const;

 private:
  void handle(const loader::Notification& n);

  loader::Listener listener_;
  pid_t child_;
  int pidfd_;
  std::function<uint32_t(const bpf::SeccompData&)> original_;
  std::ostream& out_;
  std::map<pid_t, bool> killed_;
  struct Count {
    uint64_t calls = 0;
    std::string action;
    std::string rule;  // a policy rule that would allow the call ("unshare: allow")
  };
  std::map<std::string, Count> summary_;  // "name" or "name (arch)" -> count and action
  uint64_t total_ = 0;
};

}  // namespace sysfence::report
