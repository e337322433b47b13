// sysfence/compiler — argument rules as a decision diagram (see args.hpp).
#include "compiler/args.hpp"

#include <algorithm>
#include <tuple>

#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::compiler::detail {

using namespace bpf;

namespace {

constexpr uint32_t kMax = 0xffffffffU;

size_t ceil_log2(size_t m) {
  size_t b = 0;
  while ((size_t{1} << b) < m) ++b;
  return b;
}

}  // namespace

uint16_t ArgDiagram::var(uint8_t arg, bool hi, uint32_t mask) {
  for (size_t i = 0; i < vars_.size(); ++i) {
    if (vars_[i].arg == arg && vars_[i].hi == hi && vars_[i].mask == mask)
      return static_cast<uint16_t>(i);
  }
  if (vars_.size() >= kMaxVars) {
    over_ = true;
    return 0;
  }
  vars_.push_back(Var{arg, hi, hi ? arg_hi(arg, big_endian_) : arg_lo(arg, big_endian_), mask});
  return static_cast<uint16_t>(vars_.size() - 1);
}

namespace {

// Interval sets of one word (empty when n == 0).
struct Pieces {
  uint32_t lo[2] = {}, hi[2] = {};
  uint8_t n = 0;
  Pieces& add(uint64_t l, uint64_t h) {  // [l, h], skipped when empty or out of range
    if (l <= h && l <= kMax) {
      lo[n] = static_cast<uint32_t>(l);
      hi[n] = static_cast<uint32_t>(std::min<uint64_t>(h, kMax));
      ++n;
    }
    return *this;
  }
};
Pieces value(uint32_t v) { return Pieces{}.add(v, v); }
Pieces except(uint32_t v) {
  Pieces p;
  if (v != 0) p.add(0, uint64_t{v} - 1);
  return p.add(uint64_t{v} + 1, kMax);
}
Pieces range(uint64_t l, uint64_t h) { return Pieces{}.add(l, h); }

}  // namespace

// One comparison as an OR of terms, each an AND of literals. No term: never true; one empty
// term: always true.
bool ArgDiagram::add_cmp(const ir::EffectiveCmp& c, std::vector<std::vector<Lit>>& terms) {
  terms.clear();
  // Adds "(word & mask) in p" to `term`; false when that can never hold.
  auto lit = [&](std::vector<Lit>& term, uint8_t arg, bool hi, uint32_t mask, const Pieces& p) {
    if (p.n == 0) return false;
    if (p.n == 1 && p.lo[0] == 0 && p.hi[0] == kMax) return true;  // always
    if (mask == 0) {                                               // (w & 0) is 0
      for (uint8_t k = 0; k < p.n; ++k)
        if (p.lo[k] == 0) return true;
      return false;
    }
    Set s;
    for (uint8_t k = 0; k < p.n; ++k) s.iv[s.n++] = Ival{p.lo[k], p.hi[k]};
    term.push_back(Lit{var(arg, hi, mask), s});
    return true;
  };
  // One term of up to two literals: the high word in `ph` (skipped when ph.n is 0 and `lo_only`),
  // the low word in `pl`.
  auto term = [&](uint8_t arg, const Pieces* ph, uint32_t mh, const Pieces* pl, uint32_t ml) {
    std::vector<Lit> t;
    if (ph && !lit(t, arg, true, mh, *ph)) return;
    if (pl && !lit(t, arg, false, ml, *pl)) return;
    terms.push_back(std::move(t));
  };
  const uint8_t a = c.arg;
  const auto vl = static_cast<uint32_t>(c.value), vh = static_cast<uint32_t>(c.value >> 32);
  const uint64_t L = vl, H = vh;
  if (c.op == ir::CmpOp::MaskedEq) {
    const auto ml = static_cast<uint32_t>(c.mask), mh = static_cast<uint32_t>(c.mask >> 32);
    if ((vl & ~ml) != 0 || (!c.low32 && (vh & ~mh) != 0)) return !over_;  // never
    const Pieces pl = value(vl), ph = value(vh);
    term(a, c.low32 ? nullptr : &ph, mh, &pl, ml);
    return !over_;
  }
  if (c.low32) {
    Pieces p;
    switch (c.op) {
      case ir::CmpOp::Eq: p = value(vl); break;
      case ir::CmpOp::Ne: p = except(vl); break;
      case ir::CmpOp::Gt: p = range(L + 1, kMax); break;
      case ir::CmpOp::Ge: p = range(L, kMax); break;
      case ir::CmpOp::Lt: p = L == 0 ? Pieces{} : range(0, L - 1); break;
      case ir::CmpOp::Le: p = range(0, L); break;
      case ir::CmpOp::MaskedEq: break;
    }
    term(a, nullptr, 0, &p, kMax);
    return !over_;
  }
  const Pieces eqh = value(vh);
  switch (c.op) {
    case ir::CmpOp::Eq: {
      const Pieces pl = value(vl);
      term(a, &eqh, kMax, &pl, kMax);
      break;
    }
    case ir::CmpOp::Ne: {
      const Pieces ph = except(vh), pl = except(vl);
      term(a, &ph, kMax, nullptr, kMax);
      term(a, &eqh, kMax, &pl, kMax);
      break;
    }
    case ir::CmpOp::Gt:
    case ir::CmpOp::Ge: {  // hi > vh, or hi == vh and lo > (>=) vl
      const Pieces ph = range(H + 1, kMax), pl = range(c.op == ir::CmpOp::Gt ? L + 1 : L, kMax);
      term(a, &ph, kMax, nullptr, kMax);
      term(a, &eqh, kMax, &pl, kMax);
      break;
    }
    case ir::CmpOp::Lt:
    case ir::CmpOp::Le: {  // hi < vh, or hi == vh and lo < (<=) vl
      const Pieces ph = H == 0 ? Pieces{} : range(0, H - 1);
      const Pieces pl = c.op == ir::CmpOp::Le ? range(0, L) : (L == 0 ? Pieces{} : range(0, L - 1));
      term(a, &ph, kMax, nullptr, kMax);
      term(a, &eqh, kMax, &pl, kMax);
      break;
    }
    case ir::CmpOp::MaskedEq: break;
  }
  return !over_;
}

namespace {

// a ∩ b; false when it has more pieces than fit.
template <class SetT>
bool intersect(const SetT& a, const SetT& b, SetT& out, size_t cap) {
  SetT r;
  for (uint8_t i = 0; i < a.n; ++i) {
    for (uint8_t j = 0; j < b.n; ++j) {
      const uint32_t lo = std::max(a.iv[i].lo, b.iv[j].lo), hi = std::min(a.iv[i].hi, b.iv[j].hi);
      if (lo > hi) continue;
      if (r.n >= cap) return false;
      r.iv[r.n++] = {lo, hi};
    }
  }
  // Sorted by start (an insertion sort: a few pieces; std::sort here trips GCC 12's
  // -Warray-bounds at -O3, a false positive).
  for (uint8_t a2 = 1; a2 < r.n; ++a2) {
    const auto v = r.iv[a2];
    uint8_t b2 = a2;
    for (; b2 > 0 && r.iv[b2 - 1].lo > v.lo; --b2) r.iv[b2] = r.iv[b2 - 1];
    r.iv[b2] = v;
  }
  out = r;
  return true;
}

}  // namespace

bool ArgDiagram::add_rule(const ir::Rule& r, arch::Arch a, uint8_t rank) {
  std::vector<std::vector<Lit>> cubes{{}}, next, terms;
  for (const ir::ArgCmp& cmp : r.conds) {
    if (!add_cmp(ir::effective(cmp, a), terms)) return false;
    next.clear();
    for (const std::vector<Lit>& cube : cubes) {
      for (const std::vector<Lit>& term : terms) {
        std::vector<Lit> c = cube;
        bool empty = false;
        for (const Lit& l : term) {
          auto it = std::find_if(c.begin(), c.end(), [&](const Lit& x) { return x.var == l.var; });
          if (it == c.end()) {
            c.push_back(l);
            continue;
          }
          Set s;
          if (!intersect(it->set, l.set, s, kMaxIntervals)) return false;
          if (s.n == 0) {
            empty = true;
            break;
          }
          it->set = s;
        }
        if (empty) continue;
        if (c.size() > kMaxLits) return false;
        next.push_back(std::move(c));
        if (next.size() > kMaxCubesPerRule) return false;
      }
    }
    cubes.swap(next);
  }
  for (const std::vector<Lit>& c : cubes) {
    cubes_.push_back(
        Cube{static_cast<uint32_t>(lits_.size()), static_cast<uint8_t>(c.size()), rank});
    lits_.insert(lits_.end(), c.begin(), c.end());
  }
  return true;
}

std::optional<NodeId> ArgDiagram::any_of(const ir::Rule* const* rules, size_t n, arch::Arch a,
                                         NodeId t, NodeId f) {
  const std::vector<uint8_t> rank(n, 0);
  return decide(rules, rank.data(), n, {t}, a, f);
}

std::optional<NodeId> ArgDiagram::decide(const ir::Rule* const* rules, const uint8_t* rank,
                                         size_t n, const std::vector<NodeId>& outcome, arch::Arch a,
                                         NodeId f) {
  vars_.clear();
  lits_.clear();
  cubes_.clear();
  big_endian_ = arch::info(a).big_endian;  // where each argument's words are
  work_ = 0;
  over_ = false;
  ranks_ = outcome.size();
  if (ranks_ == 0 || ranks_ > kMaxRanks) return std::nullopt;
  for (size_t i = 0; i < n; ++i)
    if (rank[i] >= ranks_ || !add_rule(*rules[i], a, rank[i]) || over_) return std::nullopt;
  // Several ranks: a group decided first builds, per rank it holds, the diagram of the other
  // cubes of more restrictive ranks, and those again: the work can grow with the ranks to the
  // power of the words. The lowering has the per-action diagrams already, so this one gets a
  // budget in proportion to the literals (the K=100 policies of argument_policies_test.cpp take
  // at most 13 visits per literal).
  budget_ = ranks_ > 1 ? std::min(kWorkBudget, 64 * lits_.size() + 4096) : kWorkBudget;
  std::vector<Ref> refs;
  refs.reserve(cubes_.size());
  for (size_t i = 0; i < cubes_.size(); ++i) refs.push_back(Ref{static_cast<uint32_t>(i), 0});
  const NodeId r = build(refs, outcome, f, 0);
  if (over_) return std::nullopt;
  return r;
}

NodeId ArgDiagram::jump(const Var& v, uint16_t op, uint32_t k, NodeId jt, NodeId jf) {
  // A holds the word itself only without a mask: then a target that reloads it skips the load.
  if (v.mask == kMax) return g_.jump_on(v.off, op, k, jt, jf);
  return g_.jump(op, k, jt, jf);
}

NodeId ArgDiagram::build(std::vector<Ref>& refs, const std::vector<NodeId>& outcome, NodeId f,
                         size_t depth) {
  work_ += refs.size() + 1;
  if (work_ > budget_ || depth > 2 * kMaxVars + kMaxRanks + 1) {
    over_ = true;
    return f;
  }
  if (refs.empty()) return f;
  // Literals each word has among the remaining cubes; a cube with none left matches.
  size_t count[kMaxVars] = {};
  size_t matched = kMaxRanks;  // the most restrictive rank of a matching cube
  uint8_t rank_lo = kMaxRanks, rank_hi = 0;
  for (const Ref& r : refs) {
    const Cube& c = cubes_[r.cube];
    bool left = false;
    for (uint8_t i = 0; i < c.n; ++i) {
      if (r.done & (1U << i)) continue;
      ++count[lits_[c.first + i].var];
      left = true;
    }
    if (!left) matched = std::min<size_t>(matched, c.rank);
    rank_lo = std::min(rank_lo, c.rank);
    rank_hi = std::max(rank_hi, c.rank);
  }
  if (matched != kMaxRanks) {
    // Only a more restrictive cube can still change the answer; without one it is decided.
    std::vector<Ref> keep;
    for (const Ref& r : refs)
      if (cubes_[r.cube].rank < matched) keep.push_back(r);
    if (keep.empty()) return outcome[matched];
    return build(keep, outcome, outcome[matched], depth + 1);
  }
  const NodeId t = outcome[rank_lo];  // (used where every cube has that rank)
  // Fast path: every cube is one interval on one word, all starting at one value or all ending
  // at one value (e.g. `arg1 <= 10j + 5` for j <= i, what `arg0 >= 10i && arg1 <= 10i + 5` leaves
  // under arg0's i-th interval): the union is one interval, found without sorting. Keeps such
  // rule families linear instead of n log n per interval.
  {
    bool ok = rank_lo == rank_hi;
    uint16_t v = 0;
    uint32_t lo_min = kMax, lo_max = 0, hi_min = kMax, hi_max = 0;
    for (size_t r = 0; r < refs.size() && ok; ++r) {
      const Cube& c = cubes_[refs[r].cube];
      const Lit* only = nullptr;
      for (uint8_t i = 0; i < c.n && ok; ++i) {
        if (refs[r].done & (1U << i)) continue;
        if (only) ok = false;
        only = &lits_[c.first + i];
      }
      if (!ok || !only || only->set.n != 1 || (r > 0 && only->var != v)) {
        ok = false;
        break;
      }
      v = only->var;
      lo_min = std::min(lo_min, only->set.iv[0].lo);
      lo_max = std::max(lo_max, only->set.iv[0].lo);
      hi_min = std::min(hi_min, only->set.iv[0].hi);
      hi_max = std::max(hi_max, only->set.iv[0].hi);
    }
    if (ok && (lo_min == lo_max || hi_min == hi_max)) {
      const uint32_t lo = lo_min, hi = lo_min == lo_max ? hi_max : hi_min;
      std::vector<Piece> ivs;
      if (lo > 0) ivs.push_back(Piece{0, f});
      ivs.push_back(Piece{lo, t});
      if (hi < kMax) ivs.push_back(Piece{hi + 1, f});
      return emit_word(vars_[v], ivs);
    }
  }

  // The word to test: read by most cubes; then fewest distinct boundaries; then arg order,
  // high word first, unmasked first.
  size_t best = kMaxVars, best_bounds = 0;
  std::vector<uint32_t> bounds;
  for (size_t v = 0; v < vars_.size(); ++v) {
    if (count[v] == 0) continue;
    if (best != kMaxVars && count[v] < count[best]) continue;
    bounds.clear();
    for (const Ref& r : refs) {
      const Cube& c = cubes_[r.cube];
      for (uint8_t i = 0; i < c.n; ++i) {
        const Lit& l = lits_[c.first + i];
        if ((r.done & (1U << i)) || l.var != v) continue;
        for (uint8_t k = 0; k < l.set.n; ++k) {
          bounds.push_back(l.set.iv[k].lo);
          if (l.set.iv[k].hi != kMax) bounds.push_back(l.set.iv[k].hi + 1);
        }
      }
    }
    work_ += bounds.size();
    std::sort(bounds.begin(), bounds.end());
    const size_t nb =
        static_cast<size_t>(std::unique(bounds.begin(), bounds.end()) - bounds.begin());
    auto rank = [&](size_t x) {
      return std::make_tuple(vars_[x].arg, !vars_[x].hi, vars_[x].mask != kMax, vars_[x].mask);
    };
    if (best == kMaxVars || count[v] > count[best] || nb < best_bounds ||
        (nb == best_bounds && rank(v) < rank(best))) {
      best = v;
      best_bounds = nb;
    }
  }
  const Var w = vars_[best];

  // Cubes that do not read the word would go on into every interval, merged with that
  // interval's own cubes: a copy of their diagram per distinct merge, and copies of copies one
  // word further (rules on several arguments under different masks: 10 rules of 3 conditions
  // were ~800 instructions, 100 ran out of the work budget). Instead the cubes that read one
  // word are decided first and the others are their fallback, one diagram shared by every
  // interval: each cube is in the sub-problems of its own literals' intervals only. The word
  // decided first follows libseccomp 2.5.4's order, so that no probe waits here behind groups
  // that libseccomp tests after its own: libseccomp tests a rule's comparisons by argument, the
  // lowest first, and the first comparisons of a syscall's rules by argument, the highest first,
  // then by value, the largest first. So the word is one a cube tests first (its lowest
  // argument, high word first), of those the highest argument, then (several masks on it) the
  // one whose values reach highest, then the one most cubes read.
  if (count[best] < refs.size()) {
    uint32_t top[kMaxVars] = {};  // the largest value each word's literals accept
    bool leads[kMaxVars] = {};    // the word a cube tests first
    for (const Ref& r : refs) {
      const Cube& c = cubes_[r.cube];
      const Var* lead = nullptr;
      uint16_t lead_var = 0;
      for (uint8_t i = 0; i < c.n; ++i) {
        if (r.done & (1U << i)) continue;
        const Lit& l = lits_[c.first + i];
        top[l.var] = std::max(top[l.var], l.set.iv[l.set.n - 1].lo);
        const Var& x = vars_[l.var];
        if (!lead || std::make_tuple(x.arg, !x.hi) < std::make_tuple(lead->arg, !lead->hi)) {
          lead = &x;
          lead_var = l.var;
        }
      }
      leads[lead_var] = true;
    }
    size_t head = kMaxVars;
    for (size_t v = 0; v < vars_.size(); ++v) {
      if (!leads[v]) continue;
      auto key = [&](size_t x) { return std::make_tuple(vars_[x].arg, top[x], count[x]); };
      if (head == kMaxVars || key(v) > key(head)) head = v;
    }
    std::vector<Ref> group, rest;
    for (const Ref& r : refs) {
      const Cube& c = cubes_[r.cube];
      bool reads = false;
      for (uint8_t i = 0; i < c.n && !reads; ++i)
        reads = !(r.done & (1U << i)) && lits_[c.first + i].var == head;
      (reads ? group : rest).push_back(r);
    }
    const NodeId others = build(rest, outcome, f, depth + 1);
    if (over_) return f;
    // A group cube of rank r matching: the others of a more restrictive rank still decide.
    std::vector<NodeId> then = outcome;
    bool ranks[kMaxRanks] = {};
    for (const Ref& r : group) ranks[cubes_[r.cube].rank] = true;
    std::vector<Ref> sub;
    for (size_t k = 1; k < ranks_; ++k) {
      if (!ranks[k]) continue;
      sub.clear();
      for (const Ref& r : rest)
        if (cubes_[r.cube].rank < k) sub.push_back(r);
      if (!sub.empty()) then[k] = build(sub, outcome, outcome[k], depth + 1);
      if (over_) return f;
    }
    return build(group, then, others, depth + 1);
  }

  // Sweep the word's values: events where a cube's interval starts (+) or ends (-).
  struct Event {
    uint32_t pos;
    uint32_t ref;
    bool start;
  };
  std::vector<Event> ev;
  std::vector<Ref> base;                      // cubes that do not read the word: in every branch
  std::vector<uint16_t> bit(refs.size(), 0);  // the word's literal bit in each ref (0: none)
  std::vector<bool> single(refs.size(), false);
  for (size_t ri = 0; ri < refs.size(); ++ri) {
    const Ref& r = refs[ri];
    const Cube& c = cubes_[r.cube];
    int left = 0;
    for (uint8_t i = 0; i < c.n; ++i) {
      if (r.done & (1U << i)) continue;
      ++left;
      const Lit& l = lits_[c.first + i];
      if (l.var != best) continue;
      bit[ri] = static_cast<uint16_t>(1U << i);
      for (uint8_t k = 0; k < l.set.n; ++k) {
        ev.push_back(Event{l.set.iv[k].lo, static_cast<uint32_t>(ri), true});
        if (l.set.iv[k].hi != kMax)
          ev.push_back(Event{l.set.iv[k].hi + 1, static_cast<uint32_t>(ri), false});
      }
    }
    if (bit[ri] == 0)
      base.push_back(r);
    else
      single[ri] = left == 1;
  }
  std::sort(ev.begin(), ev.end(), [](const Event& x, const Event& y) {
    return x.pos != y.pos ? x.pos < y.pos : x.start < y.start;  // ends before starts
  });

  std::vector<uint32_t> active;                 // refs inside the current interval
  std::vector<uint32_t> where(refs.size(), 0);  // position in `active`
  // Per rank: active cubes, and those of them whose last literal this is (they match here).
  size_t active_at[kMaxRanks] = {}, singles_at[kMaxRanks] = {};
  size_t base_rank = kMaxRanks;  // the most restrictive rank in `base`
  for (const Ref& r : base) base_rank = std::min<size_t>(base_rank, cubes_[r.cube].rank);
  std::vector<Piece> ivs;  // interval starts and their outcomes
  std::vector<Ref> child;
  std::vector<NodeId> known;  // outcome where the word's value is known
  size_t e = 0;
  uint64_t pos = 0;
  while (pos <= kMax) {
    const auto lo = static_cast<uint32_t>(pos);
    for (; e < ev.size() && ev[e].pos == lo; ++e) {
      const uint32_t ri = ev[e].ref;
      if (ev[e].start) {
        where[ri] = static_cast<uint32_t>(active.size());
        active.push_back(ri);
        ++active_at[cubes_[refs[ri].cube].rank];
        if (single[ri]) ++singles_at[cubes_[refs[ri].cube].rank];
      } else {
        const uint32_t p = where[ri];
        active[p] = active.back();
        where[active[p]] = p;
        active.pop_back();
        --active_at[cubes_[refs[ri].cube].rank];
        if (single[ri]) --singles_at[cubes_[refs[ri].cube].rank];
      }
    }
    const uint64_t next = e < ev.size() ? ev[e].pos : uint64_t{kMax} + 1;
    const auto hi = static_cast<uint32_t>(next - 1);
    // A cube that matches here and is of the most restrictive rank present decides.
    size_t top = 0;
    while (top < ranks_ && active_at[top] == 0) ++top;
    NodeId out;
    if (top < ranks_ && singles_at[top] > 0 && top <= base_rank) {
      out = outcome[top];
    } else if (active.empty() && base.empty()) {
      out = f;
    } else {
      child = base;
      for (uint32_t ri : active)
        child.push_back(Ref{refs[ri].cube, static_cast<uint16_t>(refs[ri].done | bit[ri])});
      // On a single value of an unmasked word the fallback may test that word again: decided.
      // Under a mask, the word's value decides its tests under masks within that mask in what
      // the matches lead to (the other rules' diagram after a group); the fallback stays as it
      // is (simplified the same way, the allow-only programs came out longer).
      NodeId fc = f;
      const std::vector<NodeId>* leads_to = &outcome;
      if (lo == hi && w.mask == kMax) {
        fc = g_.assume(f, w.off, lo);
      } else if (lo == hi) {
        known = outcome;
        for (NodeId& o : known) o = g_.assume_deep(o, w.off, w.mask, lo);
        leads_to = &known;
      }
      out = build(child, *leads_to, fc, depth + 1);
      if (over_) return f;
    }
    if (ivs.empty() || ivs.back().node != out) ivs.push_back(Piece{lo, out});
    pos = next;
  }
  return emit_word(w, ivs);
}

// The search over one word's intervals (with its load and mask).
NodeId ArgDiagram::emit_word(const Var& w, const std::vector<Piece>& ivs) {
  if (ivs.size() == 1) return ivs[0].node;
  if (w.mask != kMax) {
    // Under a mask with one bit, or when only "some masked bit set" matters: JSET, no AND.
    auto at = [&](uint32_t x) {
      auto it = std::upper_bound(ivs.begin(), ivs.end(), x,
                                 [](uint32_t v, const Piece& iv) { return v < iv.lo; });
      return std::prev(it)->node;
    };
    if ((w.mask & (w.mask - 1)) == 0 || (ivs.size() == 2 && ivs[1].lo == 1))
      // JSET leaves A alone: it still holds the whole word, so a target that reloads it
      // (the next bit of a disjunction over this word's bits) skips the load.
      return g_.load(w.off, g_.jump_on(w.off, JSET, w.mask, at(w.mask), at(0)));
  }

  NodeId s = value_tiers(w, ivs);
  if (s == kNone) s = search(w, ivs, 0, ivs.size() - 1, chain_for(ivs));
  if (w.mask != kMax) s = g_.and_k(w.mask, s);
  return g_.load(w.off, s);
}

size_t ArgDiagram::chain_for(const std::vector<Piece>& ivs) {
  size_t lone = 0;
  for (size_t k = 0; k < ivs.size(); ++k) {
    const uint64_t end = k + 1 < ivs.size() ? ivs[k + 1].lo : uint64_t{kMax} + 1;
    if (end - ivs[k].lo == 1) ++lone;
  }
  // Leaf chains: short for a few values (few instructions run), longer for large sets (about
  // one instruction per value: the JGE splits amortized over the chain).
  const size_t lg = std::max<size_t>(2, ceil_log2(lone + 1));
  return lone > 32 ? 2 * lg : lg;
}

// A value set: single values with their outcomes, every other value one outcome D. Searched in
// tiers, largest values first: the 2 largest (JEQ), then the next 8, 64, 512, ... each tier a
// search over its own values whose misses go on to the next tier. libseccomp 2.5.4 sorts the
// comparisons of one level of its per-syscall tree by value, largest first, and tests them one
// after another (whatever order the rules were added in), so a value's cost there grows with the
// number of larger values; here the largest cost a few instructions, as at the head of
// libseccomp's chain, and the bulk a balanced search's depth plus the tiers above it; each value
// is tested once (the length stays about one instruction per value). kNone when `ivs` is not a
// value set of at least 8 values.
NodeId ArgDiagram::value_tiers(const Var& v, const std::vector<Piece>& ivs) {
  NodeId d = kNone;
  std::vector<size_t> lone;
  for (size_t k = 0; k < ivs.size(); ++k) {
    const uint64_t end = k + 1 < ivs.size() ? ivs[k + 1].lo : uint64_t{kMax} + 1;
    if (end - ivs[k].lo == 1) {
      lone.push_back(k);
      continue;
    }
    if (d != kNone && d != ivs[k].node) return kNone;
    d = ivs[k].node;
  }
  if (d == kNone) return kNone;
  std::erase_if(lone, [&](size_t k) { return ivs[k].node == d; });
  if (lone.size() < 8) return kNone;
  std::reverse(lone.begin(), lone.end());        // largest value first
  std::vector<std::pair<size_t, size_t>> tiers;  // [begin, end) into `lone`
  for (size_t b = 0, size = 2; b < lone.size(); b += size, size *= 8)
    tiers.emplace_back(b, std::min(lone.size(), b + size));
  NodeId next = d;
  std::vector<Piece> t;
  for (auto it = tiers.rbegin(); it != tiers.rend(); ++it) {
    std::vector<size_t> ks(lone.begin() + static_cast<long>(it->first),
                           lone.begin() + static_cast<long>(it->second));
    std::sort(ks.begin(), ks.end());
    t.clear();
    uint64_t cur = 0;
    for (size_t k : ks) {
      if (ivs[k].lo > cur) t.push_back(Piece{static_cast<uint32_t>(cur), next});
      t.push_back(Piece{ivs[k].lo, ivs[k].node});
      cur = uint64_t{ivs[k].lo} + 1;
    }
    if (cur <= kMax) t.push_back(Piece{static_cast<uint32_t>(cur), next});
    next = search(v, t, 0, t.size() - 1, chain_for(t));
  }
  return next;
}

// ivs[i..j]: interval k is [ivs[k].lo, ivs[k+1].lo - 1] (the last one up to 2^32 - 1); A is
// known to lie in their union. A leaf: one outcome D for every interval wider than one value,
// and at most `chain` single values with other outcomes, tested with JEQ first, largest first
// (libseccomp's order, see value_tiers).
// Otherwise a JGE split in the middle.
NodeId ArgDiagram::search(const Var& v, const std::vector<Piece>& ivs, size_t i, size_t j,
                          size_t chain) {
  if (i == j) return ivs[i].node;
  auto is_single = [&](size_t k) {
    const uint64_t end = k + 1 < ivs.size() ? ivs[k + 1].lo : uint64_t{kMax} + 1;
    return end - ivs[k].lo == 1;
  };
  NodeId d = kNone;
  bool leaf = true;
  for (size_t k = i; k <= j && leaf; ++k) {
    if (is_single(k)) continue;
    if (d != kNone && d != ivs[k].node) leaf = false;
    d = ivs[k].node;
  }
  if (leaf) {
    if (d == kNone) d = ivs[j].node;
    std::vector<size_t> exc;
    for (size_t k = i; k <= j && exc.size() <= chain; ++k)
      if (ivs[k].node != d) exc.push_back(k);
    if (exc.size() <= chain) {
      std::reverse(exc.begin(), exc.end());  // largest value first
      NodeId n = d;
      for (auto it = exc.rbegin(); it != exc.rend(); ++it)
        n = jump(v, JEQ, ivs[*it].lo, ivs[*it].node, n);
      return n;
    }
  }
  const size_t mid = i + (j - i + 1) / 2;
  return jump(v, JGE, ivs[mid].lo, search(v, ivs, mid, j, chain),
              search(v, ivs, i, mid - 1, chain));
}

}  // namespace sysfence::compiler::detail
