// Test-only harness: hand filters to the real kernel in forked children and observe what the
// kernel does with harmless syscalls. x86_64 only: calls enter through the `syscall`
// instruction (x86_64, and x32 with bit 30 set in the number) or through `int 0x80` (i386), each
// from one known instruction address.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sysfence/bpf/insn.hpp"

namespace sysfence::bpf::testing {

// True on machines where the live tests can run (x86_64 Linux with seccomp filter mode).
bool live_kernel_available();

// Installs `oldest_first` (in that order) in a forked child after PR_SET_NO_NEW_PRIVS.
// Returns one entry per filter: 0 when seccomp(2) accepted it, else the errno; filters after a
// failure are not attempted (their entry is -1).
std::vector<int> live_load(std::span<const Program> oldest_first);
inline int live_load_one(const Program& p) { return live_load(std::span<const Program>(&p, 1))[0]; }

struct LiveCall {
  long nr = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  // Enter through `int 0x80`: the i386 ABI (nr is an i386 number; the kernel sees the low 32
  // bits of each argument). Otherwise `syscall` (x86_64; x32 when nr has bit 30 set).
  bool int80 = false;
};

struct LiveObservation {
  enum class Kind { kNotRun, kReturned, kTrapped, kThreadKilled, kProcessKilled };
  Kind kind = Kind::kNotRun;
  long ret = 0;          // raw return value (negative errno on failure) for kReturned
  long natural = 0;      // what the same call returned before any filter was installed
  int trap_errno = 0;    // si_errno of SIGSYS for kTrapped
  int trap_syscall = 0;  // si_syscall
  uint32_t trap_arch = 0;
  uint64_t trap_ip = 0;  // si_call_addr
};
std::string describe(const LiveObservation& o);

struct LiveRun {
  int load_errno = 0;  // non-zero: the stack was not installed, no observations
  std::vector<LiveObservation> observations;
  int forks = 0;
};

// Installs the stack (oldest first) in a worker thread of a forked child and performs each
// call with a raw `syscall` instruction. A call that kills the thread or the process ends that
// child; the remaining calls continue in a fresh child. Before installing, the worker sets
// umask(022) and records each call's `natural` result (calls must be stateless given that).
LiveRun live_run(std::span<const Program> oldest_first, std::span<const LiveCall> calls);

// The call that installs each filter of a stack (the older filters see it and must allow it).
LiveCall install_call();

// seccomp_data.instruction_pointer the kernel reports for live_run's calls (same in every
// child: measured once with a TRAP filter).
uint64_t live_syscall_ip();
// The same for live_run's `int 0x80` calls; 0 when this kernel has no i386 entry
// (IA32 emulation compiled out or disabled with ia32_emulation=0).
uint64_t live_int80_ip();

}  // namespace sysfence::bpf::testing
