// sysfence/arch/arch.hpp — the ABIs sysfence compiles for, and their syscall tables.
//
//   using namespace sysfence::arch;
//   auto nr = syscall_number(Arch::X86_64, "openat");      // 257
//   auto nm = syscall_name(Arch::X32, 0x40000000 | 257);    // "openat"
//   const ArchInfo& a = info(Arch::I386);                   // a.audit_arch == 0x40000003
//   auto mux = multiplexed_call(Arch::S390X, "socket");     // {102 (socketcall), 1 (SYS_SOCKET)}
//   syscall_number(Arch::Mips, "read");                     // 4003 (o32 numbers start at 4000)
//   auto guess = nearest_syscall_name("opnat");             // "openat"
//   auto args = syscall_arg_names("openat");                // {"dirfd", "pathname", "flags", "mode"}
//
// The tables are generated (scripts/gen_syscalls.py) from Debian's uapi headers plus the
// syscalls newer than them, and committed as constexpr data (src/arch/syscalls_table.inc).
// x32 numbers are stored WITH the 0x40000000 bit, as the kernel sees them in seccomp_data.nr.
// Argument names come from scripts/gen_syscall_args.py (man section 2). Named constants (O_*,
// CLONE_*, errno, signals...) per ABI are in sysfence/arch/constants.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::arch {

// Every ABI libseccomp knows. The first six have named constants (constants.hpp) and run
// here (x86_64, i386, x32 live); the others have syscall tables and compile, emulate and
// disassemble, but constants.hpp has no values for them (a policy naming O_CREAT for mips is an
// error, not a guess).
enum class Arch : uint8_t {
  X86_64,
  I386,
  X32,
  AArch64,
  Arm,
  RiscV64,
  Mips,
  MipsEl,
  Mips64,
  Mips64El,
  Mips64N32,
  Mips64N32El,
  Ppc,
  Ppc64,
  Ppc64Le,
  S390,
  S390X,
  Parisc,
  Parisc64,
  LoongArch64,
  M68K,
  Sh,
  ShEb,
};
inline constexpr int kArchCount = 23;

// x32 has no audit arch of its own: it is x86_64's with this bit set in seccomp_data.nr.
inline constexpr uint32_t kX32SyscallBit = 0x40000000;

struct ArchInfo {
  Arch arch;
  std::string_view name;  // "x86_64", "i386", "x32", "aarch64", "arm", "riscv64", "mips", ...
  uint32_t audit_arch;    // AUDIT_ARCH_* value seen in seccomp_data.arch
  uint32_t nr_bit;        // bit ORed into nr (kX32SyscallBit for x32, else 0)
  bool args_are_64bit;    // false: only the low 32 bits of args are meaningful
  // seccomp_data.args[i] is a u64 in the ABI's byte order: on a big-endian ABI the high word
  // is at the lower offset (16 + 8i), the low word at 16 + 8i + 4. (No __AUDIT_ARCH_LE bit.)
  bool big_endian = false;
  // First syscall number (MIPS o32 4000, n64 5000, n32 6000; 0 elsewhere). Numbers in the
  // tables already include it, as seccomp_data.nr does.
  int32_t nr_base = 0;
  // The multiplexers, where the ABI has them (-1: none). socketcall(call, args) takes the
  // SYS_SOCKET.. call number in args[0]; ipc(call, ...) the SEMOP.. call number in args[0].
  // See multiplexed_call() for which names go through them.
  int32_t socketcall_nr = -1;
  int32_t ipc_nr = -1;
  // The ABI's names elsewhere: libseccomp's arch token (SCMP_ARCH_* value: the audit value,
  // except x32's own 0x4000003e) and name (seccomp_arch_resolve_name: "x86", "mipsel64"), the
  // OCI/Docker spelling ("SCMP_ARCH_X86") and the GOARCH-style name moby uses ("amd64").
  uint32_t scmp_token = 0;
  std::string_view scmp_name;
  std::string_view oci_name;
  std::string_view go_name;
};

// The arches whose calls arrive with the same seccomp_data.arch as `a` (x86_64 and x32), `a`
// included, by ascending nr_bit: each owns the numbers from its nr_bit up to the next one's.
std::vector<Arch> audit_arch_partners(Arch a);

struct SyscallEntry {
  std::string_view name;
  int32_t nr;  // as seen in seccomp_data.nr (x32 includes the bit)
};

std::span<const ArchInfo> all_arches();
const ArchInfo& info(Arch a);
std::optional<Arch> arch_from_name(
    std::string_view name);  // accepts aliases: amd64, x86, arm64, ...
// The arch this library was built for (x86_64 on an amd64 build).
Arch native_arch();

// How `name` is reached through a multiplexer on `a`: socketcall's or ipc's number and the call
// number that args[0] carries (socket: socketcall 1; semop: ipc 1; shmat: ipc 21). nullopt where
// the ABI has no such multiplexer or the name is not one of its calls. The ABI may also have a
// direct syscall for the name (i386 since 4.3: socket is 359 as well as socketcall(1)).
struct MultiplexedCall {
  int32_t multiplexer;  // syscall number of socketcall or ipc on `a`
  uint32_t call;        // value of args[0]
};
std::optional<MultiplexedCall> multiplexed_call(Arch a, std::string_view name);

// Sorted by number.
std::span<const SyscallEntry> syscalls(Arch a);
std::optional<int32_t> syscall_number(Arch a, std::string_view name);
std::optional<std::string_view> syscall_name(Arch a, int32_t nr);
// Union of names across all arches, sorted, unique.
std::span<const std::string_view> all_syscall_names();
// Closest known name by edit distance (for "did you mean ...?"); empty if nothing is close.
std::string nearest_syscall_name(std::string_view name);

// Argument names of a syscall ("fd", "buf", "count"), as documented in man section 2.
// Empty span when unknown. Same on every arch (names, not types).
std::span<const std::string_view> syscall_arg_names(std::string_view name);
// The same for one ABI, where the order differs: clone on i386, arm and aarch64 takes
// (flags, stack, parent_tid, tls, child_tid); elsewhere, and in the overload above, tls is last.
// On a 32-bit ABI (i386, arm) a 64-bit argument (pread64's offset, fanotify_mark's mask) takes
// two registers, on arm an even/odd pair with padding before it: the span is then per register,
// with "" for the registers of a 64-bit argument and for padding, so every name sits at its real
// register (i386 pread64: {"fd", "buf", "count", "", ""}). On the other 32-bit ABIs the names
// from the first 64-bit argument on are "" (their layout is not modelled: no name, no guess).
std::span<const std::string_view> syscall_arg_names(Arch a, std::string_view name);
// True when argument `index` (a register number on 64-bit ABIs) of `syscall` is a 32-bit integer
// in the kernel (int, unsigned int, pid_t, ...: socket's domain, ioctl's request): the kernel
// ignores the upper half of its register, so a 64-bit comparison on it can be dodged with
// garbage there (0x100000002). From the man pages' types, corrected where the kernel's differ.
bool arg_is_int32(std::string_view syscall, int index);
// The two registers (low word first on little-endian ABIs) of a 64-bit argument on a 32-bit ABI;
// nullopt when `arg` is not such an argument there (on 64-bit ABIs it is one register).
std::optional<std::pair<int, int>> wide_arg_registers(Arch a, std::string_view syscall,
                                                      std::string_view arg);
// Whether the argument names of `name` are known (then an empty span means: no arguments).
bool syscall_args_known(std::string_view name);

}  // namespace sysfence::arch

SYSFENCE_API_END
