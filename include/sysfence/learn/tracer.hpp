// sysfence/learn/tracer.hpp — run a program under a seccomp-assisted ptrace tracer and see every
// system call it (and everything it forks, clones or execs) makes.
//
//   using namespace sysfence;
//   learn::TraceOptions o;
//   o.on_call = [&](const learn::TracedCall& c) { ++counts[{c.arch, c.nr}]; };
//   Result<learn::TraceResult> r = learn::trace_program({"/bin/ls", "-l"}, o);
//   if (!r) std::cerr << r.error().render();
//   else return r->exit_code;                       // the program's status, 128+N when killed
//
// How: fork; the child stops itself, the parent attaches with PTRACE_SEIZE and the options
// TRACESECCOMP | TRACECLONE | TRACEFORK | TRACEVFORK | EXITKILL; the child sets
// NO_NEW_PRIVS, installs `filter` (default: every syscall returns SECCOMP_RET_TRACE, so the
// program stops at syscalls only, never at their exits), and execs. At each seccomp stop
// PTRACE_GET_SYSCALL_INFO (Linux 5.3) gives the ABI (an i386 `int 0x80` call on x86_64 has
// AUDIT_ARCH_I386; an x32 call has bit 30 in nr), the number and the six arguments. Signals are
// passed on to the program, group-stops are kept with PTRACE_LISTEN (a stopped program stays
// stopped until SIGCONT, as without a tracer). The tracer returns when the last traced process
// is gone; if the tracer dies first, EXITKILL kills the traced processes: nothing is ever left
// traced or stopped.
//
// What a tracer cannot see: calls made before the filter is installed (the runner's own set-up;
// the program itself starts at execve, which is seen), memory behind pointers at the time the
// kernel reads it (clone3's flags, paths), and code paths the workload did not take.
//
// clone3 and CLONE_UNTRACED: every filter the tracer installs starts with traced_run_prefix(),
// which stops at clone3 and at a clone with CLONE_UNTRACED on every ABI (x86_64, x32, i386),
// whatever the rest of the filter says. The tracer answers clone3 with ENOSYS itself (its flags
// are in memory, where neither a filter nor a stop can check them race-free; glibc then falls
// back to clone), and clears CLONE_UNTRACED in clone's flags register (that flag would keep the
// child from being auto-attached: its calls would be neither seen nor, under a RET_TRACE filter
// with no tracer, allowed). Both are reported to on_call with `answer` saying what was done.
//
// Known weaknesses: a program that needs clone3 itself (no fallback to clone) fails under the
// tracer as it does under sysfence's default policy; a program that relies on CLONE_UNTRACED
// gets a traced child instead. A setuid program runs without its privileges (NO_NEW_PRIVS), as
// it would under `sysfence run`.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"

namespace sysfence::learn {

struct TracedCall {
  pid_t tid = 0;
  arch::Arch arch = arch::Arch::X86_64;
  uint32_t audit_arch = 0;  // seccomp_data.arch as the kernel reported it
  int32_t nr = 0;           // as seccomp_data.nr (x32 with bit 30)
  std::array<uint64_t, 6> args{};
  uint64_t instruction_pointer = 0;
  uint16_t trace_data = 0;  // SECCOMP_RET_DATA of the RET_TRACE that stopped it
  // What the tracer did besides letting the call run (see the header comment).
  enum class Answer { Ran, AnsweredEnosys, ClearedUntraced };
  Answer answer = Answer::Ran;
};

// SECCOMP_RET_DATA values of the prefix's RET_TRACEs (a policy's own RET_TRACE data is rewritten
// to 0 by the trace filters below, so they cannot collide).
inline constexpr uint16_t kTraceDataClone3 = 0x5f01;
inline constexpr uint16_t kTraceDataUntracedClone = 0x5f02;

struct TraceOptions {
  // The filter installed in the child before execve. Empty: trace_everything_filter().
  bpf::Program filter;
  // Called at every seccomp stop; the call then runs.
  std::function<void(const TracedCall&)> on_call;
  // Set NO_NEW_PRIVS in the child (required to install the filter without CAP_SYS_ADMIN).
  bool no_new_privs = true;
};

struct TraceResult {
  int exit_code = 0;       // the main program's status: N, or 128+signal
  int raw_status = 0;      // as waitpid reported it
  uint64_t stops = 0;      // seccomp stops handled (one per traced call)
  uint64_t all_stops = 0;  // every time a traced process stopped: seccomp, fork/clone events,
                           // the first stop of each new process or thread, signals, group-stops
  uint64_t processes = 0;  // processes and threads traced (the program included)
  uint64_t unknown_arch_calls = 0;  // calls from an ABI sysfence has no table for
};

// The start of every trace filter: RET_TRACE with kTraceDataClone3 for clone3, with
// kTraceDataUntracedClone for clone with CLONE_UNTRACED, on every ABI; the rest falls through.
// Empty where the tracer cannot rewrite registers (not x86_64).
bpf::Program traced_run_prefix();

// Every syscall returns SECCOMP_RET_TRACE (after traced_run_prefix()).
bpf::Program trace_everything_filter();

// For `learn --merge` (without --freq): the calls `policy_program` already allows (ALLOW or
// LOG) run without stopping, everything else stops (after traced_run_prefix()). A run that the policy mostly covers stops only where it is
// not covered. nullopt when the result would exceed the kernel's 4096 instructions.
//
// Why not fewer stops on a first run: a loaded filter cannot change, and a filter stacked on it
// can only make the outcome more restrictive (the kernel takes the most restrictive action of
// the stack: KILL > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW), so a call the first filter
// traces is traced for the life of the process and of everything it forks or execs. Stopping
// only at unseen calls is possible only when the seen ones are known before the program starts:
// an existing policy, as here.
std::optional<bpf::Program> trace_unallowed_filter(const bpf::Program& policy_program);

// A policy's program with every RET K that does not allow (anything but ALLOW and LOG) turned
// into SECCOMP_RET_TRACE (data 0), after traced_run_prefix(): traced, only the calls the policy
// would deny stop (`run --permissive`). nullopt when longer than the kernel's 4096 instructions.
std::optional<bpf::Program> trace_denials_filter(const bpf::Program& policy_program);

// Runs argv[0] (looked up on PATH) with argv. Errors: argv empty, program not found (the error's
// sys_errno is ENOENT or EACCES), fork/ptrace/seccomp failures (nothing ran, or the program was
// killed). SIGINT and SIGQUIT are ignored by the tracer while the program runs (the terminal
// sends them to the program too); SIGTERM and SIGHUP are forwarded to it.
Result<TraceResult> trace_program(const std::vector<std::string>& argv,
                                  const TraceOptions& options);

// The ABI a traced call comes from, or nullopt for an audit arch sysfence has no table for.
std::optional<arch::Arch> arch_of_call(uint32_t audit_arch, int32_t nr);

}  // namespace sysfence::learn
