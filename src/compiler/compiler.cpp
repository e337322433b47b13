// sysfence/compiler — policy IR to classic BPF.
//
// Shape of every program:
//
//   LD arch; JEQ door1 → tree1; JEQ door2 → tree2; ...; RET bad_arch
//   tree:  LD nr; a minimum-cost decision tree of JGE splits over merged ranges of syscall
//          numbers covering 0..2^32-1; at a leaf, JEQ exceptions (single numbers absorbed into
//          a surrounding range), then the range's decision.
//   decision: the syscall's rules, most restrictive action first, each an AND chain of argument
//          comparisons lowered by continuation passing; unconditional ones are a bare RET.
//
// A "door" is one value of seccomp_data.arch: x86_64 and x32 share kAuditArchX86_64 and are
// told apart by number range (x32 has bit 30 set), so they share one tree whose ranges
// [0, 0x3fffffff] and [0x40000000, 0xfffffffe] belong to x86_64 and x32 respectively, each
// bad_arch_action unless targeted. nr == -1 (a tracer's "skip") is an unknown number unless
// rules name it.
#include "sysfence/compiler/compiler.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <unordered_set>
#include <vector>

#include "compiler/args.hpp"
#include "compiler/graph.hpp"
#include "sysfence/bpf/cache.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::compiler {

using namespace bpf;
using detail::Graph;
using detail::NodeId;

namespace {

// CacheAware: what an unconditional allow weighs against 1 for a syscall that runs BPF is
// Options::cached_weight (default 0.1). Not 0: the same tree also serves kernels and filter
// stacks without the cache, where every allowed syscall pays its depth, so the allowed ranges
// still pull towards the top.
// Uniform: what a syscall that is always refused (errno, kill, trap) weighs against 1 for one
// that can get through. Every syscall pays its depth there, and a working program rarely calls
// what the policy refuses.
constexpr double kRefusedWeight = 0.25;
// Breaks ties between equally good trees towards balanced ones (ranges nobody calls).
constexpr double kRangeWeight = 1e-6;

using bpf::precedence;  // the kernel order, from bpf::kActionTable

// ---------------------------------------------------------------- argument conditions

class Lowerer {
 public:
  explicit Lowerer(Graph& g) : g_(g) {}

  // Offsets of args[i]'s words in the byte order of the arch being lowered (rules() sets it).
  uint32_t lo_word(unsigned i) const { return arg_lo(i, big_endian_); }
  uint32_t hi_word(unsigned i) const { return arg_hi(i, big_endian_); }

  // One 32-bit word: A = word at `off`; (A & mask) == value ? t : f.
  NodeId word_masked(uint32_t off, uint32_t mask, uint32_t value, NodeId t, NodeId f) {
    if (mask == 0) return t;  // (build() rejected value bits outside the mask)
    if (mask == 0xffffffffU) return g_.load(off, g_.jump_on(off, JEQ, value, t, f));
    if (value == 0) return g_.load(off, g_.jump_on(off, JSET, mask, f, t));
    if ((mask & (mask - 1)) == 0) return g_.load(off, g_.jump_on(off, JSET, mask, t, f));
    return g_.load(off, g_.and_k(mask, g_.jump(JEQ, value, t, f)));
  }

  // One word ordered compare: A op value ? t : f (op JGT or JGE).
  NodeId word_cmp(uint32_t off, uint16_t op, uint32_t value, NodeId t, NodeId f) {
    return g_.load(off, g_.jump_on(off, op, value, t, f));
  }

  // 64-bit x op v: high word decides unless equal, then the low word (op JGT or JGE).
  NodeId wide_cmp(uint8_t arg, uint16_t op, uint64_t v, NodeId t, NodeId f) {
    const auto vhi = static_cast<uint32_t>(v >> 32), vlo = static_cast<uint32_t>(v);
    const uint32_t hi = hi_word(arg);
    // The low word is compared only when the high word equals vhi: tell the continuations.
    const NodeId low =
        word_cmp(lo_word(arg), op, vlo, g_.assume(t, hi, vhi), g_.assume(f, hi, vhi));
    const NodeId eq = g_.jump_on(hi, JEQ, vhi, low, f);
    return g_.load(hi, g_.jump_on(hi, JGT, vhi, t, eq));
  }

  NodeId cmp(const ir::EffectiveCmp& c, NodeId t, NodeId f) {
    const uint8_t a = c.arg;
    if (c.low32) {
      const auto v = static_cast<uint32_t>(c.value);
      switch (c.op) {
        case ir::CmpOp::Eq: return word_masked(lo_word(a), 0xffffffffU, v, t, f);
        case ir::CmpOp::Ne: return word_masked(lo_word(a), 0xffffffffU, v, f, t);
        case ir::CmpOp::Gt: return word_cmp(lo_word(a), JGT, v, t, f);
        case ir::CmpOp::Ge: return word_cmp(lo_word(a), JGE, v, t, f);
        case ir::CmpOp::Lt: return word_cmp(lo_word(a), JGE, v, f, t);
        case ir::CmpOp::Le: return word_cmp(lo_word(a), JGT, v, f, t);
        case ir::CmpOp::MaskedEq:
          return word_masked(lo_word(a), static_cast<uint32_t>(c.mask), v, t, f);
      }
    }
    switch (c.op) {
      case ir::CmpOp::Eq: return masked64(a, ~0ULL, c.value, t, f);
      case ir::CmpOp::Ne: return masked64(a, ~0ULL, c.value, f, t);
      case ir::CmpOp::Gt: return wide_cmp(a, JGT, c.value, t, f);
      case ir::CmpOp::Ge: return wide_cmp(a, JGE, c.value, t, f);
      case ir::CmpOp::Lt: return wide_cmp(a, JGE, c.value, f, t);
      case ir::CmpOp::Le: return wide_cmp(a, JGT, c.value, f, t);
      case ir::CmpOp::MaskedEq: return masked64(a, c.mask, c.value, t, f);
    }
    return f;
  }

  // (x & m) == v on 64 bits: high word first; a half whose mask is 0 is skipped.
  NodeId masked64(uint8_t arg, uint64_t m, uint64_t v, NodeId t, NodeId f) {
    const auto mhi = static_cast<uint32_t>(m >> 32), vhi = static_cast<uint32_t>(v >> 32);
    NodeId lt = t, lf = f;
    if (mhi == 0xffffffffU) {  // the low word is compared only when the high word is vhi
      lt = g_.assume(t, hi_word(arg), vhi);
      lf = g_.assume(f, hi_word(arg), vhi);
    }
    const NodeId low =
        word_masked(lo_word(arg), static_cast<uint32_t>(m), static_cast<uint32_t>(v), lt, lf);
    return word_masked(hi_word(arg), mhi, vhi, low, f);
  }

  // All of `conds` ? t : f.
  NodeId all_of(std::vector<ir::EffectiveCmp> conds, NodeId t, NodeId f) {
    std::stable_sort(
        conds.begin(), conds.end(),
        [](const ir::EffectiveCmp& x, const ir::EffectiveCmp& y) { return x.arg < y.arg; });
    NodeId n = t;
    for (auto it = conds.rbegin(); it != conds.rend(); ++it) n = cmp(*it, n, f);
    return n;
  }

  // A syscall's rules (spec order): the most restrictive action's rules are tried first; the
  // first match wins; no match falls through to `fallback`. Each run of rules with one action
  // is one decision diagram over the argument words (args.hpp: shared tests, value sets searched
  // as trees, ranges merged); a run too irregular for it is lowered rule after rule.
  NodeId rules(std::vector<const ir::Rule*>& rs, arch::Arch a, NodeId fallback) {  // sorts rs
    big_endian_ = arch::info(a).big_endian;
    // Stable by precedence. A syscall has a rule or two: an insertion sort, no allocation;
    // a long list (value sets) is merge-sorted.
    auto before = [](const ir::Rule* x, const ir::Rule* y) {
      return precedence(x->action.kind) < precedence(y->action.kind);
    };
    if (rs.size() > 16) {
      std::stable_sort(rs.begin(), rs.end(), before);
    } else {
      for (size_t i = 1; i < rs.size(); ++i) {
        const ir::Rule* r = rs[i];
        size_t j = i;
        for (; j > 0 && before(r, rs[j - 1]); --j) rs[j] = rs[j - 1];
        rs[j] = r;
      }
    }
    NodeId n = fallback;
    size_t runs = 0;  // of one action each
    for (size_t end = rs.size(); end > 0; ++runs) {
      // [begin, end): the longest run ending at `end` with one action (kind and data).
      size_t begin = end - 1;
      const ir::Action act = rs[begin]->action;
      while (begin > 0 && rs[begin - 1]->action == act) --begin;
      const NodeId t = g_.ret(act.to_ret());
      bool conditional = false;
      for (size_t i = begin; i < end; ++i) conditional |= !rs[i]->conds.empty();
      // One rule alone is its AND chain (what the diagram would build, without its set-up).
      std::optional<NodeId> dd;
      if (conditional && end - begin > 1) dd = dd_.any_of(rs.data() + begin, end - begin, a, t, n);
      if (dd) {
        n = *dd;
      } else {
        for (size_t i = end; i-- > begin;) {
          const ir::Rule& r = *rs[i];
          std::vector<ir::EffectiveCmp> conds;
          conds.reserve(r.conds.size());
          for (const ir::ArgCmp& c : r.conds) conds.push_back(ir::effective(c, a));
          n = all_of(std::move(conds), t, n);
        }
      }
      end = begin;
    }
    // Several actions: one diagram for all of them (ArgDiagram::decide) tests each word once
    // for every action, in libseccomp's order, where the diagrams above test every rule of the
    // more restrictive action before any other (a call matching an allow rule first misses every
    // errno rule). Kept when it is no longer and its longest path no longer, or when its longest
    // path is shorter for at most half as many instructions more (a group of rules under one
    // word then carries, per action, the diagram of the more restrictive rules after it: 100
    // rules on rotating argument pairs, errno and allow alternating, 327 -> 431 instructions,
    // longest path 67 -> 52), up to half the kernel's limit.
    if (runs >= 2) {
      std::vector<uint8_t> rank(rs.size());
      std::vector<NodeId> outcome;
      bool conditional = false;
      for (size_t i = 0; i < rs.size(); ++i) {
        if (i == 0 || !(rs[i]->action == rs[i - 1]->action))
          outcome.push_back(g_.ret(rs[i]->action.to_ret()));
        rank[i] = static_cast<uint8_t>(std::min<size_t>(outcome.size() - 1, 255));
        conditional |= !rs[i]->conds.empty();
      }
      if (conditional && outcome.size() <= detail::ArgDiagram::kMaxRanks) {
        const std::optional<NodeId> one =
            dd_.decide(rs.data(), rank.data(), rs.size(), outcome, a, fallback);
        if (one && *one != n) {
          const Shape s1 = shape(*one), s0 = shape(n);
          const bool shorter = s1.nodes <= s0.nodes && s1.longest <= s0.longest;
          const bool faster =
              s1.longest < s0.longest && 2 * s1.nodes <= 3 * s0.nodes && s1.nodes <= kMaxInsns / 2;
          if (shorter || faster) n = *one;
        }
      }
    }
    return n;
  }

 private:
  // The instructions reachable from `root` and the most any path runs.
  struct Shape {
    size_t nodes = 0, longest = 0;
  };
  Shape shape(NodeId root) {
    if (depth_.size() < g_.size()) depth_.resize(g_.size(), 0);
    Shape out;
    seen_.clear();
    std::vector<std::pair<NodeId, bool>> stack{{root, false}};
    while (!stack.empty()) {
      const auto [id, post] = stack.back();
      stack.pop_back();
      const detail::Node& nd = g_.at(id);
      if (post) {
        size_t d = 0;
        if (nd.jt != detail::kNone) d = depth_[static_cast<size_t>(nd.jt)];
        if (nd.jf != detail::kNone) d = std::max(d, depth_[static_cast<size_t>(nd.jf)]);
        depth_[static_cast<size_t>(id)] = d + 1;
        continue;
      }
      if (!seen_.insert(id).second) continue;
      ++out.nodes;
      stack.emplace_back(id, true);
      if (nd.jt != detail::kNone) stack.emplace_back(nd.jt, false);
      if (nd.jf != detail::kNone) stack.emplace_back(nd.jf, false);
    }
    out.longest = depth_[static_cast<size_t>(root)];
    return out;
  }

  Graph& g_;
  bool big_endian_ = false;
  detail::ArgDiagram dd_{g_};
  std::vector<size_t> depth_;
  std::unordered_set<NodeId> seen_;
};

// ---------------------------------------------------------------- dispatch tree

struct Range {
  uint32_t lo = 0, hi = 0;  // inclusive
  NodeId node = detail::kNone;
  double w = 0;      // the weighting's
  double w_all = 0;  // CacheAware's second tree: Uniform's weight (see door_tree)
};

struct Weights {
  double w = 0, w_all = 0;
};

void push_range(std::vector<Range>& v, uint32_t lo, uint32_t hi, NodeId node, Weights w = {}) {
  if (!v.empty() && v.back().node == node && v.back().hi + 1 == lo) {
    v.back().hi = hi;
    v.back().w += w.w;
    v.back().w_all += w.w_all;
    return;
  }
  v.push_back(Range{lo, hi, node, w.w, w.w_all});
}

// The minimum-cost dispatch tree over ranges r[0..n-1], cost = Σ weight × instructions run.
// An inner node is one JGE split ("A >= r[k+1].lo ? [k+1..j] : [i..k]"), paid by everything
// below it. A leaf is a run of ranges that all share one decision D except for lone numbers,
// which are tested first with JEQ (at most kMaxExceptions, heaviest first): the lone numbers
// pay their position in that chain, D's numbers pay the whole chain. Interval DP with Knuth's
// bounds on the split (O(n²); exact for pure splits, a close heuristic with the JEQ leaves —
// it matched the exhaustive search on Docker's profile); above kMaxDpRanges, weight-balanced
// splits without leaves of several ranges.
class Planner {
 public:
  static constexpr size_t kMaxExceptions = 4;
  static constexpr size_t kMaxDpRanges = 512;

  static constexpr int kBoundRounds = 8;

  // `bounds` (empty: none): no range t holding a syscall (weight > 0) may pay more than
  // bounds[t] dispatch instructions (see enforce()). The weights in `r` may be raised for that.
  Planner(Graph& g, std::vector<Range>& r, const std::vector<size_t>& bounds = {})
      : g_(g), r_(r), n_(r.size()) {
    prefix_weights();
    if (n_ <= kMaxDpRanges) {
      solve();
      if (!bounds.empty()) enforce(bounds);
    }
  }

  NodeId build() { return build(0, n_ - 1); }

  // The exact minimum of the same cost under bounds: no range t with weight > 0 may pay more
  // than bound[t] dispatch instructions. An interval DP with the depth as a third index (the
  // bounds make the best subtree depend on where it hangs): O(n³ · depth), no Knuth bounds.
  // Returns the tree, or kNone when no tree of this shape (JGE splits, JEQ leaves) meets them
  // or the policy is past kMaxBoundedRanges; `costs` gets each range's dispatch instructions.
  static constexpr size_t kMaxBoundedRanges = 160;
  NodeId build_bounded(const std::vector<size_t>& bound, std::vector<size_t>& costs) {
    if (n_ > kMaxBoundedRanges || n_ == 0) return detail::kNone;
    size_t top = 0;  // the deepest bound that matters
    for (size_t t = 0; t < n_; ++t)
      if (r_[t].w > 0) top = std::max(top, bound[t]);
    depths_ = top + 1;
    bcost_.assign(n_ * n_ * depths_, kInfeasible);
    broot_.assign(n_ * n_ * depths_, 0);
    for (size_t len = 1; len <= n_; ++len) {
      for (size_t i = 0; i + len <= n_; ++i) {
        const size_t j = i + len - 1;
        const double wij = weight(i, j);
        for (size_t dep = 0; dep < depths_; ++dep) {
          NodeId d = detail::kNone;
          double best = leaf_bounded(i, j, dep, bound, &d);
          int32_t how = best < kInfeasible ? ~static_cast<int32_t>(d) : 0;
          if (len > 1 && dep + 1 < depths_) {
            for (size_t k = i; k < j; ++k) {
              const double l = bcost_[bat(i, k, dep + 1)], r = bcost_[bat(k + 1, j, dep + 1)];
              if (l >= kInfeasible || r >= kInfeasible) continue;
              const double v = l + r + wij;
              if (v < best - 1e-12) {
                best = v;
                how = static_cast<int32_t>(k);
              }
            }
          }
          bcost_[bat(i, j, dep)] = best;
          broot_[bat(i, j, dep)] = how;
        }
      }
    }
    if (bcost_[bat(0, n_ - 1, 0)] >= kInfeasible) return detail::kNone;
    costs.assign(n_, 0);
    return build_bounded(0, n_ - 1, 0, costs);
  }

  // Dispatch instructions each range pays (solved trees only: empty above kMaxDpRanges).
  std::vector<size_t> costs() const {
    std::vector<size_t> c;
    if (!root_) return c;
    c.resize(n_);
    path_costs(0, n_ - 1, 0, c);
    return c;
  }

 private:
  void prefix_weights() {
    pre_.assign(n_ + 1, 0);
    for (size_t i = 0; i < n_; ++i) pre_[i + 1] = pre_[i] + r_[i].w + kRangeWeight;
  }

  // The minimum weighted cost can still put a light syscall deep (e.g. one of a deny list's few
  // refused syscalls, below the many cached allows around it). A balanced search over the
  // syscalls that have rules, as libseccomp's binary tree does, bounds every path; so a range
  // past `bound` gets eight times heavier and the tree is solved again, for a few rounds (the
  // DP is cheap; most policies need none).
  void enforce(const std::vector<size_t>& bound) {
    std::vector<size_t> cost(n_);
    for (int round = 0; round < kBoundRounds; ++round) {
      path_costs(0, n_ - 1, 0, cost);
      bool over = false;
      for (size_t t = 0; t < n_; ++t) {
        if (r_[t].w > 0 && cost[t] > bound[t]) {
          r_[t].w *= 8;
          over = true;
        }
      }
      if (!over) return;
      prefix_weights();
      solve();
    }
  }

  // Dispatch instructions each range pays in the solved tree: one per split above it, plus its
  // place in its leaf's JEQ chain (the leaf's own decision pays the whole chain).
  void path_costs(size_t i, size_t j, size_t depth, std::vector<size_t>& cost) const {
    const int32_t k = root_[at(i, j)];
    if (k >= 0 && i != j) {
      path_costs(i, static_cast<size_t>(k), depth + 1, cost);
      path_costs(static_cast<size_t>(k) + 1, j, depth + 1, cost);
      return;
    }
    NodeId d = r_[i].node;
    leaf_cost(i, j, &d);
    const Exceptions exc = exceptions(i, j, d);
    for (size_t t = i; t <= j; ++t)
      if (r_[t].node == d) cost[t] = depth + exc.size();
    for (size_t p = 0; p < exc.size(); ++p) cost[exc[p]] = depth + p + 1;
  }

  // A leaf's lone numbers in test order: heaviest first, then by number. A leaf spans at most
  // 2 * kMaxExceptions + 1 ranges (leaf_cost, leaf_bounded), one of them its decision's: no
  // allocation, and a stable insertion sort.
  struct Exceptions {
    std::array<size_t, 2 * kMaxExceptions> at{};
    size_t n = 0;
    size_t size() const { return n; }
    size_t operator[](size_t p) const { return at[p]; }
  };
  Exceptions exceptions(size_t i, size_t j, NodeId d) const {
    Exceptions exc;
    for (size_t t = i; t <= j && exc.n < exc.at.size(); ++t) {
      if (r_[t].node == d) continue;
      size_t b = exc.n++;
      for (; b > 0 && r_[exc.at[b - 1]].w < r_[t].w; --b) exc.at[b] = exc.at[b - 1];
      exc.at[b] = t;
    }
    return exc;
  }

  static constexpr double kInfeasible = 1e300;
  size_t bat(size_t i, size_t j, size_t dep) const { return (i * n_ + j) * depths_ + dep; }

  // The cheapest single-decision leaf for [i..j] hanging at depth `dep` that meets the bounds
  // (kInfeasible when none does); the lone numbers in exceptions() order, as leaf() emits them.
  double leaf_bounded(size_t i, size_t j, size_t dep, const std::vector<size_t>& bound,
                      NodeId* best_d) const {
    auto fits = [&](size_t t, size_t c) { return r_[t].w <= 0 || dep + c <= bound[t]; };
    if (i == j) {
      *best_d = r_[i].node;
      return fits(i, 0) ? 0 : kInfeasible;
    }
    if (j - i > 2 * kMaxExceptions) return kInfeasible;
    NodeId wide = detail::kNone;
    for (size_t t = i; t <= j; ++t) {
      if (r_[t].lo == r_[t].hi) continue;
      if (wide != detail::kNone && wide != r_[t].node) return kInfeasible;
      wide = r_[t].node;
    }
    double best = kInfeasible;
    for (size_t c = i; c <= j; ++c) {
      const NodeId d = r_[c].node;
      if (wide != detail::kNone && d != wide) continue;
      bool tried = false;
      for (size_t e = i; e < c && !tried; ++e) tried = r_[e].node == d;
      if (tried) continue;
      const Exceptions exc = exceptions(i, j, d);
      if (exc.size() > kMaxExceptions) continue;
      const size_t m = exc.size();
      double cost = 0;
      bool ok = true;
      for (size_t t = i; t <= j && ok; ++t) {
        if (r_[t].node != d) continue;
        cost += (r_[t].w + kRangeWeight) * static_cast<double>(m);
        ok = fits(t, m);
      }
      for (size_t p = 0; p < m && ok; ++p) {
        cost += (r_[exc[p]].w + kRangeWeight) * static_cast<double>(p + 1);
        ok = fits(exc[p], p + 1);
      }
      if (ok && cost < best - 1e-12) {
        best = cost;
        *best_d = d;
      }
    }
    return best;
  }

  NodeId build_bounded(size_t i, size_t j, size_t dep, std::vector<size_t>& costs) {
    const int32_t how = broot_[bat(i, j, dep)];
    if (how < 0) {
      const NodeId d = static_cast<NodeId>(~how);
      const Exceptions exc = exceptions(i, j, d);
      for (size_t t = i; t <= j; ++t)
        if (r_[t].node == d) costs[t] = dep + exc.size();
      for (size_t p = 0; p < exc.size(); ++p) costs[exc[p]] = dep + p + 1;
      return leaf(i, j, d);
    }
    const auto k = static_cast<size_t>(how);
    const NodeId right = build_bounded(k + 1, j, dep + 1, costs);
    const NodeId left = build_bounded(i, k, dep + 1, costs);
    return g_.jump(JGE, r_[k + 1].lo, right, left);
  }

  // Interval [i..j] lives at (length - 1) * n + i: the DP writes each length in one sweep.
  size_t at(size_t i, size_t j) const { return (j - i) * n_ + i; }
  double weight(size_t i, size_t j) const { return pre_[j + 1] - pre_[i]; }

  // Best single-decision leaf for [i..j]: its cost, or a negative number when there is none.
  double leaf_cost(size_t i, size_t j, NodeId* best_d) const {
    NodeId wide = detail::kNone;  // the decision of a range wider than one number
    for (size_t t = i; t <= j && t <= i + 2 * kMaxExceptions; ++t) {
      if (r_[t].lo == r_[t].hi) continue;
      if (wide != detail::kNone && wide != r_[t].node) {
        wide = kMixed;
        break;
      }
      wide = r_[t].node;
    }
    return leaf_cost(i, j, wide, best_d);
  }

  // Two ranges wider than one number with different decisions: no leaf.
  static constexpr NodeId kMixed = detail::kNone - 1;

  // The same, given [i..j]'s `wide` (kNone, a decision, or kMixed; solve() keeps it as the
  // intervals grow, instead of a scan per interval).
  double leaf_cost(size_t i, size_t j, NodeId wide, NodeId* best_d) const {
    if (i == j) {
      *best_d = r_[i].node;
      return 0;
    }
    if (j - i > 2 * kMaxExceptions || wide == kMixed) return -1;
    double best = -1;
    auto consider = [&](NodeId d) {
      double wd = 0;
      double ws[kMaxExceptions + 1];
      size_t m = 0;
      for (size_t t = i; t <= j && m <= kMaxExceptions; ++t) {
        if (r_[t].node == d) {
          wd += r_[t].w + kRangeWeight;
        } else {
          if (m < kMaxExceptions) ws[m] = r_[t].w + kRangeWeight;
          ++m;
        }
      }
      if (m > kMaxExceptions) return;
      // At most kMaxExceptions weights: a bounded insertion sort, heaviest first. (std::sort
      // here trips GCC 12's -Warray-bounds at -O3, a false positive.)
      for (size_t a = 1; a < m && a < kMaxExceptions; ++a) {
        const double v = ws[a];
        size_t b = a;
        for (; b > 0 && ws[b - 1] < v; --b) ws[b] = ws[b - 1];
        ws[b] = v;
      }
      double cost = wd * static_cast<double>(m);
      for (size_t t = 0; t < m; ++t) cost += ws[t] * static_cast<double>(t + 1);
      if (best < 0 || cost < best - 1e-12) {
        best = cost;
        *best_d = d;
      }
    };
    // A range wider than one number cannot be an exception: its decision is the only candidate
    // (most intervals; no search over the others).
    if (wide != detail::kNone) {
      consider(wide);
      return best;
    }
    for (size_t c = i; c <= j; ++c) {
      const NodeId d = r_[c].node;
      // Each decision once (ranges alternate between a few): the same d gives the same cost.
      bool tried = false;
      for (size_t e = i; e < c && !tried; ++e) tried = r_[e].node == d;
      if (!tried) consider(d);
    }
    return best;
  }

  void solve() {
    // Every sub-interval is written before it is read (by length), so no initialization. The
    // tables are per-thread scratch reused across compilations (no page faults per compile).
    thread_local std::vector<double> cost_buf;
    thread_local std::vector<int32_t> root_buf;
    if (cost_buf.size() < n_ * n_) {
      cost_buf.resize(n_ * n_);
      root_buf.resize(n_ * n_);
    }
    cost_ = cost_buf.data();
    root_ = root_buf.data();
    // wide[i]: the wide decision of [i..i+len-1] (see leaf_cost), grown by one range per length.
    thread_local std::vector<NodeId> wide;
    wide.assign(n_, detail::kNone);
    for (size_t len = 1; len <= n_; ++len) {
      for (size_t i = 0; i + len <= n_; ++i) {
        const size_t j = i + len - 1;
        NodeId& w = wide[i];
        if (w != kMixed && r_[j].lo != r_[j].hi)
          w = w == detail::kNone || w == r_[j].node ? r_[j].node : kMixed;
        NodeId d = detail::kNone;
        double best = leaf_cost(i, j, w, &d);
        size_t sk = i;
        if (len > 1) {
          size_t lo = split_of(at(i, j - 1));
          size_t hi = std::min(split_of(at(i + 1, j)), j - 1);
          if (lo > hi) lo = hi;
          double sbest = 0;
          sk = lo;
          for (size_t k = lo; k <= hi; ++k) {
            const double v = cost_[at(i, k)] + cost_[at(k + 1, j)];
            if (k == lo || v < sbest - 1e-12) {
              sbest = v;
              sk = k;
            }
          }
          sbest += weight(i, j);
          if (best < 0 || sbest < best - 1e-12) {
            best = sbest;
            d = detail::kNone;
          }
        }
        cost_[at(i, j)] = best;
        // The best split (Knuth's bounds need it even where a leaf won); ~k marks a leaf.
        root_[at(i, j)] = static_cast<int32_t>(d == detail::kNone ? sk : ~sk);
      }
    }
  }

  size_t split_of(size_t ij) const {
    const int32_t v = root_[ij];
    return static_cast<size_t>(v < 0 ? ~v : v);
  }

  NodeId build(size_t i, size_t j) {
    int32_t k;
    NodeId d = r_[i].node;
    if (root_) {
      k = root_[at(i, j)] < 0 ? -1 : root_[at(i, j)];
      if (k < 0) leaf_cost(i, j, &d);
    } else if (i == j) {
      k = -1;
    } else {
      // Weight balance: the split that makes both sides as even as possible.
      const double total = weight(i, j);
      k = static_cast<int32_t>(i);
      double bd = -1;
      for (size_t s = i; s < j; ++s) {
        const double dd = std::fabs(2 * weight(i, s) - total);
        if (bd < 0 || dd < bd) {
          bd = dd;
          k = static_cast<int32_t>(s);
        }
      }
    }
    if (k < 0) return leaf(i, j, d);
    const auto ks = static_cast<size_t>(k);
    const NodeId right = build(ks + 1, j);
    const NodeId left = build(i, ks);
    return g_.jump(JGE, r_[ks + 1].lo, right, left);
  }

  // Lone numbers first (heaviest first, then by number), then the leaf's decision.
  NodeId leaf(size_t i, size_t j, NodeId d) {
    const Exceptions exc = exceptions(i, j, d);
    NodeId n = d;
    for (size_t p = exc.size(); p-- > 0;) n = g_.jump(JEQ, r_[exc[p]].lo, r_[exc[p]].node, n);
    return n;
  }

  Graph& g_;
  std::vector<Range>& r_;
  size_t n_;
  std::vector<double> pre_;
  double* cost_ = nullptr;
  int32_t* root_ = nullptr;     // best split k, or ~k where a leaf won
  size_t depths_ = 0;           // build_bounded: depths 0..depths_-1
  std::vector<double> bcost_;   // [i][j][depth]: the bounded minimum, kInfeasible if none
  std::vector<int32_t> broot_;  // its split k, or ~decision for a leaf
};

// ---------------------------------------------------------------- doors

struct Door {
  uint32_t audit_arch = 0;
  std::vector<arch::Arch> members;
};

// One filter of a stack: the (arch, nr) keys it decides; every other number, and (unless it is
// the base) every arch, gap and rule-less number, is ALLOW there.
struct Selection {
  bool base = false;
  std::vector<uint64_t> keys;  // sorted key_of()
  static uint64_t key_of(arch::Arch a, int32_t nr) {
    return (uint64_t{static_cast<uint8_t>(a)} << 32) | static_cast<uint32_t>(nr);
  }
  bool has(arch::Arch a, int32_t nr) const {
    return std::binary_search(keys.begin(), keys.end(), key_of(a, nr));
  }
};

class Compiler {
 public:
  Compiler(const ir::ValidatedPolicy& p, const Options& o, const Selection* sel = nullptr)
      : p_(p), o_(o), sel_(sel), low_(g_) {
    const ir::PolicySpec& s = p.spec();
    bad_ = g_.ret(s.bad_arch_action.to_ret());
    dflt_ = g_.ret(s.default_action.to_ret());
    unknown_ = s.unknown_syscall_action ? g_.ret(s.unknown_syscall_action->to_ret()) : dflt_;
    allow_ = g_.ret(kRetAllow);
    if (o.profile) {
      for (const auto& [key, v] : *o.profile) {
        if (v > 0 && (missing_freq_ == 0 || v < missing_freq_)) missing_freq_ = v;
      }
    }
    if (missing_freq_ == 0) missing_freq_ = 1;
  }

  Result<Program> run() {
    std::vector<Door> doors;
    for (arch::Arch a : p_.arches()) {
      const uint32_t au = arch::info(a).audit_arch;
      auto it = std::find_if(doors.begin(), doors.end(),
                             [au](const Door& d) { return d.audit_arch == au; });
      if (it == doors.end()) {
        doors.push_back(Door{au, {a}});
      } else {
        it->members.push_back(a);
      }
    }
    // The native door first: its syscalls pay one arch comparison.
    const uint32_t native = arch::info(arch::native_arch()).audit_arch;
    std::stable_partition(doors.begin(), doors.end(),
                          [native](const Door& d) { return d.audit_arch == native; });
    NodeId chain = plain(bad_);
    for (auto it = doors.rbegin(); it != doors.rend(); ++it)
      chain = g_.jump_on(kOffArch, JEQ, it->audit_arch, door_tree(*it), chain);
    return detail::emit(g_, g_.load(kOffArch, chain));
  }

 private:
  // What a number or arch this filter does not decide gets: itself in a whole program or the
  // stack's base, ALLOW in the other filters of a stack.
  NodeId plain(NodeId real) const { return sel_ && !sel_->base ? allow_ : real; }
  bool decides(arch::Arch a, int32_t nr) const { return !sel_ || sel_->has(a, nr); }

  bool targets(const Door& d, arch::Arch a) const {
    return std::find(d.members.begin(), d.members.end(), a) != d.members.end();
  }

  // The weighting's weight, and Uniform's (what CacheAware's second tree minimizes).
  Weights weight(arch::Arch a, int32_t nr, NodeId decision) {
    double w = 1;
    if (o_.profile) {
      auto it = o_.profile->find({a, nr});
      w = it != o_.profile->end() ? it->second : missing_freq_;
    }
    const double all = lets_through(decision) ? w : w * kRefusedWeight;
    if (o_.weighting == Weighting::CacheAware)
      return {decision == allow_ ? w * o_.cached_weight : w, all};
    return {all, all};
  }

  // Can the decision end in allow, log, trace or user_notif?
  bool lets_through(NodeId n) {
    if (through_.size() < g_.size()) through_.resize(g_.size(), -1);
    int8_t& memo = through_[static_cast<size_t>(n)];
    if (memo >= 0) return memo != 0;
    const detail::Node& node = g_.at(n);
    bool r;
    if (g_.is_ret(n)) {
      const ir::Action a = ir::Action::from_ret_or(node.k, ir::Action::kill_process());
      r = a.kind == ir::ActionKind::Allow || a.kind == ir::ActionKind::Log ||
          a.kind == ir::ActionKind::Trace || a.kind == ir::ActionKind::UserNotif;
    } else {
      r = lets_through(node.jt) || (node.jf != detail::kNone && lets_through(node.jf));
    }
    through_[static_cast<size_t>(n)] = r ? 1 : 0;
    return r;
  }

  // Ranges for arch `a` over [lo, hi] (hi < 0xffffffff).
  void arch_ranges(arch::Arch a, uint32_t lo, uint32_t hi, std::vector<Range>& out) {
    // The arch's rules by number (stable: spec order within a number), merged with its table
    // (already sorted by number).
    std::vector<std::pair<uint32_t, const ir::Rule*>> rules;
    for (const ir::ResolvedRule& r : p_.rules_for(a))
      rules.emplace_back(static_cast<uint32_t>(r.nr), r.rule);
    // By number, keeping rules_for's order within a number: spec order, with a rule derived for a
    // multiplexer (socketcall/ipc) right after its source rule. (Not by pointer: derived rules
    // live in another vector than the spec's, so addresses say nothing about their order.)
    std::stable_sort(rules.begin(), rules.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    const auto table = arch::syscalls(a);
    size_t ti = 0, ri = 0;
    uint32_t next = lo;
    std::vector<const ir::Rule*> these;
    while (ti < table.size() || ri < rules.size()) {
      const uint32_t tn = ti < table.size() ? static_cast<uint32_t>(table[ti].nr) : 0xffffffffU;
      const uint32_t rn = ri < rules.size() ? rules[ri].first : 0xffffffffU;
      const uint32_t nr = std::min(tn, rn);
      if (tn == nr) ++ti;
      these.clear();
      while (ri < rules.size() && rules[ri].first == nr) these.push_back(rules[ri++].second);
      if (nr < lo || nr > hi) continue;
      if (nr > next) push_range(out, next, nr - 1, plain(unknown_));
      const bool elsewhere = !these.empty() && !decides(a, static_cast<int32_t>(nr));
      if (!these.empty() && !elsewhere) ++rule_numbers_;
      const NodeId d = elsewhere       ? allow_
                       : these.empty() ? plain(dflt_)
                                       : low_.rules(these, a, dflt_);
      push_range(out, nr, nr, d, weight(a, static_cast<int32_t>(nr), d));
      next = nr + 1;
    }
    if (next <= hi) push_range(out, next, hi, plain(unknown_));
  }

  // nr == -1 (a tracer's skip): unknown, unless rules name -1 (libseccomp's API_TSKIP).
  void minus_one_range(const Door& d, std::vector<Range>& rs) {
    for (arch::Arch a : d.members) {
      std::vector<const ir::Rule*> v;
      for (const ir::ResolvedRule& r : p_.rules_for(a)) {
        if (r.nr == -1) v.push_back(r.rule);
      }
      if (v.empty()) continue;
      if (!decides(a, -1)) {
        push_range(rs, 0xffffffffU, 0xffffffffU, allow_);
        return;
      }
      const NodeId n = low_.rules(v, a, unknown_);
      push_range(rs, 0xffffffffU, 0xffffffffU, n, weight(a, -1, n));
      return;
    }
    push_range(rs, 0xffffffffU, 0xffffffffU, plain(unknown_));
  }

  NodeId door_tree(const Door& d) {
    std::vector<Range> rs;
    rule_numbers_ = 0;
    // Arches sharing this audit value (x86_64 and x32) split the numbers by their nr bit
    // (arch::ArchInfo): each owns [its bit, the next one's bit - 1]; one not targeted is bad_arch.
    const std::vector<arch::Arch> partners = arch::audit_arch_partners(d.members.front());
    if (partners.size() == 1) {
      arch_ranges(d.members.front(), 0, 0xfffffffeU, rs);
    } else {
      for (size_t i = 0; i < partners.size(); ++i) {
        const uint32_t lo = arch::info(partners[i]).nr_bit;
        const uint32_t hi =
            i + 1 < partners.size() ? arch::info(partners[i + 1]).nr_bit - 1 : 0xfffffffeU;
        if (targets(d, partners[i])) {
          arch_ranges(partners[i], lo, hi, rs);
        } else {
          push_range(rs, lo, hi, plain(bad_));
        }
      }
    }
    minus_one_range(d, rs);  // nr == -1

    // The default weighting also bounds every syscall's path by a balanced search over the
    // numbers that have rules (libseccomp's binary tree: ceil(log2 k) splits, then a JEQ), so
    // that no syscall pays more than it would there. Uniform is the pure weighted optimum.
    if (o_.weighting != Weighting::CacheAware || rule_numbers_ == 0) {
      const NodeId tree = Planner(g_, rs).build();
      return g_.is_ret(tree) || g_.is_load(tree) ? tree : g_.load(kOffNr, tree);
    }
    size_t bound = 1;
    while ((size_t{1} << (bound - 1)) < rule_numbers_) ++bound;
    std::vector<Range> all = rs;  // before the first tree raises weights
    std::vector<size_t> bounds(rs.size(), bound);
    Planner first(g_, rs, bounds);
    NodeId tree = first.build();
    // The second tree: Uniform's weights (every allowed syscall counts, as on a kernel without
    // the cache), under the first tree's costs as bounds for every path the cache cannot take
    // and libseccomp's bound for the others. Kept only if it meets every bound.
    std::vector<size_t> cost = first.costs();
    if (o_.refine_for_all && !cost.empty()) {
      for (size_t t = 0; t < all.size(); ++t) {
        if (all[t].node != allow_) bounds[t] = std::min(bound, cost[t] + o_.refine_slack);
        all[t].w = all[t].w_all;
      }
      Planner second(g_, all);
      const NodeId t2 = second.build_bounded(bounds, cost);
      if (t2 != detail::kNone) tree = t2;
    }
    // A tree that never looks at nr (one range) needs no nr load.
    if (g_.is_ret(tree) || g_.is_load(tree)) return tree;
    return g_.load(kOffNr, tree);
  }

  const ir::ValidatedPolicy& p_;
  const Options& o_;
  const Selection* sel_;
  Graph g_;
  Lowerer low_;
  NodeId bad_, dflt_, unknown_, allow_;
  double missing_freq_ = 0;
  size_t rule_numbers_ = 0;      // numbers with rules in the door being built
  std::vector<int8_t> through_;  // lets_through memo, per node: -1 unknown
};

}  // namespace

namespace {

// The cost of `prog` on the profile: the mean number of instructions per call (arguments 0),
// as the kernel runs it (`kernel`: a call its constant-allow cache takes runs none) or with
// every call running the filter. Only the native arch and its compat arch have a cache.
double profile_cost(const Program& prog, const FrequencyProfile& prof, bool kernel) {
  auto vp = bpf::VerifiedProgram::make(prog);
  if (!vp) return HUGE_VAL;
  const arch::Arch native = arch::native_arch();
  double sum = 0, n = 0;
  for (const auto& [key, freq] : prof) {
    if (freq <= 0) continue;
    const uint32_t audit = arch::info(key.first).audit_arch;
    const bool has_cache =
        key.first == native || (native == arch::Arch::X86_64 && key.first == arch::Arch::I386);
    double insns = 0;
    if (!(kernel && has_cache && bpf::is_const_allow(prog, audit, key.second)))
      insns = static_cast<double>(
          bpf::emulate(*vp, bpf::SeccompData::make(audit, key.second)).executed);
    sum += freq * insns;
    n += freq;
  }
  return n > 0 ? sum / n : 0;
}

}  // namespace

Result<Program> compile(const ir::ValidatedPolicy& policy, const Options& options) {
  auto prog = Compiler(policy, options).run();
  if (!prog) prog.error().hint = "split it into stacked filters: compile_stack() (the CLI does)";
  if (!prog || !options.profile || options.profile->empty()) return prog;
  // Profile-guided: the weights are an estimate (the tree search is exact only for small
  // policies, and a cached allow's weight trades the kernel's cost against the uncached one),
  // so the tree kept is the cheapest on the profile itself among the profile-weighted trees and
  // the other weightings: never worse than compiling without the profile. Cheapest = fewest
  // instructions per call as the kernel runs them (cached calls run none), then fewest with
  // every call running the filter (kernels before 5.11).
  const FrequencyProfile& prof = *options.profile;
  std::vector<Options> candidates;
  for (double cw : {0.01, 1.0}) {
    Options o = options;
    o.cached_weight = cw;
    candidates.push_back(o);
  }
  for (Weighting w : {Weighting::CacheAware, Weighting::Uniform}) {
    Options o = options;
    o.profile = nullptr;
    o.weighting = w;
    candidates.push_back(o);
  }
  double best_kernel = profile_cost(*prog, prof, true), best_all = profile_cost(*prog, prof, false);
  for (const Options& o : candidates) {
    auto p = Compiler(policy, o).run();
    if (!p) continue;
    const double k = profile_cost(*p, prof, true), a = profile_cost(*p, prof, false);
    const double eps = 1e-9 * std::max(1.0, best_kernel);
    if (k < best_kernel - eps || (k <= best_kernel + eps && a < best_all - 1e-9)) {
      best_kernel = k;
      best_all = a;
      prog = std::move(p);
    }
  }
  return prog;
}

namespace {

// Splitting a policy that does not fit one program: the numbers with rules, by arch then
// number (seccomp's first), are cut into contiguous runs, each compiled as one filter; a run too
// long is halved (at the middle of its estimated size) until every run fits. The first run's
// filter is the base: it also decides the bad arch, unknown numbers and numbers without rules,
// and it is installed last (a filter installed earlier allows every syscall it does not decide,
// seccomp(2) among them).
class Stacker {
 public:
  Stacker(const ir::ValidatedPolicy& p, const Options& o) : p_(p), o_(o) {
    // seccomp's own numbers first: they land in the base, which is installed last, so the
    // filters before it never refuse the seccomp(2) calls that install the rest.
    std::vector<std::pair<bool, uint64_t>> order;
    std::map<uint64_t, size_t> sizes;
    for (arch::Arch a : p.arches()) {
      const auto seccomp_nr = arch::syscall_number(a, "seccomp");
      for (const ir::ResolvedRule& r : p.rules_for(a)) {
        const uint64_t key = Selection::key_of(a, r.nr);
        if (sizes[key] == 0) order.emplace_back(!(seccomp_nr && *seccomp_nr == r.nr), key);
        sizes[key] += 2 + 3 * r.rule->conds.size();
      }
    }
    std::stable_sort(order.begin(), order.end());
    for (const auto& [not_seccomp, key] : order) {
      keys_.push_back(key);
      cost_.push_back(sizes[key]);
    }
  }

  Result<std::vector<Program>> run() {
    if (keys_.empty()) {  // nothing to split: the base alone is too long (cannot happen)
      Error e;
      e.message = "the compiled filter is longer than 4096 instructions and has no rules to split";
      return e;
    }
    std::vector<Piece> pieces;  // the base first here
    if (auto r = split(0, keys_.size(), pieces); !r) return r.error();
    // Halving can leave neighbours that fit together: merge them while they do.
    for (size_t i = 0; i + 1 < pieces.size();) {
      auto merged = compile_run(pieces[i].lo, pieces[i + 1].hi);
      if (!merged) {
        ++i;
        continue;
      }
      pieces[i].hi = pieces[i + 1].hi;
      pieces[i].prog = std::move(*merged);
      pieces.erase(pieces.begin() + static_cast<ptrdiff_t>(i) + 1);
    }
    std::vector<Program> out;  // install order: the base last
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) out.push_back(std::move(it->prog));
    return out;
  }

 private:
  struct Piece {
    size_t lo, hi;
    Program prog;
  };

  Result<Program> compile_run(size_t lo, size_t hi) const {
    Selection sel;
    sel.base = lo == 0;
    sel.keys.assign(keys_.begin() + static_cast<ptrdiff_t>(lo),
                    keys_.begin() + static_cast<ptrdiff_t>(hi));
    std::sort(sel.keys.begin(), sel.keys.end());
    return Compiler(p_, o_, &sel).run();
  }

  Result<void> split(size_t lo, size_t hi, std::vector<Piece>& out) const {
    auto prog = compile_run(lo, hi);
    if (prog) {
      out.push_back(Piece{lo, hi, std::move(*prog)});
      return {};
    }
    if (hi - lo == 1) {
      Error e = prog.error();
      e.message = "the rules of syscall " + syscall_name(lo) + " alone compile to more than " +
                  std::to_string(kMaxInsns) + " instructions (" + e.message + ")";
      e.hint = "a syscall's rules must fit in one filter of a stack: use fewer or simpler rules";
      return e;
    }
    // The cut nearest the middle of the estimated size (a key goes left when its middle does).
    size_t total = 0;
    for (size_t i = lo; i < hi; ++i) total += cost_[i];
    size_t mid = lo + 1, acc = cost_[lo];
    while (mid + 1 < hi && 2 * acc + cost_[mid] <= total) acc += cost_[mid++];
    if (auto r = split(lo, mid, out); !r) return r;
    return split(mid, hi, out);
  }

  std::string syscall_name(size_t i) const {
    const auto a = static_cast<arch::Arch>(keys_[i] >> 32);
    const auto nr = static_cast<int32_t>(static_cast<uint32_t>(keys_[i]));
    std::string where = std::string(arch::info(a).name) + " " + std::to_string(nr);
    if (auto name = arch::syscall_name(a, nr)) return std::string(*name) + " (" + where + ")";
    return where;
  }

  const ir::ValidatedPolicy& p_;
  const Options& o_;
  std::vector<uint64_t> keys_;
  std::vector<size_t> cost_;
};

bool may_notify(const Program& p) {
  for (const Insn& i : p)
    if (i.code == (RET | K) && action_of(i.k) == kRetUserNotif) return true;
  return false;
}

}  // namespace

Result<std::vector<Program>> compile_stack(const ir::ValidatedPolicy& policy,
                                           const Options& options) {
  auto whole = Compiler(policy, options).run();
  if (whole) return std::vector<Program>{std::move(*whole)};
  auto stack = Stacker(policy, options).run();
  if (!stack) return stack.error();
  size_t notifying = 0;
  for (const Program& p : *stack) notifying += may_notify(p) ? 1 : 0;
  if (notifying > 1) {
    Error e;
    e.message = "the policy needs " + std::to_string(stack->size()) +
                " stacked filters and its notify rules land in " + std::to_string(notifying) +
                " of them; one notification listener serves one filter";
    e.hint = "use fewer notify rules, or fewer argument rules elsewhere";
    return e;
  }
  return stack;
}

}  // namespace sysfence::compiler
