// bench/adapters.cpp — the library's emulator and cache analysis behind bench's small API.
// TEMPORARY: cacheable() is a stand-in until include/sysfence/bpf/cache.hpp lands.
#include "common.hpp"

#include <cstdio>
#include <cstdlib>
#include <span>

#include "sysfence/bpf/emulate.hpp"

namespace bench {
using namespace sysfence::bpf;

EmuResult emulate(const Program& p, const SeccompData& d) {
  auto r = sysfence::bpf::emulate(std::span<const Insn>(p), d);
  if (!r) {
    std::fprintf(stderr, "emulate: %s\n", r.error().render().c_str());
    std::abort();
  }
  return {r->ret, static_cast<uint32_t>(r->executed)};
}

bool cacheable(const Program& p, Arch a, int32_t nr) {
  const auto& inf = sysfence::arch::info(a);
  uint32_t A = 0;
  for (size_t pc = 0; pc < p.size(); ++pc) {
    const Insn& i = p[pc];
    switch (i.code) {
      case LD | W | ABS:
        if (i.k == 0) A = static_cast<uint32_t>(nr | static_cast<int32_t>(inf.nr_bit));
        else if (i.k == 4) A = inf.audit_arch;
        else return false;
        break;
      case JMP | JA: pc += i.k; break;
      case JMP | JEQ | K: pc += A == i.k ? i.jt : i.jf; break;
      case JMP | JGE | K: pc += A >= i.k ? i.jt : i.jf; break;
      case JMP | JGT | K: pc += A > i.k ? i.jt : i.jf; break;
      case JMP | JSET | K: pc += (A & i.k) ? i.jt : i.jf; break;
      case ALU | AND | K: A &= i.k; break;
      case RET | K: return i.k == kRetAllow;
      default: return false;
    }
  }
  return false;
}
}  // namespace bench
