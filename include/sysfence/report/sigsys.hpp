// sysfence/report/sigsys.hpp — say which syscall a SECCOMP_RET_TRAP filter blocked.
//
//   sysfence::report::ReporterOptions opt;                  // defaults: report to fd 2, exit 159
//   if (auto r = sysfence::report::install_sigsys_reporter(opt); !r) die(r.error());
//   install_filter(prog);                                   // prog returns SECCOMP_RET_TRAP
//   ...
//   // a trapped write(2, buf, 19) prints, with one write(2):
//   // sysfence: blocked write(fd=2, buf=0x7ffd12345678, count=19) on x86_64 at 0x4011c6
//   // and the process exits with status 159.
//
//   opt.on_trap = sysfence::report::OnTrap::ReturnErrno;    // or: report, then let the syscall
//   opt.errno_value = EPERM;                                // fail with EPERM and carry on
//   // sysfence: blocked getpid() on x86_64 at 0x4011c6, returning EPERM (1)
//
// The handler (SA_SIGINFO, for SIGSYS with si_code SYS_SECCOMP) is async-signal-safe: no
// allocation, no stdio, no locks. It formats into a stack buffer with hand-rolled decimal/hex
// code, looks names up in tables prepared by install_sigsys_reporter() (plain static data: the
// constexpr syscall tables of sysfence/arch), writes the line with write(2), then either calls
// _exit(exit_status) or sets the syscall's return register to -errno and returns. Errno mode
// saves and restores `errno` around its own write.
//
// The exit status: 159 = 128 + SIGSYS (31) by default, the number a shell shows for a process
// killed by SIGSYS, so scripts treat it alike; it is a normal exit (WIFEXITED), which is how a
// parent tells "reported and exited" from "killed by the kernel" (WIFSIGNALED, SIGSYS).
//
// What the filter must allow for the handler to work: write(2) (to the chosen fd), exit_group
// (Exit mode: glibc's _exit calls exit_group, then exit), rt_sigreturn (ReturnErrno mode). If
// the handler's own syscall is trapped while SIGSYS is blocked, the kernel kills the process with
// SIGSYS (no loop): the report is lost, the failure is still closed.
//
// Argument display: names come from arch::syscall_arg_names(). Values print in decimal when
// below 0x10000, as negative decimals from -4095 to -1, in hex otherwise; arguments whose name
// marks a pointer (buf, path, addr, ...) or a flag set (flags, prot, ...) always print in hex,
// `mode` in octal. Unknown syscalls print as `syscall_1234(arg0=..., ..., arg5=...)`; an
// unknown arch as `on arch 0x12345678`. x32 calls (nr | 0x40000000) use the x32 table; i386 calls
// made through int 0x80 on x86_64 read ebx, ecx, edx, esi, edi, ebp.
//
// Known weaknesses:
// - Only x86_64 (with its x32 and i386 ABIs) and aarch64 register layouts are decoded; on other
//   targets the arguments print as 0 and ReturnErrno mode is unavailable.
// - Argument names are names, not types: a value can be shown in a base that does not suit it.
// - SIGSYS from kill(2)/tgkill (si_code != SYS_SECCOMP) is reported as such and handled like a
//   trap (exit, or return in errno mode without touching registers).
// - One process-wide disposition: installing again replaces the options; a SIGSYS handler
//   installed later by someone else replaces this one.
#pragma once

#include <signal.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sysfence/result.hpp"

namespace sysfence::report {

inline constexpr int kDefaultExitStatus = 159;  // 128 + SIGSYS
inline constexpr size_t kMaxLineLength = 512;   // the handler's buffer; longer lines are cut

enum class OnTrap {
  Exit,         // report, then _exit(exit_status)
  ReturnErrno,  // report, then the trapped syscall returns -1 with errno_value in the caller
};

struct ReporterOptions {
  OnTrap on_trap = OnTrap::Exit;
  int exit_status = kDefaultExitStatus;  // 0..255
  int errno_value = ENOSYS;              // 1..4095
  // ReturnErrno: when the filter's RET_TRAP carries data (1..4095), return that errno instead.
  bool errno_from_trap_data = false;
  int fd = 2;                // where the line goes
  bool quiet = false;        // no line (only exit / errno)
  bool on_altstack = false;  // SA_ONSTACK (set up sigaltstack yourself)
};

// Installs the SIGSYS handler (sigaction, SA_SIGINFO) and prepares the name tables. The
// previous disposition is kept for remove_sigsys_reporter().
Result<void> install_sigsys_reporter(const ReporterOptions& opts = {});
// Restores the disposition install_sigsys_reporter() replaced.
Result<void> remove_sigsys_reporter();

// One trapped syscall, decoded.
struct BlockedCall {
  uint32_t arch = 0;  // AUDIT_ARCH_* (si_arch)
  int32_t nr = 0;     // as in seccomp_data.nr (si_syscall; x32 includes 0x40000000)
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  uint64_t call_addr = 0;  // si_call_addr: the address after the syscall instruction
  uint16_t trap_data = 0;  // the RET_TRAP data (si_errno)
};

// Decodes a SIGSYS from its siginfo and ucontext (the handler's third argument). Returns false
// when si_code is not SYS_SECCOMP. Async-signal-safe.
bool decode_sigsys(const siginfo_t* si, const void* ucontext, BlockedCall* out) noexcept;

// Writes the report line (with its '\n') into buf, NUL-terminated when size > 0, cut to fit;
// returns the length without the NUL. returned_errno != 0 appends ", returning ENAME (N)".
// Async-signal-safe once the tables are prepared (install_sigsys_reporter() or a first call
// from normal context prepares them).
size_t format_blocked_call(const BlockedCall& call, char* buf, size_t size,
                           int returned_errno = 0) noexcept;
std::string format_blocked_call(const BlockedCall& call, int returned_errno = 0);

}  // namespace sysfence::report
