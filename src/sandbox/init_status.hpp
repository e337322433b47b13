// sysfence/sandbox/init_status.hpp (private) — how a PID namespace's init hands the program's own
// wait status to spawn()'s caller.
//
//   detail::report_program_status_to(&shared->program_status);   // in spawn's child
//   enter(plan, runner);   // with a PID namespace, init stores the program's status there
//
// An init cannot die by a signal, so it exits with 128+N when signal N killed the program: its
// exit status alone cannot tell that from a program that exited with 128+N. The word lives in
// memory the child shares with spawn()'s caller (MAP_SHARED), which the init inherits; set it
// only in a forked child (never a vfork child: that would write the caller's own variable).
#pragma once

#include <csignal>

#include <atomic>

namespace sysfence::sandbox::detail {

// Where be_init() stores the program's raw wait status before it exits; nullptr: nowhere.
void report_program_status_to(std::atomic<int>* slot);

// The signals the init forwards (forward_signals_to), held blocked from the child's start until
// the init has its handlers, then `program_mask` for the init and the program. A namespace's
// init drops a signal it has no handler for, even one sent from outside; a blocked signal is
// never dropped, it waits: without this, a SIGTERM the runner forwards in the first moments
// (before the init's handlers are in) was lost and the program ran on. Returns the mask to set
// in the child now (program_mask plus those signals).
sigset_t hold_init_signals(const sigset_t& program_mask);

}  // namespace sysfence::sandbox::detail
