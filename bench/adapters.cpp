// bench/adapters.cpp — the library's emulator and cache analysis behind bench's small API.
#include "common.hpp"

#include <cstdio>
#include <cstdlib>
#include <span>

#include "sysfence/bpf/cache.hpp"
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
  return sysfence::bpf::is_const_allow(std::span<const Insn>(p), sysfence::arch::info(a).audit_arch,
                                       nr);
}

}  // namespace bench
