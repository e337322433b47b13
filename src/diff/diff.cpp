// src/diff/diff.cpp — symbolic execution of classic BPF over seccomp_data words, and the
// comparison of two filters (see sysfence/diff/diff.hpp).
#include "sysfence/diff/diff.hpp"
#include "sysfence/support/format.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "sysfence/bpf/verify.hpp"

namespace sysfence::diff {
namespace {

using namespace bpf;

// ---- word sets --------------------------------------------------------------------------------

void insert_sorted(std::vector<uint32_t>& v, uint32_t x) {
  auto it = std::lower_bound(v.begin(), v.end(), x);
  if (it == v.end() || *it != x) v.insert(it, x);
}

// Depth-first search for the smallest member, most significant bit first. It prunes on the
// bounds and the fixed bits, and on each excluded pattern (x & n) != w once all of n's bits are
// decided. A subtree that is not tight against a bound and holds no excluded single value is
// decided by the set of patterns still matching so far ("alive") alone, so its failures are
// memoized by (bit, alive set): the search is polynomial in the number of bits, excluded values
// and distinct alive sets, not exponential in the free bits.
struct Searcher {
  const WordSet& s;
  std::vector<std::pair<uint32_t, uint32_t>> clauses;  // non-trivial excluded patterns (<= 64)
  std::set<std::pair<int, uint64_t>> failed;           // memo: (bit, alive) with no member below
  uint64_t* budget;

  bool values_in(uint32_t prefix,
                 int bit) const {  // an excluded value in [prefix, prefix + 2^(bit+1))
    const uint64_t end = static_cast<uint64_t>(prefix) + (2ULL << bit);
    auto it = std::lower_bound(s.not_values.begin(), s.not_values.end(), prefix);
    return it != s.not_values.end() && *it < end;
  }

  std::optional<uint32_t> dfs(int bit, uint32_t prefix, bool tlo, bool thi, uint64_t alive) {
    if (*budget == 0) return std::nullopt;
    --*budget;
    if (bit < 0) {
      if (std::binary_search(s.not_values.begin(), s.not_values.end(), prefix)) return std::nullopt;
      return prefix;
    }
    const bool memo = !tlo && !thi && !values_in(prefix, bit);
    if (memo && failed.count({bit, alive})) return std::nullopt;
    const uint32_t m = 1u << bit;
    for (uint32_t b = 0; b <= 1; ++b) {
      if ((s.must_mask & m) && ((s.must_value & m) != 0) != (b != 0)) continue;
      const bool lo_bit = (s.lo & m) != 0, hi_bit = (s.hi & m) != 0;
      if (tlo && b < static_cast<uint32_t>(lo_bit)) continue;
      if (thi && b > static_cast<uint32_t>(hi_bit)) continue;
      uint64_t next = alive;
      bool violated = false;
      for (size_t i = 0; i < clauses.size() && !violated; ++i) {
        if (!(alive >> i & 1)) continue;
        const auto& [n, w] = clauses[i];
        if (!(n & m)) continue;
        if (((w & m) != 0) != (b != 0))
          next &= ~(1ULL << i);  // differs: satisfied
        else if ((n & (m - 1)) == 0)
          violated = true;  // all of n decided, equal
      }
      if (violated) continue;
      if (auto r = dfs(bit - 1, prefix | (b ? m : 0), tlo && b == static_cast<uint32_t>(lo_bit),
                       thi && b == static_cast<uint32_t>(hi_bit), next))
        return r;
      if (*budget == 0) return std::nullopt;
    }
    if (memo) failed.insert({bit, alive});
    return std::nullopt;
  }
};

}  // namespace

bool WordSet::contains(uint32_t x) const {
  if (x < lo || x > hi || (x & must_mask) != must_value) return false;
  if (std::binary_search(not_values.begin(), not_values.end(), x)) return false;
  for (const auto& [m, v] : not_masked)
    if ((x & m) == v) return false;
  return true;
}

std::optional<uint32_t> WordSet::smallest(uint64_t* budget) const {
  if (lo > hi) return std::nullopt;
  if ((must_value & ~must_mask) != 0) return std::nullopt;
  if (lo == hi || must_mask == 0xffffffffU) {  // one candidate
    const uint32_t only = lo == hi ? lo : must_value;
    return contains(only) ? std::optional<uint32_t>(only) : std::nullopt;
  }
  if (must_mask == 0 && not_masked.empty()) {  // an interval minus values: walk the sorted values
    uint64_t x = lo;
    for (auto it = std::lower_bound(not_values.begin(), not_values.end(), lo);
         it != not_values.end() && *it == x; ++it) {
      if (*budget == 0) return std::nullopt;
      --*budget;
      ++x;
    }
    if (x > hi) return std::nullopt;
    return static_cast<uint32_t>(x);
  }
  Searcher s{*this, {}, {}, budget};
  for (const auto& [m, v] : not_masked) {
    if (m == 0) {
      if (v == 0) return std::nullopt;  // (x & 0) != 0 never holds
      continue;                         // (x & 0) != v, v != 0: always holds
    }
    if ((v & ~m) != 0) continue;  // can never be equal: always holds
    if (std::find(s.clauses.begin(), s.clauses.end(), std::make_pair(m, v)) == s.clauses.end())
      s.clauses.push_back({m, v});
  }
  if (s.clauses.size() > 64) {  // more excluded patterns than the memo key holds: give up
    *budget = 0;
    return std::nullopt;
  }
  const uint64_t all = s.clauses.size() == 64 ? ~0ULL : (1ULL << s.clauses.size()) - 1;
  return s.dfs(31, 0, true, true, all);
}

// ---- graphs -----------------------------------------------------------------------------------

Result<FilterGraph> FilterGraph::from_program(const bpf::Program& prog) {
  if (auto v = bpf::verify(prog); !v) return v.error();
  FilterGraph g;
  g.nodes_.reserve(prog.size());
  for (uint32_t pc = 0; pc < prog.size(); ++pc) {
    const Insn& in = prog[pc];
    Node n{in.code, in.k, 0, 0};
    if (class_of(in.code) == JMP) {
      if (op_of(in.code) == JA) {
        n.jt = n.jf = pc + 1 + in.k;
      } else {
        n.jt = pc + 1 + in.jt;
        n.jf = pc + 1 + in.jf;
      }
    }
    g.nodes_.push_back(n);
  }
  return g;
}

namespace {

// Emits a graph with forward labels.
class Emitter {
 public:
  using Label = size_t;
  Label label() {
    pos_.push_back(SIZE_MAX);
    return pos_.size() - 1;
  }
  void bind(Label l) { pos_[l] = nodes_.size(); }
  void ld(uint32_t word) {
    nodes_.push_back({static_cast<uint16_t>(LD | W | ABS), word * 4, 0, 0});
  }
  void and_(uint32_t k) { nodes_.push_back({static_cast<uint16_t>(ALU | AND | K), k, 0, 0}); }
  void ret(uint32_t k) { nodes_.push_back({static_cast<uint16_t>(RET | K), k, 0, 0}); }
  void jump(uint16_t op, uint32_t k, Label t, Label f) {
    fix_.push_back({nodes_.size(), t, f});
    nodes_.push_back({static_cast<uint16_t>(JMP | op | K), k, 0, 0});
  }
  void go(Label l) {
    fix_.push_back({nodes_.size(), l, l});
    nodes_.push_back({static_cast<uint16_t>(JMP | JA), 0, 0, 0});
  }
  std::vector<Node> finish() {
    for (const auto& f : fix_) {
      nodes_[f.at].jt = static_cast<uint32_t>(pos_[f.t]);
      nodes_[f.at].jf = static_cast<uint32_t>(pos_[f.f]);
    }
    return std::move(nodes_);
  }

 private:
  struct Fix {
    size_t at;
    Label t, f;
  };
  std::vector<Node> nodes_;
  std::vector<size_t> pos_;
  std::vector<Fix> fix_;
};

// One comparison: continue at `pass` or `fail`. A big-endian ABI keeps an argument's high word
// first (sysfence/bpf/seccomp.hpp).
void emit_cmp(Emitter& e, const ir::EffectiveCmp& c, bool big_endian, Emitter::Label pass,
              Emitter::Label fail) {
  const uint32_t lo_word = arg_lo(c.arg, big_endian) / 4, hi_word = arg_hi(c.arg, big_endian) / 4;
  const uint32_t vl = static_cast<uint32_t>(c.value), vh = static_cast<uint32_t>(c.value >> 32);
  if (c.low32) {
    e.ld(lo_word);
    switch (c.op) {
      case ir::CmpOp::Eq: e.jump(JEQ, vl, pass, fail); return;
      case ir::CmpOp::Ne: e.jump(JEQ, vl, fail, pass); return;
      case ir::CmpOp::Lt: e.jump(JGE, vl, fail, pass); return;
      case ir::CmpOp::Le: e.jump(JGT, vl, fail, pass); return;
      case ir::CmpOp::Gt: e.jump(JGT, vl, pass, fail); return;
      case ir::CmpOp::Ge: e.jump(JGE, vl, pass, fail); return;
      case ir::CmpOp::MaskedEq:
        e.and_(static_cast<uint32_t>(c.mask));
        e.jump(JEQ, vl, pass, fail);
        return;
    }
  }
  // 64 bits: the high word decides unless it is equal.
  auto ordered = [&](uint16_t low_op, Emitter::Label yes, Emitter::Label no) {
    Emitter::Label eq = e.label(), low = e.label();
    e.ld(hi_word);
    e.jump(JGT, vh, yes, eq);
    e.bind(eq);
    e.jump(JEQ, vh, low, no);
    e.bind(low);
    e.ld(lo_word);
    e.jump(low_op, vl, yes, no);
  };
  auto equal = [&](uint64_t mask, Emitter::Label yes, Emitter::Label no) {
    Emitter::Label low = e.label();
    e.ld(hi_word);
    if (mask != ~0ULL) e.and_(static_cast<uint32_t>(mask >> 32));
    e.jump(JEQ, vh, low, no);
    e.bind(low);
    e.ld(lo_word);
    if (mask != ~0ULL) e.and_(static_cast<uint32_t>(mask));
    e.jump(JEQ, vl, yes, no);
  };
  switch (c.op) {
    case ir::CmpOp::Eq: equal(~0ULL, pass, fail); return;
    case ir::CmpOp::Ne: equal(~0ULL, fail, pass); return;
    case ir::CmpOp::Gt: ordered(JGT, pass, fail); return;
    case ir::CmpOp::Ge: ordered(JGE, pass, fail); return;
    case ir::CmpOp::Le: ordered(JGT, fail, pass); return;
    case ir::CmpOp::Lt: ordered(JGE, fail, pass); return;
    case ir::CmpOp::MaskedEq: equal(c.mask, pass, fail); return;
  }
}

// The rules of arch `a`, then the default / unknown-syscall answer.
void emit_arch_chain(Emitter& e, const ir::ValidatedPolicy& p, arch::Arch a) {
  const ir::PolicySpec& s = p.spec();
  std::vector<int32_t> numbers;
  for (const ir::ResolvedRule& rr : p.rules_for(a))
    if (std::find(numbers.begin(), numbers.end(), rr.nr) == numbers.end()) numbers.push_back(rr.nr);
  for (int32_t nr : numbers) {
    Emitter::Label mine = e.label(), next = e.label();
    e.ld(0);
    e.jump(JEQ, static_cast<uint32_t>(nr), mine, next);
    e.bind(mine);
    std::vector<const ir::Rule*> rules;
    for (const ir::ResolvedRule& rr : p.rules_for(a))
      if (rr.nr == nr) rules.push_back(rr.rule);
    std::stable_sort(rules.begin(), rules.end(), [](const ir::Rule* x, const ir::Rule* y) {
      return static_cast<int>(x->action.kind) < static_cast<int>(y->action.kind);
    });
    for (const ir::Rule* r : rules) {
      Emitter::Label fail = e.label();
      for (const ir::ArgCmp& c : r->conds) {
        Emitter::Label pass = e.label();
        emit_cmp(e, ir::effective(c, a), arch::info(a).big_endian, pass, fail);
        e.bind(pass);
      }
      e.ret(r->action.to_ret());
      e.bind(fail);
    }
    e.ret(s.default_action.to_ret());
    e.bind(next);
  }
  if (s.unknown_syscall_action && *s.unknown_syscall_action != s.default_action) {
    e.ld(0);
    for (const auto& sc : arch::syscalls(a)) {
      Emitter::Label known = e.label(), next = e.label();
      e.jump(JEQ, static_cast<uint32_t>(sc.nr), known, next);
      e.bind(known);
      e.ret(s.default_action.to_ret());
      e.bind(next);
    }
    e.ret(s.unknown_syscall_action->to_ret());
  } else {
    e.ret(s.default_action.to_ret());
  }
}

}  // namespace

FilterGraph FilterGraph::reference(const ir::ValidatedPolicy& p) {
  Emitter e;
  const arch::Arch native = arch::native_arch();
  const std::span<const arch::Arch> targets =
      p.arches().empty() ? std::span<const arch::Arch>(&native, 1) : p.arches();
  auto targeted = [&](arch::Arch a) {
    return std::find(targets.begin(), targets.end(), a) != targets.end();
  };
  const uint32_t bad = p.spec().bad_arch_action.to_ret();
  std::vector<uint32_t> audits;
  for (arch::Arch a : targets) {
    const uint32_t au = arch::info(a).audit_arch;
    if (std::find(audits.begin(), audits.end(), au) == audits.end()) audits.push_back(au);
  }
  for (uint32_t au : audits) {
    Emitter::Label mine = e.label(), next = e.label();
    e.ld(1);
    e.jump(JEQ, au, mine, next);
    e.bind(mine);
    if (au == kAuditArchX86_64) {
      // nr == -1 belongs to x86_64 when targeted, else to x32; bit 30 and above is x32.
      Emitter::Label minus1 = e.label(), other = e.label(), x32 = e.label(), x64 = e.label();
      e.ld(0);
      e.jump(JEQ, 0xffffffffU, minus1, other);
      e.bind(minus1);
      if (targeted(arch::Arch::X86_64))
        emit_arch_chain(e, p, arch::Arch::X86_64);
      else
        emit_arch_chain(e, p, arch::Arch::X32);  // x32 is targeted: the audit value is listed
      e.bind(other);
      e.ld(0);
      e.jump(JGE, kX32SyscallBit, x32, x64);
      e.bind(x32);
      if (targeted(arch::Arch::X32))
        emit_arch_chain(e, p, arch::Arch::X32);
      else
        e.ret(bad);
      e.bind(x64);
      if (targeted(arch::Arch::X86_64))
        emit_arch_chain(e, p, arch::Arch::X86_64);
      else
        e.ret(bad);
    } else {
      for (arch::Arch a : targets)
        if (arch::info(a).audit_arch == au) {
          emit_arch_chain(e, p, a);
          break;
        }
    }
    e.bind(next);
  }
  e.ret(bad);
  FilterGraph g;
  g.nodes_ = e.finish();
  return g;
}

// ---- symbolic execution -------------------------------------------------------------------

namespace {

struct Val {
  enum Kind : uint8_t { Const, Word, Unknown } kind = Const;
  uint32_t c = 0;    // Const
  uint8_t word = 0;  // Word: (words[word] & mask)
  uint32_t mask = 0;
};

struct State {
  size_t filter = 0;
  uint32_t pc = 0;
  Val a, x;
  std::array<Val, 16> mem{};
  Region region;
  std::array<uint32_t, 16> witness{};  // a member of each word set (0 is in the full set)
  uint32_t acc = kRetAllow;            // the stack's value so far
};

// "(x & m) > k" (gt) or its negation "(x & m) <= k" as disjoint fixed-bit patterns (M, V), each
// meaning (x & M) == V: read the masked value and k from the most significant bit; the first bit
// where they differ decides. At most popcount(m) + 1 patterns; exact, no sampling.
std::vector<std::pair<uint32_t, uint32_t>> ordering_patterns(uint32_t m, uint32_t k, bool gt) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  uint32_t pm = 0, pv = 0;  // the masked bits above `bit` equal k's
  for (int bit = 31; bit >= 0; --bit) {
    const uint32_t b = 1u << bit;
    const bool kb = (k & b) != 0;
    if (!(m & b)) {  // the masked value has 0 here
      if (kb) {      // below k whatever follows
        if (!gt) out.push_back({pm, pv});
        return out;
      }
      continue;
    }
    if (kb) {  // 0 here: below k; 1: still equal
      if (!gt) out.push_back({pm | b, pv});
      pm |= b;
      pv |= b;
    } else {  // 1 here: above k; 0: still equal
      if (gt) out.push_back({pm | b, pv | b});
      pm |= b;
    }
  }
  if (!gt) out.push_back({pm, pv});  // equal to k
  return out;
}

class Engine {
 public:
  Engine(uint64_t* steps, const Limits& limits, const char* side)
      : steps_(steps),
        max_steps_(limits.max_steps),
        max_open_(limits.max_open_paths),
        side_(side) {}

  // Calls `leaf(state)` for every feasible complete path of `stack` from `start`.
  template <class Leaf>
  Result<void> run(std::span<const FilterGraph> stack, State start, Leaf&& leaf) {
    std::vector<State> work;
    start.filter = 0;
    start.pc = 0;
    start.acc = kRetAllow;
    start.a = start.x = Val{};
    start.mem = {};
    work.push_back(std::move(start));
    while (!work.empty()) {
      State s = std::move(work.back());
      work.pop_back();
      for (;;) {
        if (++*steps_ > max_steps_) return too_big();
        const std::vector<Node>& nodes = stack[s.filter].nodes();
        const Node& n = nodes[s.pc];
        const uint16_t cls = class_of(n.code);
        // Dividing by an X of 0 ends the program with 0 (the kernel's conversion checks X first).
        const bool div_by_zero = cls == ALU && (op_of(n.code) == DIV || op_of(n.code) == MOD) &&
                                 src_of(n.code) == X && s.x.kind == Val::Const && s.x.c == 0;
        if (cls == RET || div_by_zero) {
          uint32_t r;
          if (div_by_zero) {
            r = 0;
          } else if ((n.code & 0x18) == RVAL_A) {
            if (s.a.kind != Val::Const)
              return unsupported(s, "returns a value computed from seccomp_data (RET A)");
            r = s.a.c;
          } else {
            r = n.k;
          }
          if (static_cast<int32_t>(action_of(r)) < static_cast<int32_t>(action_of(s.acc)))
            s.acc = r;
          if (s.filter + 1 < stack.size()) {
            ++s.filter;
            s.pc = 0;
            s.a = s.x = Val{};
            s.mem = {};
            continue;
          }
          if (auto r2 = leaf(s); !r2) return r2;
          break;
        }
        if (cls == JMP) {
          if (op_of(n.code) == JA) {
            s.pc = n.jt;
            continue;
          }
          Val operand;
          if (src_of(n.code) == X) {
            operand = s.x;
          } else {
            operand.kind = Val::Const;
            operand.c = n.k;
          }
          uint16_t op = op_of(n.code);
          uint32_t jt = n.jt, jf = n.jf;
          if (s.a.kind == Val::Const && operand.kind == Val::Word) {
            // A constant compared with a loaded word in X: the same test with the sides swapped.
            // c == w, c & w: symmetric; c > w is !(w >= c); c >= w is !(w > c).
            const uint32_t c = s.a.c;
            s.a = operand;
            operand = Val{Val::Const, c, 0, 0};
            if (op == JGT || op == JGE) {
              op = op == JGT ? JGE : JGT;
              std::swap(jt, jf);
            }
          }
          if (operand.kind != Val::Const)
            return unsupported(s, "compares two values computed from seccomp_data (A with X)");
          if (s.a.kind == Val::Const) {
            s.pc = holds(op, s.a.c, operand.c) ? jt : jf;
            continue;
          }
          if (s.a.kind == Val::Unknown)
            return unsupported(s, "compares a value computed from seccomp_data with more than AND");
          if ((op == JGT || op == JGE) && s.a.mask != 0xffffffffU) {
            // An ordering on a masked word: one path per fixed-bit pattern of each side.
            const uint32_t k = operand.c;
            if (op == JGE && k == 0) {  // always true
              s.pc = jt;
              continue;
            }
            const uint32_t gt_k = op == JGE ? k - 1 : k;  // x >= k is x > k - 1
            bool first = true;
            State keep;
            for (const bool truth : {false, true}) {
              for (const auto& [pm, pv] : ordering_patterns(s.a.mask, gt_k, truth)) {
                const uint8_t w = s.a.word;
                WordSet ws = s.region.words[w];  // (x & pm) == pv
                uint32_t witness = s.witness[w];
                const bool ok = constrain(ws, witness, pm, JEQ, pv, true);
                if (!ok_) return error_;
                if (!ok) continue;
                State t = s;
                t.region.words[w] = std::move(ws);
                t.witness[w] = witness;
                t.pc = truth ? jt : jf;
                if (first) {
                  keep = std::move(t);
                  first = false;
                } else {
                  if (work.size() >= max_open_) return too_many_pending();
                  work.push_back(std::move(t));
                }
              }
            }
            if (first) break;  // cannot happen: the patterns cover every member
            s = std::move(keep);
            continue;
          }
          // Both ways, each with its constraint, when feasible.
          // Only the compared word's set changes: the state is copied only when both ways are.
          const uint8_t w = s.a.word;
          WordSet wt = s.region.words[w], wf = s.region.words[w];
          uint32_t witness_t = s.witness[w], witness_f = s.witness[w];
          const bool t_ok = constrain(wt, witness_t, s.a.mask, op, operand.c, true);
          if (!ok_) return error_;
          const bool f_ok = constrain(wf, witness_f, s.a.mask, op, operand.c, false);
          if (!ok_) return error_;
          if (t_ok) {
            if (f_ok) {
              if (work.size() >= max_open_) return too_many_pending();
              State f = s;
              f.region.words[w] = std::move(wf);
              f.witness[w] = witness_f;
              f.pc = jf;
              work.push_back(std::move(f));
            }
            s.region.words[w] = std::move(wt);
            s.witness[w] = witness_t;
            s.pc = jt;
            continue;
          }
          if (f_ok) {
            s.region.words[w] = std::move(wf);
            s.witness[w] = witness_f;
            s.pc = jf;
            continue;
          }
          break;  // cannot happen: one of the two holds for every member
        }
        if (auto r = step(s, n); !r) return r;
        ++s.pc;
      }
    }
    return Ok{};
  }

 private:
  static bool holds(uint16_t op, uint32_t a, uint32_t k) {
    switch (op) {
      case JEQ: return a == k;
      case JGT: return a > k;
      case JGE: return a >= k;
      case JSET: return (a & k) != 0;
    }
    return false;
  }

  Error too_big() {
    return Error::make(
        ErrorCode::LimitExceeded,
        "the filters are too large to compare within the limit of " + std::to_string(max_steps_) +
            " symbolic steps: their paths multiply (typically many rules with several "
            "conditions each on one syscall: every rule that does not match splits the path "
            "once per condition, so the paths grow exponentially with the rules)",
        "raise the limit (--max-steps N), or compare parts: one arch, or fewer rules per "
        "syscall");
  }
  Error too_many_pending() {
    return Error::make(ErrorCode::LimitExceeded,
                       "the filters are too large to compare: more than " +
                           std::to_string(max_open_) + " open paths at once",
                       "compare smaller filters, or per arch");
  }
  Error unsupported(const State& s, const std::string& what) {
    return Error::make(
        ErrorCode::Unsupported,
        std::string(side_) + ", filter " + std::to_string(s.filter + 1) +
            " (newest first), "
            "instruction " +
            std::to_string(s.pc) + ": " + what +
            "; `diff` decides only filters that compare loaded words (ANDed with constants) "
            "with constants",
        "`sysfence disasm` shows the instruction (and the ones that computed the value)");
  }

  // Adds "A op k" (or its negation) to the region; false when that leaves it empty.
  bool constrain(WordSet& ws, uint32_t& witness, uint32_t m, uint16_t op, uint32_t k, bool truth) {
    switch (op) {
      case JEQ:
        if ((k & ~m) != 0) return !truth;  // (x & m) never equals k
        if (truth) {
          if ((ws.must_mask & m & (ws.must_value ^ k)) != 0) return false;
          ws.must_value = (ws.must_value & ~m) | k;
          ws.must_mask |= m;
          if (m == 0xffffffffU) {
            if (k < ws.lo || k > ws.hi) return false;
            ws.lo = ws.hi = k;
          }
        } else if (m == 0xffffffffU) {
          if (k < ws.lo || k > ws.hi) return true;  // already excluded
          if (ws.lo == ws.hi) return false;         // the one value left is k
          insert_sorted(ws.not_values, k);
        } else {
          ws.not_masked.push_back({m, k});
        }
        break;
      case JGT:
      case JGE: {  // a full word (run() splits a masked one into fixed-bit patterns)
        const bool gt = op == JGT;
        if (truth) {  // x > k, x >= k
          if (gt && k == 0xffffffffU) return false;
          ws.lo = std::max(ws.lo, gt ? k + 1 : k);
        } else {  // x <= k, x < k
          if (!gt && k == 0) return false;
          ws.hi = std::min(ws.hi, gt ? k : k - 1);
        }
        if (ws.lo > ws.hi) return false;
        break;
      }
      case JSET: {
        const uint32_t bits = m & k;
        if (truth) {
          if (bits == 0) return false;
          ws.not_masked.push_back({bits, 0});
        } else {
          if (bits == 0) return true;
          if ((ws.must_mask & bits & ws.must_value) != 0) return false;
          ws.must_mask |= bits;
          ws.must_value &= ~bits;
        }
        break;
      }
      default: return false;
    }
    if (ws.contains(witness)) return true;
    // Cheap candidates first (the bounds, the old witness with the fixed bits applied): a
    // member found this way saves the search; none proves nothing.
    for (const uint32_t c : {ws.lo, ws.hi, (witness & ~ws.must_mask) | ws.must_value,
                             (ws.lo & ~ws.must_mask) | ws.must_value}) {
      if (ws.contains(c)) {
        witness = c;
        return true;
      }
    }
    uint64_t budget = 1'000'000;
    auto v = ws.smallest(&budget);
    *steps_ += 1'000'000 - budget;
    if (budget == 0) {
      ok_ = false;
      error_ = too_big();
      return false;
    }
    if (!v) return false;
    witness = *v;
    return true;
  }

  Result<void> step(State& s, const Node& n) {
    const uint16_t cls = class_of(n.code);
    auto alu_operand = [&](Val* out) {
      if (src_of(n.code) == X)
        *out = s.x;
      else
        *out = Val{Val::Const, n.k, 0, 0};
    };
    switch (cls) {
      case LD:
      case LDX: {
        Val v;
        switch (mode_of(n.code)) {
          case ABS: v = Val{Val::Word, 0, static_cast<uint8_t>(n.k / 4), 0xffffffffU}; break;
          case LEN: v = Val{Val::Const, kSeccompDataSize, 0, 0}; break;
          case IMM: v = Val{Val::Const, n.k, 0, 0}; break;
          case MEM: v = s.mem[n.k & 15]; break;
          default: return unsupported(s, "uses a load mode seccomp does not allow");
        }
        (cls == LD ? s.a : s.x) = v;
        return Ok{};
      }
      case ST: s.mem[n.k & 15] = s.a; return Ok{};
      case STX: s.mem[n.k & 15] = s.x; return Ok{};
      case MISC:
        if ((n.code & 0xf8) == TXA)
          s.a = s.x;
        else
          s.x = s.a;
        return Ok{};
      case ALU: {
        const uint16_t op = op_of(n.code);
        Val b;
        alu_operand(&b);
        if (op == NEG) {
          if (s.a.kind == Val::Const)
            s.a.c = 0u - s.a.c;
          else
            s.a.kind = Val::Unknown;
          return Ok{};
        }
        if (s.a.kind == Val::Const && b.kind == Val::Const) {
          uint32_t& a = s.a.c;
          const uint32_t k = b.c;
          switch (op) {
            case ADD: a += k; break;
            case SUB: a -= k; break;
            case MUL: a *= k; break;
            case DIV:
              if (k == 0) {  // the kernel ends the program: return 0 (kill thread)
                s.a = Val{Val::Const, 0, 0, 0};
                return div_zero(s);
              }
              a /= k;
              break;
            case MOD:
              if (k == 0) return div_zero(s);
              a %= k;
              break;
            case OR: a |= k; break;
            case AND: a &= k; break;
            case XOR: a ^= k; break;
            case LSH: a = a << (k & 31); break;
            case RSH: a = a >> (k & 31); break;
            default: return unsupported(s, "uses an unknown ALU operation");
          }
          return Ok{};
        }
        if (op == AND && ((s.a.kind == Val::Word && b.kind == Val::Const) ||
                          (s.a.kind == Val::Const && b.kind == Val::Word))) {
          const uint32_t c = s.a.kind == Val::Const ? s.a.c : b.c;
          if (s.a.kind == Val::Const) s.a = b;  // c & w is w & c
          s.a.mask &= c;
          if (s.a.mask == 0) s.a = Val{Val::Const, 0, 0, 0};
          return Ok{};
        }
        if (b.kind != Val::Const)
          return unsupported(s, "computes with a value loaded from seccomp_data in X");
        s.a.kind = Val::Unknown;
        return Ok{};
      }
    }
    return unsupported(s, "uses an instruction diff does not model");
  }

  Result<void> div_zero(State& s) { return unsupported(s, "may divide by zero"); }

  uint64_t* steps_;
  uint64_t max_steps_;
  uint64_t max_open_;  // paths waiting on the work list (each holds a region): bounds memory
  const char* side_;   // "A" or "B", for errors
  bool ok_ = true;
  Error error_;
};

bpf::SeccompData example_of(const Region& r, const std::array<uint32_t, 16>& witness) {
  uint32_t w[16];
  for (int i = 0; i < 16; ++i) w[i] = r.words[i].contains(witness[i]) ? witness[i] : 0;
  bpf::SeccompData d;
  d.nr = static_cast<int32_t>(w[0]);
  d.arch = w[1];
  // The u64s are in the byte order of the arch's ABI, as the kernel (and bpf::emulate) read them.
  const bool be = audit_arch_big_endian(d.arch);
  auto u64 = [&](int first) {
    const uint64_t a = w[first], b = w[first + 1];
    return be ? (a << 32) | b : (b << 32) | a;
  };
  d.instruction_pointer = u64(2);
  for (int j = 0; j < 6; ++j) d.args[j] = u64(4 + 2 * j);
  return d;
}

}  // namespace

Result<DiffResult> compare(std::span<const FilterGraph> a, std::span<const FilterGraph> b,
                           const Limits& limits) {
  if (a.empty() || b.empty())
    return Error{"nothing to compare: a side has no filter", {}, "", {}, 0};
  DiffResult res;
  uint64_t steps = 0;
  Engine ea(&steps, limits, "A"), eb(&steps, limits, "B");
  bool too_many = false;
  auto r = ea.run(a, State{}, [&](const State& sa) -> Result<void> {
    ++res.paths_a;
    State start = sa;
    return eb.run(b, start, [&](const State& sb) -> Result<void> {
      ++res.pairs;
      if (sb.acc == sa.acc) return Ok{};
      if (res.differences.size() >= limits.max_differences) {
        too_many = true;
        return Error{"more than " + std::to_string(limits.max_differences) + " differing regions",
                     {},
                     "",
                     {},
                     0};
      }
      Difference d;
      d.region = sb.region;
      d.ret_a = sa.acc;
      d.ret_b = sb.acc;
      d.example = example_of(sb.region, sb.witness);
      res.differences.push_back(std::move(d));
      return Ok{};
    });
  });
  if (!r) return r.error();
  (void)too_many;
  res.steps = steps;
  return res;
}

// ---- describing ---------------------------------------------------------------------------

std::vector<RegionSyscalls> syscalls_in(const Region& r) {
  std::vector<RegionSyscalls> out;
  const WordSet& archw = r.words[1];
  const WordSet& nrw = r.words[0];
  for (const auto& info : arch::all_arches()) {
    if (!archw.contains(info.audit_arch)) continue;
    RegionSyscalls rs;
    rs.arch = info.arch;
    WordSet rest = nrw;  // numbers of this ABI's range not in its table
    if (info.arch == arch::Arch::X32) rest.lo = std::max(rest.lo, kX32SyscallBit);
    if (info.arch == arch::Arch::X86_64) rest.hi = std::min(rest.hi, kX32SyscallBit - 1);
    for (const auto& sc : arch::syscalls(info.arch)) {
      const auto u = static_cast<uint32_t>(sc.nr);
      if (nrw.contains(u)) rs.numbers.push_back(sc.nr);
      if (u >= rest.lo && u <= rest.hi) insert_sorted(rest.not_values, u);
    }
    uint64_t budget = 1'000'000;
    if (rest.lo <= rest.hi && rest.smallest(&budget)) {
      rs.other_numbers = true;
      rs.other_lo = rest.lo;
      rs.other_hi = rest.hi;
    }
    if (info.arch == arch::Arch::X86_64 && rest.lo > rest.hi && rs.numbers.empty()) continue;
    if (!rs.numbers.empty() || rs.other_numbers) out.push_back(std::move(rs));
  }
  return out;
}

bool other_arches_in(const Region& r) {
  WordSet w = r.words[1];
  for (const auto& info : arch::all_arches()) insert_sorted(w.not_values, info.audit_arch);
  uint64_t budget = 1'000'000;
  return w.smallest(&budget).has_value();
}

namespace {

// Numbers in conditions: small ones decimal, the rest hex (as the disassembler writes them).
std::string number(uint64_t v) { return hex_above(v, 10); }

// Conditions on one word, as `operand`-relative text; `shift` 32 for a high word.
void word_conds(const WordSet& set, const std::string& operand, int shift,
                std::vector<std::string>* out) {
  // The same set, said shortly: excluded values at a bound move the bound ("x >= 0x26 && x <=
  // 0x28 && x != 0x26 && x != 0x28" is "x == 0x27"); values outside the bounds are not excluded.
  WordSet w = set;
  for (bool moved = true; moved && w.lo < w.hi;) {
    moved = false;
    if (std::binary_search(w.not_values.begin(), w.not_values.end(), w.lo)) ++w.lo, moved = true;
    if (w.lo < w.hi && std::binary_search(w.not_values.begin(), w.not_values.end(), w.hi))
      --w.hi, moved = true;
  }
  std::erase_if(w.not_values, [&](uint32_t v) { return v < w.lo || v > w.hi; });
  const uint64_t s = static_cast<uint64_t>(shift);
  const uint64_t full = shift ? 0xffffffff00000000ULL : 0xffffffffULL;
  if (w.lo == w.hi) {
    if (shift)
      out->push_back("(" + operand + " & " + number(full) +
                     ") == " + number(static_cast<uint64_t>(w.lo) << s));
    else
      out->push_back(operand + " == " + number(w.lo));
    return;
  }
  if (w.lo > 0) out->push_back(operand + " >= " + number(static_cast<uint64_t>(w.lo) << s));
  if (w.hi < 0xffffffffU)
    out->push_back(operand + " <= " +
                   number((static_cast<uint64_t>(w.hi) << s) | (shift ? 0xffffffffULL : 0)));
  if (w.must_mask) {
    const uint64_t m = static_cast<uint64_t>(w.must_mask) << s,
                   v = static_cast<uint64_t>(w.must_value) << s;
    if (v == 0)
      out->push_back("(" + operand + " & " + number(m) + ") == 0");
    else
      out->push_back("(" + operand + " & " + number(m) + ") == " + number(v));
  }
  for (uint32_t v : w.not_values) {
    if (shift)
      out->push_back("(" + operand + " & " + number(full) +
                     ") != " + number(static_cast<uint64_t>(v) << s));
    else
      out->push_back(operand + " != " + number(v));
  }
  for (const auto& [m, v] : w.not_masked) {
    const uint64_t mm = static_cast<uint64_t>(m) << s, vv = static_cast<uint64_t>(v) << s;
    if (vv == 0)
      out->push_back(operand + " & " + number(mm));
    else
      out->push_back("(" + operand + " & " + number(mm) + ") != " + number(vv));
  }
}

}  // namespace

std::string describe_args(const Region& r, arch::Arch a, std::string_view syscall) {
  std::vector<std::string> conds;
  const auto names =
      syscall.empty() ? std::span<const std::string_view>{} : arch::syscall_arg_names(a, syscall);
  const bool wide = arch::info(a).args_are_64bit;
  auto pair_conds = [&](const WordSet& lo, const WordSet& hi, const std::string& name) {
    if (lo.unconstrained() && hi.unconstrained()) return;
    // On a 32-bit ABI an argument is its low word (the policy language compares 32 bits there).
    const bool hi_zero = (hi.lo == 0 && hi.hi == 0) || (!wide && name != "ip");
    if (hi_zero) {  // the 64-bit value is the low word
      word_conds(lo, name, 0, &conds);
      return;
    }
    if (!hi.unconstrained()) word_conds(hi, name, 32, &conds);
    if (!lo.unconstrained()) word_conds(lo, "u32(" + name + ")", 0, &conds);
  };
  const bool be = arch::info(a).big_endian;
  for (int j = 0; j < 6; ++j) {
    std::string name = j < static_cast<int>(names.size()) && !names[j].empty()
                           ? std::string(names[j])
                           : "arg" + std::to_string(j);
    pair_conds(r.words[arg_lo(j, be) / 4], r.words[arg_hi(j, be) / 4], name);
  }
  pair_conds(r.words[be ? 3 : 2], r.words[be ? 2 : 3], "ip");
  std::string out;
  for (const auto& c : conds) out += (out.empty() ? "" : " && ") + c;
  return out;
}

}  // namespace sysfence::diff
