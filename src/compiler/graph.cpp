// sysfence/compiler — hash-consed instruction graph and the back-to-front emitter.
#include "compiler/graph.hpp"

#include <algorithm>
#include <unordered_map>
#include <string>

namespace sysfence::compiler::detail {

using namespace bpf;

NodeId Graph::intern(uint16_t code, uint32_t k, NodeId jt, NodeId jf) {
  if (2 * (nodes_.size() + 1) > slots_.size()) grow();
  const Key key{code, k, jt, jf};
  const size_t mask = slots_.size() - 1;
  size_t h = KeyHash{}(key)&mask;
  for (; slots_[h] != kNone; h = (h + 1) & mask) {
    const Node& n = nodes_[static_cast<size_t>(slots_[h])];
    if (n.code == code && n.k == k && n.jt == jt && n.jf == jf) return slots_[h];
  }
  const auto id = static_cast<NodeId>(nodes_.size());
  nodes_.push_back(Node{code, k, jt, jf});
  slots_[h] = id;
  return id;
}

void Graph::grow() {
  slots_.assign(slots_.empty() ? 256 : slots_.size() * 2, kNone);
  const size_t mask = slots_.size() - 1;
  for (size_t id = 0; id < nodes_.size(); ++id) {
    const Node& n = nodes_[id];
    size_t h = KeyHash{}(Key{n.code, n.k, n.jt, n.jf}) & mask;
    while (slots_[h] != kNone) h = (h + 1) & mask;
    slots_[h] = static_cast<NodeId>(id);
  }
}

NodeId Graph::ret(uint32_t k) { return intern(RET | K, k, kNone, kNone); }

NodeId Graph::load(uint32_t off, NodeId next) {
  if (is_ret(next)) return next;
  return intern(LD | W | ABS, off, next, kNone);
}

NodeId Graph::and_k(uint32_t k, NodeId next) {
  if (is_ret(next)) return next;
  return intern(ALU | AND | K, k, next, kNone);
}

namespace {
// Whether a JGT or JGE against k goes the same way for every A in [lo, hi]: 1 taken, 0 not
// taken, -1 it depends on A.
int range_decides(uint16_t op, uint32_t k, uint32_t lo, uint32_t hi) {
  if (op == JGT) return lo > k ? 1 : hi <= k ? 0 : -1;
  return lo >= k ? 1 : hi < k ? 0 : -1;
}
}  // namespace

// Follows `n` while it is a conditional jump whose outcome is known from A ∈ [lo, hi] (two
// conditional jumps in a row test the same accumulator).
NodeId Graph::thread(NodeId n, uint32_t lo, uint32_t hi) const {
  for (;;) {
    const Node& x = at(n);
    if (class_of(x.code) != JMP || src_of(x.code) != K) return n;
    int taken = -1;  // -1: unknown
    switch (op_of(x.code)) {
      case JEQ:
        if (x.k < lo || x.k > hi)
          taken = 0;
        else if (lo == hi)
          taken = 1;
        break;
      case JGT:
      case JGE: taken = range_decides(op_of(x.code), x.k, lo, hi); break;
      case JSET:
        if (lo == hi) taken = (lo & x.k) != 0 ? 1 : 0;
        break;
      default: return n;
    }
    if (taken < 0) return n;
    n = taken ? x.jt : x.jf;
  }
}

NodeId Graph::jump(uint16_t op, uint32_t k, NodeId jt, NodeId jf) {
  // Jump threading: what this jump proves about A decides jumps at the start of its targets.
  switch (op) {
    case JEQ:
      jt = thread(jt, k, k);
      if (is_jeq(jf, k)) jf = at(jf).jf;
      break;
    case JGT:
      if (k != 0xffffffffU) jt = thread(jt, k + 1, 0xffffffffU);
      jf = thread(jf, 0, k);
      break;
    case JGE:
      jt = thread(jt, k, 0xffffffffU);
      if (k != 0) jf = thread(jf, 0, k - 1);
      break;
    default: break;
  }
  if (jt == jf) return jt;
  if (op == JGE && k == 0) return jt;
  if (op == JGT && k == 0xffffffffU) return jf;
  if (op == JSET && k == 0) return jf;
  if (op == JSET) {
    // A & k ? T : (A & k2 ? T : F)  is  A & (k | k2) ? T : F  (JSET leaves A alone).
    const Node& f = at(jf);
    if (f.code == (JMP | JSET | K) && f.jt == jt) return jump(JSET, k | f.k, jt, f.jf);
  }
  if (op == JGT) {
    const Node& f = at(jf);
    if (f.code == (JMP | JEQ | K) && f.k == k) {
      // A > k ? T : (A == k ? T : F)  is  A >= k ? T : F
      if (f.jt == jt) return jump(JGE, k, jt, f.jf);
      // A > 0 ? T : (A == 0 ? X : F)  is  A > 0 ? T : X
      if (k == 0) return jump(JGT, 0, jt, f.jt);
    }
  }
  return intern(JMP | op | K, k, jt, jf);
}

NodeId Graph::strip(NodeId n, uint32_t off) const {
  if (is_load(n) && at(n).k == off) return at(n).jt;
  return n;
}

NodeId Graph::jump_on(uint32_t off, uint16_t op, uint32_t k, NodeId jt, NodeId jf) {
  return jump(op, k, strip(jt, off), strip(jf, off));
}

NodeId Graph::assume(NodeId n, uint32_t off, uint32_t value) {
  if (!is_load(n) || at(n).k != off) return n;
  NodeId m = at(n).jt;
  for (;;) {
    const Node& x = at(m);
    if (class_of(x.code) != JMP) break;
    bool taken = false;
    switch (op_of(x.code)) {
      case JEQ: taken = value == x.k; break;
      case JGT: taken = value > x.k; break;
      case JGE: taken = value >= x.k; break;
      case JSET: taken = (value & x.k) != 0; break;
      default: return n;  // (JA is never a graph node)
    }
    m = taken ? x.jt : x.jf;
  }
  // Past the branches: a RET or a load needs nothing; anything else still expects the word.
  if (is_ret(m) || is_load(m)) return m;
  return load(off, m);
}

NodeId Graph::assume_masked(NodeId n, uint32_t off, uint32_t mask, uint32_t value) {
  if (mask == 0xffffffffU) return assume(n, off, value);
  NodeId out = n;  // the last node reached with A dead (a load or a RET)
  NodeId m = n;
  uint32_t amask = 0xffffffffU;  // A holds word & amask (once past the load)
  bool loaded = false;
  for (;;) {
    const Node& x = at(m);
    if (is_ret(m)) return m;
    if (is_load(m)) {
      if (x.k != off) return m;
      out = m;
      loaded = true;
      amask = 0xffffffffU;
      m = x.jt;
      continue;
    }
    if (!loaded) return out;
    if (x.code == (ALU | AND | K)) {
      amask &= x.k;
      m = x.jt;
      continue;
    }
    if (class_of(x.code) != JMP || src_of(x.code) != K) break;
    // A's known bits; the others make A at least `lo` and at most `hi`.
    const uint32_t lo = value & amask & mask, hi = lo | (amask & ~mask);
    int taken = -1;
    switch (op_of(x.code)) {
      case JSET:
        if ((lo & x.k) != 0)
          taken = 1;
        else if ((hi & x.k) == 0)
          taken = 0;
        break;
      case JEQ:
        if (lo == hi)
          taken = lo == x.k ? 1 : 0;
        else if (x.k < lo || x.k > hi || (x.k & ~hi) != 0 || (x.k & lo) != lo)
          taken = 0;
        break;
      case JGT:
      case JGE: taken = range_decides(op_of(x.code), x.k, lo, hi); break;
      default: return out;
    }
    if (taken < 0) break;
    m = taken ? x.jt : x.jf;
  }
  // Stopped on a test the known bits do not decide: from the last load on, unchanged (loading
  // the word again after the tests decided since would add instructions to every such copy).
  return out;
}

NodeId Graph::assume_deep(NodeId n, uint32_t off, uint32_t mask, uint32_t value) {
  std::unordered_map<uint64_t, NodeId> memo;
  return deep(n, off, mask, value, 1, memo);
}

// `n` where A holds nothing the rest needs, or another word (a load of it, or a test or AND on
// it): a load of the known word is assume_masked (and on from there); the tests of another word
// are rebuilt over their simplified targets, through at most `levels` loads of other words
// (each level copies more of the diagram: 100 ioctl rules of 4 conditions, mixed, 1344
// instructions at one level, 1381 at two, 1395 unbounded, for no shorter path).
NodeId Graph::deep(NodeId n, uint32_t off, uint32_t mask, uint32_t value, uint32_t levels,
                   std::unordered_map<uint64_t, NodeId>& memo) {
  if (is_ret(n)) return n;
  const uint64_t key = (uint64_t{levels} << 32) | static_cast<uint32_t>(n);
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  const Node x = at(n);
  NodeId out = n;
  if (is_load(n) && x.k == off) {
    const NodeId m = assume_masked(n, off, mask, value);
    out = m == n ? n : deep(m, off, mask, value, levels, memo);
  } else if (is_load(n)) {
    if (levels > 0) out = load(x.k, deep(x.jt, off, mask, value, levels - 1, memo));
  } else if (x.code == (ALU | AND | K)) {
    out = and_k(x.k, deep(x.jt, off, mask, value, levels, memo));
  } else if (class_of(x.code) == JMP && src_of(x.code) == K && op_of(x.code) != JA) {
    out = intern(x.code, x.k, deep(x.jt, off, mask, value, levels, memo),
                 deep(x.jf, off, mask, value, levels, memo));
    if (at(out).jt == at(out).jf) out = at(out).jt;
  }
  memo.emplace(key, out);
  return out;
}

namespace {

class Emitter {
 public:
  explicit Emitter(const Graph& g) : g_(g), pos_(g.size(), -1) {}

  Result<Program> run(NodeId root) {
    // Post-order DFS: a node is emitted after all its successors, so (building the program
    // backwards) it lands before them. The jf/next successor is visited last and therefore
    // sits right after the node.
    std::vector<std::pair<NodeId, bool>> stack{{root, false}};
    while (!stack.empty()) {
      auto [n, expanded] = stack.back();
      stack.pop_back();
      if (pos_[static_cast<size_t>(n)] >= 0) continue;
      if (expanded) {
        place(n);
        continue;
      }
      stack.emplace_back(n, true);
      const Node& node = g_.at(n);
      if (class_of(node.code) == JMP) {
        stack.emplace_back(node.jf, false);
        stack.emplace_back(node.jt, false);
      } else if (node.jt != kNone) {
        stack.emplace_back(node.jt, false);
      }
    }
    Program out(rev_.rbegin(), rev_.rend());
    if (out.size() > kMaxInsns) {
      Error e;
      e.message = "the compiled filter has " + std::to_string(out.size()) +
                  " instructions; the kernel accepts at most " + std::to_string(kMaxInsns);
      e.hint = "reduce the number of rules or argument checks, or split the policy by arch";
      return e;
    }
    return out;
  }

 private:
  int32_t top() const { return static_cast<int32_t>(rev_.size()); }
  static bool in_reach(int32_t from, int32_t to) { return from - to - 1 <= 255; }

  int32_t push(Insn i) {
    rev_.push_back(i);
    return top() - 1;
  }

  // A position holding `t` (or an equivalent RET, or a trampoline to `t`) that an instruction
  // placed at `from` can reach with an 8-bit offset; -1 when there is none.
  int32_t find(NodeId t, int32_t from) const {
    const int32_t p = pos_[static_cast<size_t>(t)];  // successors are always placed first
    if (p >= 0 && in_reach(from, p)) return p;
    const Node& node = g_.at(t);
    if (class_of(node.code) == RET) {
      auto it = ret_copies_.find(node.k);
      if (it != ret_copies_.end() && in_reach(from, it->second.back())) return it->second.back();
    } else {
      auto it = tramps_.find(t);
      if (it != tramps_.end() && in_reach(from, it->second.back())) return it->second.back();
    }
    return -1;
  }

  // A copy of the conditional jump `t` right here, when both its targets are in reach.
  bool copy_jump(NodeId t) {
    const Node& node = g_.at(t);
    if (class_of(node.code) != JMP) return false;
    const int32_t here = top();
    const int32_t jt = find(node.jt, here), jf = find(node.jf, here);
    if (jt < 0 || jf < 0) return false;
    push(jump(node.code, node.k, static_cast<uint8_t>(here - jt - 1),
              static_cast<uint8_t>(here - jf - 1)));
    return true;
  }

  // The one place that makes a far target reachable: a copy of a RET, or a JA trampoline.
  void add_copy(NodeId t) {
    const Node& node = g_.at(t);
    if (class_of(node.code) == RET) {
      ret_copies_[node.k].push_back(push(stmt(RET | K, node.k)));
    } else {
      const int32_t here = top();
      const auto off = static_cast<uint32_t>(here - pos_[static_cast<size_t>(t)] - 1);
      tramps_[t].push_back(push(stmt(JMP | JA, off)));
    }
  }

  void place(NodeId n) {
    const Node& node = g_.at(n);
    const uint16_t cls = class_of(node.code);
    int32_t at = -1;
    if (cls == RET) {
      at = push(stmt(node.code, node.k));
      ret_copies_[node.k].push_back(at);
    } else if (cls == JMP) {
      for (;;) {
        const int32_t here = top();
        const int32_t f = find(node.jf, here);
        if (f < 0) {
          add_copy(node.jf);
          continue;
        }
        const int32_t t = find(node.jt, here);
        if (t < 0) {
          add_copy(node.jt);
          continue;
        }
        at = push(jump(node.code, node.k, static_cast<uint8_t>(here - t - 1),
                       static_cast<uint8_t>(here - f - 1)));
        break;
      }
    } else {
      // LD / ALU fall through: the next node must be the very next instruction. When it sits
      // elsewhere (shared), a copy of it (a RET, or a conditional jump whose targets are in
      // reach) costs what a JA would in length and one instruction less on the path.
      if (pos_[static_cast<size_t>(node.jt)] != top() - 1 && !copy_jump(node.jt)) add_copy(node.jt);
      at = push(stmt(node.code, node.k));
    }
    pos_[static_cast<size_t>(n)] = at;
  }

  const Graph& g_;
  std::vector<int32_t> pos_;  // index into rev_, or -1 when not placed yet
  std::vector<Insn> rev_;     // the program, last instruction first
  std::unordered_map<uint32_t, std::vector<int32_t>> ret_copies_;
  std::unordered_map<NodeId, std::vector<int32_t>> tramps_;
};

}  // namespace

Result<Program> emit(const Graph& g, NodeId root) { return Emitter(g).run(root); }

}  // namespace sysfence::compiler::detail
