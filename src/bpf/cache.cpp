#include "sysfence/bpf/cache.hpp"

#include <algorithm>

#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {

bool is_const_allow(std::span<const Insn> prog, uint32_t audit_arch, int32_t nr) {
  uint32_t a = 0;
  // 64-bit pc: a huge JA offset runs off the end instead of wrapping around.
  for (uint64_t pc = 0; pc < prog.size(); ++pc) {
    const Insn& in = prog[pc];
    switch (in.code) {
      case LD | W | ABS:
        if (in.k == kOffNr)
          a = static_cast<uint32_t>(nr);
        else if (in.k == kOffArch)
          a = audit_arch;
        else
          return false;  // arguments or the instruction pointer: not constant
        break;
      case RET | K: return in.k == kRetAllow;
      case JMP | JA: pc += in.k; break;
      case JMP | JEQ | K: pc += a == in.k ? in.jt : in.jf; break;
      case JMP | JGE | K: pc += a >= in.k ? in.jt : in.jf; break;
      case JMP | JGT | K: pc += a > in.k ? in.jt : in.jf; break;
      case JMP | JSET | K: pc += (a & in.k) != 0 ? in.jt : in.jf; break;
      case ALU | AND | K: a &= in.k; break;
      default: return false;
    }
  }
  return false;  // ran off the end (impossible for a verified program)
}

bool stack_is_const_allow(std::span<const Program> filters, uint32_t audit_arch, int32_t nr) {
  for (const Program& f : filters) {
    if (!is_const_allow(f, audit_arch, nr)) return false;
  }
  return true;
}

std::vector<bool> const_allow_bitmap(std::span<const Insn> prog, uint32_t audit_arch,
                                     int32_t first_nr, size_t count) {
  std::vector<bool> bits(count);
  for (size_t i = 0; i < count; ++i) {
    bits[i] =
        is_const_allow(prog, audit_arch, static_cast<int32_t>(first_nr + static_cast<int64_t>(i)));
  }
  return bits;
}

std::vector<bool> stack_const_allow_bitmap(std::span<const Program> filters, uint32_t audit_arch,
                                           int32_t first_nr, size_t count) {
  std::vector<bool> bits(count, true);
  for (const Program& f : filters) {
    const std::vector<bool> one = const_allow_bitmap(f, audit_arch, first_nr, count);
    for (size_t i = 0; i < count; ++i) bits[i] = bits[i] && one[i];
  }
  return bits;
}

size_t ArchCache::cached_count() const {
  size_t n = 0;
  for (bool b : cached) n += b;
  return n;
}

size_t ArchCache::cached_named_count() const {
  size_t n = 0;
  for (const arch::SyscallEntry& e : arch::syscalls(arch)) {
    const int64_t i = int64_t{e.nr} - first_nr;
    if (i >= 0 && static_cast<size_t>(i) < cached.size() && cached[static_cast<size_t>(i)]) ++n;
  }
  return n;
}

namespace {

ArchCache cache_frame(arch::Arch a) {
  const arch::ArchInfo& info = arch::info(a);
  ArchCache c;
  c.arch = a;
  c.audit_arch = info.audit_arch;
  c.first_nr = static_cast<int32_t>(info.nr_bit);
  c.kernel_caches = info.nr_bit == 0;
  int32_t max_nr = c.first_nr;
  for (const arch::SyscallEntry& e : arch::syscalls(a)) max_nr = std::max(max_nr, e.nr);
  c.cached.assign(static_cast<size_t>(max_nr - c.first_nr) + 1, false);
  return c;
}

}  // namespace

ArchCache analyze_cache(std::span<const Insn> prog, arch::Arch a) {
  ArchCache c = cache_frame(a);
  c.cached = const_allow_bitmap(prog, c.audit_arch, c.first_nr, c.cached.size());
  return c;
}

ArchCache analyze_stack_cache(std::span<const Program> filters, arch::Arch a) {
  ArchCache c = cache_frame(a);
  c.cached = stack_const_allow_bitmap(filters, c.audit_arch, c.first_nr, c.cached.size());
  return c;
}

}  // namespace sysfence::bpf
