// sysfence/compiler/compiler.hpp — policy IR to classic BPF, optimized for the kernel.
//
//   auto policy = sysfence::ir::Policy::build(spec);
//   sysfence::Result<sysfence::bpf::Program> prog = sysfence::compiler::compile(*policy);
//   if (!prog) std::cerr << prog.error().render();
//
// The program checks the arch first, then dispatches on the syscall number with a decision tree
// over merged ranges covering all 2^32 numbers, then runs only that syscall's argument checks.
// Unconditional allows end in exactly RET 0x7fff0000 so the kernel's constant-allow cache takes
// them (no BPF runs for those syscalls at all). Output is deterministic for a given policy.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::compiler {

// How the dispatch tree weighs each syscall number when it picks split points.
enum class Weighting : uint8_t {
  // Default. Syscalls the kernel's cache answers (unconditional allows) weigh ~0; the paths
  // that really run BPF (argument checks, errno, notify, log, trace, kill) count.
  CacheAware,
  // Every named syscall weighs the same: best for kernels before 5.11, or when another filter
  // in the stack makes everything uncacheable.
  Uniform,
};

// Measured call frequencies, per arch and syscall number (e.g. from `sysfence learn`).
using FrequencyProfile = std::map<std::pair<arch::Arch, int32_t>, double>;

struct Options {
  Weighting weighting = Weighting::CacheAware;
  const FrequencyProfile* profile = nullptr;  // overrides the weighting where it has data
};

// Errors: a program longer than 4096 instructions (the message names the size).
Result<bpf::Program> compile(const ir::Policy& policy, const Options& options = {});

}  // namespace sysfence::compiler
