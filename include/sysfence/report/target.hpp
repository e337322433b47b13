// sysfence/report/target.hpp — decoding a syscall seen by a supervisor (user notification, as
// `sysfence run --report` does): which arguments are file paths, reading a string from the
// target's memory, and formatting the call.
//
//   std::string s = sysfence::report::format_call(notif.data, notif.pid, true, nullptr, nullptr);
//   // "openat(dfd=-100, filename=\"/etc/shadow\" (observed), flags=0x0, mode=0x0)"
//
// Everything read here is OBSERVED, racily: another thread of the target can change the memory
// after we read it (TOCTOU). It is printed as a diagnostic and never used for a decision.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::report {

// The arch a seccomp_data comes from, as the compiled filter splits them: on kAuditArchX86_64,
// nr 0x40000000..0xfffffffe is the x32 door (bit 30 marks x32 calls; the kernel runs nothing for
// numbers above them), below that x86_64; nr -1 (a tracer's skip) is the native door's.
std::optional<arch::Arch> arch_of(const bpf::SeccompData& d);

// Indices of the arguments of `syscall` that point at a NUL-terminated path; empty when none.
std::span<const uint8_t> path_args(std::string_view syscall);

// Reads a NUL-terminated string of at most `max` bytes at `addr` in thread `tid`
// (process_vm_readv, falling back to /proc/TID/mem). nullopt when unreadable.
std::optional<std::string> read_target_string(pid_t tid, uint64_t addr, size_t max = 4096);

// "unshare(flags=0x10000000)" or "openat(dfd=-100, filename=\"/etc/x\", flags=0x0, mode=0x0)".
// Paths are read from `tid` when `read_paths`; `still_valid` is asked after reading (the target
// may have been replaced), and paths are dropped when it says no.
std::string format_call(const bpf::SeccompData& d, pid_t tid, bool read_paths,
                        bool (*still_valid)(void*), void* ctx);

// The thread group (process) id of a thread, from /proc/TID/status; `tid` itself when unknown.
pid_t tgid_of(pid_t tid);

// A printable name for a syscall number on the data's arch ("syscall 1234" when unknown).
std::string syscall_label(const bpf::SeccompData& d);

}  // namespace sysfence::report
