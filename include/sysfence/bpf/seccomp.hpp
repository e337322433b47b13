// sysfence/bpf/seccomp.hpp — the kernel's seccomp ABI: struct seccomp_data and the return
// actions, with the precedence the kernel applies across stacked filters.
//
//   using namespace sysfence::bpf;
//   SeccompData d = SeccompData::make(kAuditArchX86_64, 39 /* getpid */);
//   uint32_t r = ret_errno(EPERM);            // 0x00050001
//   action_name(r);                           // "errno(1)"
//   more_restrictive(kRetKillProcess, r);     // true
//
// These are kernel facts (include/uapi/linux/seccomp.h, audit.h), written as constants so that
// code that is not on Linux, or on an older header, still compiles the same numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "sysfence/arch/arch.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

// struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
struct SeccompData {
  int32_t nr = 0;
  uint32_t arch = 0;
  uint64_t instruction_pointer = 0;
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};

  static SeccompData make(uint32_t arch, int32_t nr, uint64_t a0 = 0, uint64_t a1 = 0,
                          uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) {
    SeccompData d;
    d.arch = arch;
    d.nr = nr;
    d.args[0] = a0;
    d.args[1] = a1;
    d.args[2] = a2;
    d.args[3] = a3;
    d.args[4] = a4;
    d.args[5] = a5;
    return d;
  }
};
static_assert(sizeof(SeccompData) == 64, "seccomp_data is 64 bytes");

inline constexpr uint32_t kOffNr = 0;
inline constexpr uint32_t kOffArch = 4;
inline constexpr uint32_t kOffIpLo = 8;
inline constexpr uint32_t kOffIpHi = 12;
// Word offsets of args[i] on a little-endian ABI (x86, arm, aarch64, riscv64, ...).
inline constexpr uint32_t arg_lo(unsigned i) { return 16 + 8 * i; }
inline constexpr uint32_t arg_hi(unsigned i) { return 16 + 8 * i + 4; }
// The same for either byte order: a big-endian ABI (mips, ppc, s390, parisc, m68k, sheb) keeps
// the u64's high word first, at 16 + 8i.
inline constexpr uint32_t arg_lo(unsigned i, bool big_endian) {
  return 16 + 8 * i + (big_endian ? 4 : 0);
}
inline constexpr uint32_t arg_hi(unsigned i, bool big_endian) {
  return 16 + 8 * i + (big_endian ? 0 : 4);
}
// A seccomp_data.arch value without __AUDIT_ARCH_LE (0x40000000) is a big-endian ABI.
inline constexpr bool audit_arch_big_endian(uint32_t audit_arch) {
  return (audit_arch & 0x40000000U) == 0;
}
inline constexpr uint32_t kSeccompDataSize = 64;

// AUDIT_ARCH_* values (linux/audit.h), named kAuditArch* so that this header and
// <linux/audit.h> (whose AUDIT_ARCH_* are macros, and which <seccomp.h> includes) can be used
// in one file, in either order.
inline constexpr uint32_t kAuditArchX86_64 = 0xC000003E;
inline constexpr uint32_t kAuditArchI386 = 0x40000003;
inline constexpr uint32_t kAuditArchAArch64 = 0xC00000B7;
inline constexpr uint32_t kAuditArchArm = 0x40000028;
inline constexpr uint32_t kAuditArchRiscV64 = 0xC00000F3;
// x32 has no audit arch of its own: it is kAuditArchX86_64 with this bit set in nr.
inline constexpr uint32_t kX32SyscallBit = arch::kX32SyscallBit;

// SECCOMP_RET_* (linux/seccomp.h).
inline constexpr uint32_t kRetKillProcess = 0x80000000U;
inline constexpr uint32_t kRetKillThread = 0x00000000U;
inline constexpr uint32_t kRetTrap = 0x00030000U;
inline constexpr uint32_t kRetErrno = 0x00050000U;
inline constexpr uint32_t kRetUserNotif = 0x7fc00000U;
inline constexpr uint32_t kRetTrace = 0x7ff00000U;
inline constexpr uint32_t kRetLog = 0x7ffc0000U;
inline constexpr uint32_t kRetAllow = 0x7fff0000U;
inline constexpr uint32_t kRetActionFull = 0xffff0000U;
inline constexpr uint32_t kRetData = 0x0000ffffU;

inline constexpr uint32_t ret_errno(uint16_t e) { return kRetErrno | e; }
inline constexpr uint32_t ret_trace(uint16_t msg) { return kRetTrace | msg; }
inline constexpr uint32_t ret_trap(uint16_t data) { return kRetTrap | data; }
inline constexpr uint32_t action_of(uint32_t ret) { return ret & kRetActionFull; }
inline constexpr uint16_t data_of(uint32_t ret) { return static_cast<uint16_t>(ret & kRetData); }

// The kernel keeps the return value whose action, read as a signed 32-bit number, is lowest:
// KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF > TRACE > LOG > ALLOW.
// Unknown actions rank by the same rule (and the kernel treats them as KILL_PROCESS when run).
inline constexpr bool more_restrictive(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(action_of(a)) < static_cast<int32_t>(action_of(b));
}

// "allow", "errno(1)", "trace(7)", "trap(0)", "kill_process", "user_notif", "log",
// "kill_thread", or "unknown(0x........)". Data is shown for errno, trace and trap only
// (and for others when non-zero, as "allow+0x1").
std::string action_name(uint32_t ret);

}  // namespace sysfence::bpf

SYSFENCE_API_END
