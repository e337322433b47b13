// sysfence/diff/diff.hpp — decide exactly where two seccomp filters (or stacks of filters)
// return different values, by symbolic execution of classic BPF over the words of seccomp_data.
//
//   using namespace sysfence;
//   auto a = diff::FilterGraph::from_program(prog_a);            // Result (verified first)
//   auto b = diff::FilterGraph::reference(policy);               // the policy's meaning, naively
//   Result<diff::DiffResult> d = diff::compare({&*a, 1}, {&*b, 1});
//   if (d && d->differences.empty()) ... // equivalent on every input
//   for (const diff::Difference& x : d->differences)
//     std::cout << diff::describe_args(x.region, arch::Arch::X86_64, "clone");  // "u32(flags) & 0x10000000"
//
// Why exact: classic BPF for seccomp has no loops (forward jumps only) and compares a value
// loaded from seccomp_data (possibly ANDed with a constant) with a constant. So every path of a
// program is a conjunction of constraints on single 32-bit words: an interval, a fixed-bits
// mask, excluded values and excluded masked patterns. An ordering of a masked word ((x & m) > k,
// JGT/JGE after AND) splits its path into the disjoint fixed-bit patterns that decide it (at
// most popcount(m) + 1 per side), so it stays exact. JEQ/JGT/JGE/JSET take K or a constant in X;
// a constant in A against a loaded word in X is the mirrored test. compare() enumerates the paths of A; for
// each, the paths of B inside that region (infeasible branches pruned by an exact satisfiability
// test per word); every pair with different return values is one Difference: a region of the
// input space (a conjunction, not a sample) plus a concrete example input. The regions of the
// differences are disjoint and cover exactly the inputs on which A and B disagree.
//
// Stacks: a side may be several filters (newest first); their values combine with the kernel's
// precedence (bpf::emulate_stack), so a live process's stack can be compared.
//
// Known weaknesses: a program that computes on loaded words other than AND with a constant
// (ADD, shifts, OR...), compares two loaded words with each other, or returns a loaded value
// (RET A of a word) is refused with an error naming the instruction, never answered inexactly.
// sysfence's compiler and libseccomp emit none of these.
// The work is bounded (Limits: steps, open paths, differences); a pair of filters beyond it is an
// error, not a partial answer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::diff {

// A loop-free program with absolute jump targets (no 8-bit limit): a verified classic program,
// or a reference lowering that never goes to the kernel.
struct Node {
  uint16_t code = 0;
  uint32_t k = 0;
  uint32_t jt = 0, jf = 0;  // absolute indices (jumps only); always greater than the node's own
};

class FilterGraph {
 public:
  // Verifies the program (bpf::verify) first.
  static Result<FilterGraph> from_program(const bpf::Program& prog);
  // The policy's meaning (ir/policy.hpp) as a straightforward chain — arch, then each number
  // with rules, its rules most restrictive first, each comparison as written — written
  // independently of the compiler, to prove the compiler's output equivalent to it.
  static FilterGraph reference(const ir::ValidatedPolicy& policy);
  const std::vector<Node>& nodes() const { return nodes_; }

 private:
  std::vector<Node> nodes_;
};

// The values one 32-bit word may take in a region: lo <= x <= hi, (x & must_mask) == must_value,
// x not in not_values, and (x & m) != v for each (m, v) in not_masked.
struct WordSet {
  uint32_t lo = 0, hi = 0xffffffffU;
  uint32_t must_mask = 0, must_value = 0;
  std::vector<uint32_t> not_values;
  std::vector<std::pair<uint32_t, uint32_t>> not_masked;

  bool unconstrained() const {
    return lo == 0 && hi == 0xffffffffU && must_mask == 0 && not_values.empty() &&
           not_masked.empty();
  }
  bool contains(uint32_t x) const;
  // The smallest member, or nullopt when the set is empty. `budget` bounds the search steps
  // (decremented; at 0 the answer is nullopt and *budget == 0 tells the caller it gave up).
  std::optional<uint32_t> smallest(uint64_t* budget) const;
};

// Word i of seccomp_data is bytes 4i..4i+3: 0 nr, 1 arch, 2/3 instruction pointer, 4+2j / 5+2j
// argument j (low/high on a little-endian ABI, high/low on a big-endian one).
struct Region {
  std::array<WordSet, 16> words;
};

struct Difference {
  Region region;
  uint32_t ret_a = 0, ret_b = 0;
  bpf::SeccompData example;  // one input in the region
};

struct DiffResult {
  std::vector<Difference> differences;
  uint64_t paths_a = 0;  // feasible paths explored
  uint64_t pairs = 0;    // feasible (path of A, path of B) pairs
  uint64_t steps = 0;    // symbolic steps taken (Limits::max_steps bounds it)
};

struct Limits {
  uint64_t max_steps = 500'000'000;  // instructions executed symbolically, both sides
  uint64_t max_differences = 200'000;
  uint64_t max_open_paths = 200'000;  // paths explored later, held at once (memory)
};

// Newest first on each side. Errors: an unsupported instruction (see above), limits exceeded.
Result<DiffResult> compare(std::span<const FilterGraph> a, std::span<const FilterGraph> b,
                           const Limits& limits = {});

// ---- describing regions -------------------------------------------------------------------
// The known arches whose audit value and syscall numbers are in the region: for each, the
// syscall numbers of its table in the region, and whether numbers outside its table are too.
struct RegionSyscalls {
  arch::Arch arch;
  std::vector<int32_t> numbers;         // table numbers in the region, sorted
  bool other_numbers = false;           // numbers no table names (also in the region)
  uint32_t other_lo = 0, other_hi = 0;  // their interval (bounds of the region's nr word)
};
std::vector<RegionSyscalls> syscalls_in(const Region& r);
// Arch values in the region that no known ABI uses.
bool other_arches_in(const Region& r);

// The argument conditions of a region in the policy language ("u32(flags) & 0x10000000 &&
// arg1 == 3"); argument names of `syscall` on `a` when given, else arg0..arg5. Empty when the
// arguments are unconstrained. The instruction pointer, when constrained, appears as `ip`.
std::string describe_args(const Region& r, arch::Arch a, std::string_view syscall = {});

}  // namespace sysfence::diff
