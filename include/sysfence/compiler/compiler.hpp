// sysfence/compiler/compiler.hpp — policy IR to classic BPF, optimized for the kernel.
//
//   auto policy = sysfence::ir::ValidatedPolicy::build(spec);
//   sysfence::Result<sysfence::bpf::Program> prog = sysfence::compiler::compile(*policy);
//   if (!prog) std::cerr << prog.error().render();
//
// The program checks the arch first, then dispatches on the syscall number with a decision tree
// over merged ranges covering all 2^32 numbers, then runs only that syscall's argument checks.
// Unconditional allows end in exactly RET 0x7fff0000 so the kernel's constant-allow cache takes
// them (no BPF runs for those syscalls at all). Output is deterministic for a given policy.
//
// How (src/compiler): per door (one value of seccomp_data.arch; x86_64 and x32 share one and
// are told apart by number range, so x32 numbers are just more ranges of the x86_64 tree, bad
// arch unless x32 is targeted) each number gets its decision: its rules, most restrictive
// action first, each action's rules one decision diagram over the 32-bit argument words
// (compiler/args.hpp: a word read by many rules is tested once, its values split into merged
// intervals; value sets, also under one mask and as halves of 64-bit values, are searched as
// trees in tiers by rule order; 64-bit comparisons high word first, halves with a zero mask
// skipped, JSET for flag tests, AND+JEQ for masks);
// equal neighbours merge into ranges; an interval DP (Knuth-bounded) picks the minimum-cost
// tree of JGE splits, where a leaf may also test up to four lone numbers with JEQ. Under the
// default weighting the tree is also depth-bounded: no syscall pays more dispatch instructions
// than a balanced search over the k numbers with rules would (ceil(log2 k) + 1), so a light
// syscall (one refused by a short deny list, say) never sinks below the cached allows. The
// instruction graph is hash-consed with jump threading, and emitted back to front; jumps past
// 255 reuse an in-reach RET copy or trampoline before adding a JA.
//
// Measured on Docker's default profile, x86_64 (executed instructions, emulator; all
// capabilities): CacheAware 8.73 mean over the allowed syscalls (max 18) and 8.72 over the paths
// the kernel cannot cache; Uniform 7.73 / 10.82; libseccomp 2.5.4's binary tree 15.45 / 17.21,
// and on no syscall fewer than sysfence's default (tests/compiler, LibseccompCost). Compile time
// about 22 us for that policy on one arch, 110 us for x86_64+i386+x32 (docs/benchmarks.md).
//
// Known weaknesses: the tree is optimal for its cost model (weights × depth, splits and lone
// numbers), not over every possible BPF program, and the depth bound is met by re-weighting
// (a few rounds), not proven optimal; the bound is a balanced tree's, so on a short deny list
// a syscall libseccomp happens to place near its root can cost one instruction more here;
// the weights are static guesses unless a FrequencyProfile is given. Argument rules: a family
// like `arg0 >= 10i && arg1 <= 10i+5` (i < 1000) compiles in ~20 ms, not linear time (each of
// arg0's intervals lists the rules it satisfies); on some probes of very large value sets
// under several words (fcntl, 1000 rules) a value costs up to 10 instructions more than in
// libseccomp's tree; past kMaxVars words or other bounds a syscall's rules are tested one
// after another as before. Stacking (compile_stack) splits at syscall granularity by halving
// estimated sizes: it may use one filter more than the fewest possible, each extra filter costs
// ~20 ns on every uncached syscall, and compile time is a few compilations of the policy.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::compiler {

// How the dispatch tree weighs each syscall number when it picks split points.
enum class Weighting : uint8_t {
  // Default. Syscalls the kernel's cache answers (unconditional allows) weigh ~0; the paths
  // that really run BPF (argument checks, errno, notify, log, trace, kill) count.
  CacheAware,
  // Every syscall the policy can let through (allow, log, trace, user_notif) weighs the same;
  // one it always refuses weighs 1/4 (a working program rarely calls those). Best for kernels
  // before 5.11, or when another filter in the stack makes everything uncacheable.
  Uniform,
};

// Measured call frequencies, per arch and syscall number (e.g. from `sysfence learn`); x32
// numbers include bit 30. Relative counts: a number missing from the profile counts as the
// smallest frequency in it. Under CacheAware, cached allows still weigh a tenth of their count.
// With a profile, compile() builds the profile-weighted tree and the trees of the other
// weightings, and keeps the one with the fewest instructions per call on the profile as the
// kernel runs it (cached allows run none; arguments taken as 0), ties broken by the mean with
// every call running the filter: `--freq` is never worse than the default or uniform weighting
// on the profiled workload. compile_stack() uses the profile's weights only.
using FrequencyProfile = std::map<std::pair<arch::Arch, int32_t>, double>;

struct Options {
  Weighting weighting = Weighting::CacheAware;
  const FrequencyProfile* profile = nullptr;  // overrides the weighting where it has data
  // CacheAware: what an unconditional allow weighs against 1 for a syscall that runs BPF (0.1:
  // the trade-off between the two means in docs/benchmarks.md, "dispatch weighting").
  double cached_weight = 0.1;
  // CacheAware, true: then a second tree, the exact minimum of Uniform's cost (every allowed
  // syscall counted, as on a kernel without the cache) with no uncached path paying more
  // dispatch instructions than in the first tree (+ refine_slack), and none more than a
  // balanced search over the numbers with rules. Off by default: an O(n³ · depth) DP (about
  // 0.8 ms on Docker's profile against 50 µs for the whole compile), and with no slack it finds
  // no better tree on Docker's or Podman's profile (docs/benchmarks.md, "dispatch weighting").
  bool refine_for_all = false;
  // The second tree may give each uncached path this many dispatch instructions more than the
  // first (still within the balanced-search bound): the trade-off benchmark's knob.
  size_t refine_slack = 0;
};

// Errors: a program longer than 4096 instructions (the message names the size; compile_stack()
// splits such a policy).
Result<bpf::Program> compile(const ir::ValidatedPolicy& policy, const Options& options = {});

// The policy as the filters to install, in install order (loader::install_filters() takes the
// list as it is). Almost always one program, the same compile() returns. A policy whose program
// would pass 4096 instructions becomes a stack: its syscalls with rules are cut into runs, each
// run decided in one filter with ALLOW for everything else; the last filter (the base) also
// decides the arch check, unknown numbers, the numbers without rules and seccomp(2) itself: it
// is installed last, because once it is on, a policy that refuses seccomp(2) refuses the next
// install; every filter before it allows seccomp(2). Each syscall is decided
// in exactly one filter and every other one returns ALLOW for it, so the kernel's precedence
// (most restrictive action wins) gives that filter's answer whatever the order, and syscalls the
// base allows unconditionally stay in the kernel's constant-allow cache (every filter allows them
// without looking at arguments).
// Errors: one syscall's rules alone past 4096 instructions; notify rules spread over two filters
// (one listener serves one filter).
Result<std::vector<bpf::Program>> compile_stack(const ir::ValidatedPolicy& policy,
                                                const Options& options = {});

}  // namespace sysfence::compiler

SYSFENCE_API_END
