// Conditions in normal form: see sysfence/ir/condition.hpp.
#include "sysfence/ir/condition.hpp"

#include <algorithm>
#include <optional>

namespace sysfence::ir {
namespace {

size_t comparisons(const Dnf& a) {
  size_t n = 0;
  for (const Conjunction& c : a) n += c.size();
  return n;
}

}  // namespace

DnfOverflow dnf_or(Dnf& acc, Dnf b, const DnfLimits& limits) {
  if (acc.size() + b.size() > limits.max_conjunctions) return DnfOverflow::Conjunctions;
  if (comparisons(acc) + comparisons(b) > limits.max_comparisons) return DnfOverflow::Comparisons;
  for (Conjunction& c : b) acc.push_back(std::move(c));
  return DnfOverflow::None;
}

DnfOverflow dnf_and(Dnf& acc, const Dnf& b, const DnfLimits& limits) {
  if (acc.size() * b.size() > limits.max_conjunctions) return DnfOverflow::Conjunctions;
  if (comparisons(acc) * b.size() + comparisons(b) * acc.size() > limits.max_comparisons)
    return DnfOverflow::Comparisons;
  if (b.size() == 1) {  // the common `x && y`: extend each conjunction in place
    for (Conjunction& c : acc) c.insert(c.end(), b[0].begin(), b[0].end());
    return DnfOverflow::None;
  }
  Dnf out;
  for (const Conjunction& x : acc)
    for (const Conjunction& y : b) {
      Conjunction c = x;
      c.insert(c.end(), y.begin(), y.end());
      out.push_back(std::move(c));
    }
  acc = std::move(out);
  return DnfOverflow::None;
}

Dnf masked_cmp(const ArgCmp& base, CmpOp op, uint64_t m, uint64_t v) {
  if (op == CmpOp::Eq) {
    if (v & ~m) return Dnf{};  // bits outside the mask: never equal
    ArgCmp c = base;
    c.op = CmpOp::MaskedEq;
    c.mask = m;
    c.value = v;
    return Dnf{{c}};
  }
  // (arg & m) != v  <=>  some bit of m differs from v's.
  if (v & ~m) return Dnf{{}};
  Dnf out;
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t b = 1ULL << bit;
    if (!(m & b)) continue;
    ArgCmp c = base;
    c.op = CmpOp::MaskedEq;
    c.mask = b;
    c.value = (v & b) ? 0 : b;
    out.push_back({c});
  }
  return out;
}

CmpOp negate(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return CmpOp::Ne;
    case CmpOp::Ne: return CmpOp::Eq;
    case CmpOp::Lt: return CmpOp::Ge;
    case CmpOp::Le: return CmpOp::Gt;
    case CmpOp::Gt: return CmpOp::Le;
    case CmpOp::Ge: return CmpOp::Lt;
    case CmpOp::MaskedEq: return CmpOp::MaskedEq;  // no single comparison: see negate(ArgCmp)
  }
  return op;
}

Dnf negate(const ArgCmp& c) {
  if (c.op == CmpOp::MaskedEq) return masked_cmp(c, CmpOp::Ne, c.mask, c.value);
  ArgCmp n = c;
  n.op = negate(c.op);
  return Dnf{{n}};
}

DnfOverflow negate(Dnf& d, const DnfLimits& limits) {
  Dnf acc{{}};  // !(C1 || C2 ...) = !C1 && !C2 ...; !(c1 && c2 ...) = !c1 || !c2 ...
  for (const Conjunction& conj : d) {
    Dnf not_conj;
    for (const ArgCmp& c : conj)
      if (DnfOverflow o = dnf_or(not_conj, negate(c), limits); o != DnfOverflow::None) return o;
    if (DnfOverflow o = dnf_and(acc, not_conj, limits); o != DnfOverflow::None) return o;
  }
  d = std::move(acc);
  return DnfOverflow::None;
}

bool same_cmp(const ArgCmp& a, const ArgCmp& b) {
  return a.arg == b.arg && a.op == b.op && a.value == b.value && a.mask == b.mask &&
         a.width == b.width;
}

bool same_dnf(const Dnf& a, const Dnf& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (size_t j = 0; j < a[i].size(); ++j)
      if (!same_cmp(a[i][j], b[i][j])) return false;
  }
  return true;
}

// Drops comparisons that always hold; returns false when the conjunction can never hold.
bool simplify(Conjunction& cl) {
  Conjunction out;
  for (const ArgCmp& c : cl) {
    uint64_t full = c.width == Width::Bits32 ? 0xffffffffULL : ~0ULL;
    if ((c.op == CmpOp::Ge && (c.value & full) == 0) ||
        (c.op == CmpOp::Le && (c.value & full) == full))
      continue;
    if ((c.op == CmpOp::Lt && (c.value & full) == 0) ||
        (c.op == CmpOp::Gt && (c.value & full) == full))
      return false;
    if (c.op == CmpOp::MaskedEq && c.mask == 0 && c.value == 0) continue;
    if (std::any_of(out.begin(), out.end(), [&](const ArgCmp& o) { return same_cmp(o, c); }))
      continue;
    out.push_back(c);
  }
  // Per argument and width: interval, required bits, and the exact value if any.
  for (int arg = 0; arg < 6; ++arg) {
    for (Width w : {Width::Bits64, Width::Bits32}) {
      uint64_t lo = 0, hi = w == Width::Bits32 ? 0xffffffffULL : ~0ULL;
      uint64_t ones = 0, zeros = 0;
      std::optional<uint64_t> eq;
      std::vector<uint64_t> ne;
      bool any = false;
      uint64_t full = w == Width::Bits32 ? 0xffffffffULL : ~0ULL;
      for (const ArgCmp& c : out) {
        if (c.arg != arg || c.width != w) continue;
        any = true;
        uint64_t v = c.value & full;
        uint64_t m = c.mask & full;
        switch (c.op) {
          case CmpOp::Eq:
            if (eq && *eq != v) return false;
            eq = v;
            break;
          case CmpOp::Ne: ne.push_back(v); break;
          case CmpOp::Lt: hi = std::min(hi, v - 1); break;
          case CmpOp::Le: hi = std::min(hi, v); break;
          case CmpOp::Gt: lo = std::max(lo, v + 1); break;
          case CmpOp::Ge: lo = std::max(lo, v); break;
          case CmpOp::MaskedEq:
            ones |= v & m;
            zeros |= m & ~v;
            break;
        }
      }
      if (!any) continue;
      if (lo > hi || (ones & zeros)) return false;
      if (eq) {
        if (*eq < lo || *eq > hi || (*eq & zeros) || ((*eq & ones) != ones)) return false;
        if (std::find(ne.begin(), ne.end(), *eq) != ne.end()) return false;
      }
    }
  }
  cl = std::move(out);
  return true;
}

Dnf drop_never(Dnf in, arch::Arch a, std::string& why_never) {
  Dnf out;
  for (Conjunction& c : in) {
    std::string why = never_holds(c, a);
    if (why.empty() && !simplify(c)) why = "its comparisons contradict each other";
    if (!why.empty()) {
      if (why_never.empty()) why_never = why;
      continue;
    }
    if (c.empty()) return Dnf{{}};  // one conjunction always holds: the whole condition does
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sysfence::ir
