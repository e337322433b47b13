// src/cli/cache_glue.hpp — the kernel's constant-allow cache, summed up per arch for `check`.
#pragma once

#include <cstddef>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"

namespace sysfence::cli {

struct CacheSummary {
  size_t syscalls = 0;          // syscalls in the arch's table
  size_t allowed = 0;           // allowed with all-zero arguments (emulator)
  size_t cached = 0;            // the kernel marks them always-allowed: no BPF runs at all
  size_t allowed_uncached = 0;  // allowed, but BPF runs for every call (argument checks, ...)
  bool kernel_caches = true;    // false for x32: the kernel keeps no bitmap for it
};

CacheSummary cache_summary(const bpf::Program& prog, arch::Arch a);

}  // namespace sysfence::cli
