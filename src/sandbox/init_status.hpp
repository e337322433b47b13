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

#include <atomic>

namespace sysfence::sandbox::detail {

// Where be_init() stores the program's raw wait status before it exits; nullptr: nowhere.
void report_program_status_to(std::atomic<int>* slot);

}  // namespace sysfence::sandbox::detail
