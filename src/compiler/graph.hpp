// sysfence/compiler/graph.hpp (private) — the hash-consed instruction graph and its emitter.
//
//   Graph g;
//   NodeId allow = g.ret(kRetAllow), deny = g.ret(kRetKillProcess);
//   NodeId t = g.load(arg_lo(0), g.jump_on(arg_lo(0), JEQ, 1, allow, deny));
//   Result<Program> p = emit(g, t);
//
// A node is one instruction plus its successors: for a jump (jt, jf), for LD/ALU (next, in jt).
// Building the same (code, k, jt, jf) twice returns the same node, so identical tails are shared
// by construction. `emit` linearizes the graph back to front and is the one place that handles
// jumps beyond 255 (reusing in-reach RET copies and trampolines before adding a JA).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"

namespace sysfence::compiler::detail {

using NodeId = int32_t;
inline constexpr NodeId kNone = -1;

struct Node {
  uint16_t code = 0;
  uint32_t k = 0;
  NodeId jt = kNone;  // jump target when true; for LD/ALU the next node
  NodeId jf = kNone;
};

class Graph {
 public:
  NodeId ret(uint32_t k);
  // LD W ABS off, then `next`. A load whose next is a RET is dropped (it is dead).
  NodeId load(uint32_t off, NodeId next);
  // ALU AND K, then `next`. Dropped before a RET, like a load.
  NodeId and_k(uint32_t k, NodeId next);
  // A conditional jump on the accumulator (op: JEQ, JGT, JGE, JSET). Threads its targets
  // (a target that starts with a jump whose outcome this jump decides is skipped), folds
  // constant outcomes (JGE 0, JGT 0xffffffff, JSET 0), equal targets, JGT k + JEQ k into
  // JGE k, and JSET k1 + JSET k2 with the same true target into JSET k1|k2.
  NodeId jump(uint16_t op, uint32_t k, NodeId jt, NodeId jf);
  // A jump made while the accumulator holds the word at `off`: a target that starts by loading
  // that same word skips the load.
  NodeId jump_on(uint32_t off, uint16_t op, uint32_t k, NodeId jt, NodeId jf);

  // `n` on a path where the word at `off` is known to equal `value`: when n loads that word
  // and branches on it, the branches decided by `value` are taken here (jump threading).
  NodeId assume(NodeId n, uint32_t off, uint32_t value);
  // The same where only `(word & mask) == value` is known: a test of the word under a mask
  // within `mask` (an AND, or a JSET on those bits) is decided too, and so are the words tested
  // after it while each is that word under such a mask (one argument under several masks).
  NodeId assume_masked(NodeId n, uint32_t off, uint32_t mask, uint32_t value);
  // assume_masked() at every load of that word in `n`, not only at its start: the tests of other
  // words before them are rebuilt over the simplified targets (new instructions, never a longer
  // path).
  NodeId assume_deep(NodeId n, uint32_t off, uint32_t mask, uint32_t value);

  const Node& at(NodeId n) const { return nodes_[static_cast<size_t>(n)]; }
  size_t size() const { return nodes_.size(); }
  bool is_ret(NodeId n) const { return bpf::class_of(at(n).code) == bpf::RET; }
  bool is_load(NodeId n) const { return at(n).code == (bpf::LD | bpf::W | bpf::ABS); }

 private:
  struct Key {
    uint16_t code;
    uint32_t k;
    NodeId jt, jf;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const {
      uint64_t h = (uint64_t{key.code} << 32) ^ key.k;
      h ^= (static_cast<uint64_t>(static_cast<uint32_t>(key.jt)) << 21) * 0x9e3779b97f4a7c15ULL;
      h ^= (static_cast<uint64_t>(static_cast<uint32_t>(key.jf)) + 0x632be59bd9b4e019ULL) *
           0xbf58476d1ce4e5b9ULL;
      return static_cast<size_t>(h ^ (h >> 29));
    }
  };
  NodeId intern(uint16_t code, uint32_t k, NodeId jt, NodeId jf);
  NodeId thread(NodeId n, uint32_t lo, uint32_t hi) const;
  bool is_jeq(NodeId n, uint32_t k) const {
    return at(n).code == (bpf::JMP | bpf::JEQ | bpf::K) && at(n).k == k;
  }
  NodeId strip(NodeId n, uint32_t off) const;
  NodeId deep(NodeId n, uint32_t off, uint32_t mask, uint32_t value, uint32_t levels,
              std::unordered_map<uint64_t, NodeId>& memo);

  void grow();

  std::vector<Node> nodes_;
  // Hash-consing memo: open addressing over node ids (kNone: empty), at most half full. One
  // flat array instead of a map node per instruction: compiling allocates a handful of times.
  std::vector<NodeId> slots_;
};

// Linearizes the graph reachable from `root` into a program. Errors when the result is longer
// than bpf::kMaxInsns (the message names the size).
Result<bpf::Program> emit(const Graph& g, NodeId root);

}  // namespace sysfence::compiler::detail
