// src/cli/cache_glue.cpp — see cache_glue.hpp.
#include "cache_glue.hpp"

#include "sysfence/bpf/cache.hpp"
#include "sysfence/bpf/emulate.hpp"

namespace sysfence::cli {

CacheSummary cache_summary(const bpf::Program& prog, arch::Arch a) {
  CacheSummary s;
  auto vp = bpf::VerifiedProgram::make(prog);
  if (!vp) return s;
  const auto& info = arch::info(a);
  const bpf::ArchCache cache = bpf::analyze_cache(prog, a);
  for (const auto& sc : arch::syscalls(a)) {
    ++s.syscalls;
    auto e = bpf::emulate(*vp, bpf::SeccompData::make(info.audit_arch, sc.nr));
    if (bpf::outcome_of(e.ret).outcome != bpf::Outcome::Allow) continue;
    ++s.allowed;
    const int64_t i = static_cast<int64_t>(sc.nr) - cache.first_nr;
    const bool cached = cache.kernel_caches && i >= 0 &&
                        i < static_cast<int64_t>(cache.cached.size()) &&
                        cache.cached[static_cast<size_t>(i)];
    if (cached)
      ++s.cached;
    else
      ++s.allowed_uncached;
  }
  s.kernel_caches = cache.kernel_caches;
  return s;
}

}  // namespace sysfence::cli
