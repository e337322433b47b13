// sysfence/bpf/cache.hpp — which syscalls the kernel's constant-allow cache skips entirely.
//
//   using namespace sysfence::bpf;
//   bool fast = is_const_allow(prog, kAuditArchX86_64, 39);    // getpid never runs the filter?
//   ArchCache c = analyze_cache(prog, sysfence::arch::Arch::X86_64);
//   c.cached_count();                                           // how many syscalls are cached
//   bool all = stack_is_const_allow(std::vector<Program>{newer, older}, kAuditArchX86_64, 39);
//
// Since Linux 5.11, when a filter is attached the kernel decides, for each (arch, nr) of the
// arches it has a bitmap for, whether the filter ALWAYS returns exactly SECCOMP_RET_ALLOW
// whatever the arguments and instruction pointer; such syscalls then run no BPF at all. The
// decision (seccomp_is_const_allow) walks ONE path from instruction 0 with only the
// accumulator, given nr and arch:
//   LD W ABS at offset 0 (nr) or 4 (arch)  -> load it;      any other offset -> not cached
//   JA                                     -> pc += k
//   JEQ/JGE/JGT/JSET with K                -> follow the branch the value takes
//   ALU AND K                              -> A &= k
//   RET K                                  -> cached iff k == 0x7fff0000 exactly
//   anything else (X, scratch, other ALU, RET A, LD IMM, LEN, running off the end) -> not cached
// A filter stack caches a syscall only if every filter in it does (the kernel ANDs the bitmap
// of the new filter into the inherited one).
//
// Known weaknesses: the kernel only has bitmaps for the native arch and its compat arch (on
// x86_64: X86_64 and I386, numbers below its NR_syscalls); x32 numbers (bit 30 set) are never
// cached, and numbers past the kernel's table are never cached. analyze_cache() marks those with
// kernel_caches = false but still reports what the filter alone would allow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"

namespace sysfence::bpf {

// The kernel's seccomp_is_const_allow for one (arch, nr). `prog` is the original filter.
bool is_const_allow(std::span<const Insn> prog, uint32_t audit_arch, int32_t nr);

// True only if every filter of the stack is const-allow for (arch, nr).
bool stack_is_const_allow(std::span<const Program> filters, uint32_t audit_arch, int32_t nr);

// bitmap[i] == is_const_allow(prog, audit_arch, first_nr + i), for i < count.
std::vector<bool> const_allow_bitmap(std::span<const Insn> prog, uint32_t audit_arch,
                                     int32_t first_nr, size_t count);
std::vector<bool> stack_const_allow_bitmap(std::span<const Program> filters, uint32_t audit_arch,
                                           int32_t first_nr, size_t count);

struct ArchCache {
  arch::Arch arch{};
  uint32_t audit_arch = 0;
  int32_t first_nr = 0;         // numbers covered: first_nr .. first_nr + cached.size() - 1
  std::vector<bool> cached;     // one entry per number, named syscall or not
  bool kernel_caches = true;    // false for x32: the kernel has no bitmap for it
  size_t cached_count() const;  // entries set
  // Cached entries that name a syscall of the arch's table.
  size_t cached_named_count() const;
};

// Over 0..max syscall number of the arch (x32: with the 0x40000000 bit).
ArchCache analyze_cache(std::span<const Insn> prog, arch::Arch a);
ArchCache analyze_stack_cache(std::span<const Program> filters, arch::Arch a);

}  // namespace sysfence::bpf
