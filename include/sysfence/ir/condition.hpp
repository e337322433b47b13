// sysfence/ir/condition.hpp — conditions in normal form (an OR of ANDs of comparisons), shared
// by every frontend: the text language and the C++ builder build their conditions with these.
//
//   using namespace sysfence::ir;
//   ArgCmp flags;                       // arg 2, 64-bit
//   flags.arg = 2;
//   Dnf d = masked_cmp(flags, CmpOp::Ne, O_ACCMODE, O_RDONLY);   // (arg2 & 3) != 0: two ANDs
//   if (negate(d) != DnfOverflow::None) ...;                      // !(...) by De Morgan
//   std::string why;
//   Dnf on_i386 = drop_never(std::move(d), arch::Arch::I386, why); // what can hold there
//   // one ir::Rule per conjunction of on_i386, with the same action
//
// A Dnf is a list of conjunctions; {} is false, {{}} (one empty conjunction) is true. Negation
// is pushed down to the comparisons: `!(a && b)` is `!a || !b`, `!(x < v)` is `x >= v`, and
// `!((x & m) == v)` expands into one conjunction per bit of m (`(x & bit) != (v & bit)`), since
// the IR (and seccomp-BPF) has no masked "not equal". Products grow fast: every combination is
// checked against DnfLimits first and refused (DnfOverflow) instead of exhausting memory.
// Nothing here recurses.
//
// Known weaknesses: the normal form is the whole encoding (no sharing between conjunctions);
// `(x & m) != v` costs one rule per bit of m.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::ir {

// Does a 64-bit value fit a 32-bit comparison? A zero high word, or a sign-extended negative
// 32-bit number (high word 0xffffffff and bit 31 set), which is taken as its low word.
constexpr bool fits32(uint64_t v) {
  const uint64_t hi = v >> 32;
  return hi == 0 || (hi == 0xffffffffULL && (v & 0x80000000ULL) != 0);
}

using Conjunction = std::vector<ArgCmp>;  // ANDed; empty: true
using Dnf = std::vector<Conjunction>;     // ORed; empty: false

struct DnfLimits {
  size_t max_conjunctions = 1024;  // one IR rule each
  size_t max_comparisons = 4096;   // in all conjunctions together
};
enum class DnfOverflow : uint8_t { None, Conjunctions, Comparisons };

// acc := acc || b; acc := acc && b. On overflow acc is left as it was.
DnfOverflow dnf_or(Dnf& acc, Dnf b, const DnfLimits& limits = {});
DnfOverflow dnf_and(Dnf& acc, const Dnf& b, const DnfLimits& limits = {});

// `(base.arg & mask) op value` for op Eq or Ne, with base's arg, width and loc. Bits of value
// outside the mask make == false ({}) and != true ({{}}). `mask == ~0` is not special-cased
// (one MaskedEq, or one conjunction per bit).
Dnf masked_cmp(const ArgCmp& base, CmpOp op, uint64_t mask, uint64_t value);

// The comparison that holds exactly when one with `op` does not (Eq<->Ne, Lt<->Ge, Le<->Gt).
// MaskedEq has none (its negation is a Dnf: negate(const ArgCmp&)); it is returned unchanged.
CmpOp negate(CmpOp op);
// !c as a Dnf.
Dnf negate(const ArgCmp& c);
// d := !d (De Morgan). On overflow d is left as it was.
DnfOverflow negate(Dnf& d, const DnfLimits& limits = {});

// Drops comparisons that always hold (and repeats) from c; false when c can never hold (an
// empty range, contradicting bits or values, per argument and width, exactly).
bool simplify(Conjunction& c);

// The conjunctions of `d` that can hold on `a` (ir::never_holds and simplify), simplified; a
// conjunction that always holds makes the result {{}}. The first reason a conjunction was
// dropped is put in why_never when that is empty.
Dnf drop_never(Dnf d, arch::Arch a, std::string& why_never);

// Same comparisons in the same order (locations ignored).
bool same_cmp(const ArgCmp& a, const ArgCmp& b);
bool same_dnf(const Dnf& a, const Dnf& b);

}  // namespace sysfence::ir

SYSFENCE_API_END
