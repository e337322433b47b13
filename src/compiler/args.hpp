// sysfence/compiler/args.hpp (private) — one syscall's argument rules as a decision diagram.
//
//   ArgDiagram dd(graph);
//   std::optional<NodeId> n = dd.any_of(rules, arch, graph.ret(kRetAllow), fallback);
//   if (!n) ...  // too irregular: lower the rules one by one instead
//
// "Does any of these rules match?" over the 32-bit words the rules read. Every comparison
// becomes literals "(word & mask) in an interval set" (a 64-bit comparison: its high word, then
// its low word under the high word's value; `!=`, `<` and friends are two cubes); a rule is an
// OR of cubes (ANDs of literals). The diagram tests one word at a time — the one most cubes
// read, and of those the one with the fewest distinct boundaries (so `arg0 == i % 16` is split
// before `(arg1 & 0xfff) == i`, and a shared `high word == 0` once before all low words) —
// partitions its values into intervals at every boundary the remaining cubes draw, and for each
// interval goes on with the cubes that interval satisfies (their literal on that word dropped)
// — when every cube reads the word. When some do not (rules on different arguments, or under
// different masks: each (argument word, mask) is a word of its own), those are not copied into
// every interval (a copy per interval, copies of copies one word further: 10 rules of 3
// conditions under per-rule masks were ~800 instructions): the cubes that read one word are
// decided first, with the others' diagram as their fallback (one copy, shared). That word
// follows libseccomp 2.5.4's order (a rule's lowest argument; of those the highest argument,
// then the largest values), so that no probe waits behind groups libseccomp tests after it.
// Each cube is thus only in the sub-problems of its own literals' intervals: for equalities the
// diagram is linear in the number of literals. Equal outcomes of neighbouring intervals merge
// (ranges merged), so `arg0 >= 10i && arg1 <= 10i+5` for i < K is K intervals each ending in
// one comparison. The intervals of a word are searched as a balanced tree of JGE splits whose
// leaves test up to `chain` lone values with JEQ (value sets, also under one mask); a set of 8
// or more values is searched in tiers, largest values first, because libseccomp sorts a level
// of its tree by value and tests the largest first (value_tiers in args.cpp). Results are
// nodes of the shared hash-consed graph, so equal sub-diagrams (within the syscall, across
// syscalls and arches) are one copy.
//
// decide() is the same diagram over the rules of several actions (a rank per action, the most
// restrictive 0): where a cube matches, only cubes of a more restrictive rank can still change
// the answer, so the diagram goes on with those alone; a group decided first carries, for each
// rank r it holds, the diagram of the other cubes more restrictive than r as what r's match
// leads to. The lowering (compiler.cpp) keeps it over one diagram per action when it is no
// longer or runs fewer instructions on its longest path (see Lowerer::rules).
//
// Bounds (none is controlled by the input alone): at most kMaxVars distinct words, kMaxLits
// literals per cube, kMaxCubesPerRule cubes per rule, kMaxIntervals intervals per literal, and
// a work budget (cube visits) per syscall (decide() with several ranks: 64 per literal + 4096);
// past any of them any_of and decide return nullopt and the caller lowers the rules one after
// another as before. Recursion depth <= 2 kMaxVars + kMaxRanks + 1.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "compiler/graph.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::compiler::detail {

class ArgDiagram {
 public:
  static constexpr size_t kMaxVars = 24;
  static constexpr size_t kMaxLits = 16;
  static constexpr size_t kMaxCubesPerRule = 64;
  static constexpr size_t kMaxIntervals = 4;
  static constexpr size_t kWorkBudget = 4'000'000;

  explicit ArgDiagram(Graph& g) : g_(g) {}

  // rules[0..n) all have the same action: any matches ? t : f. nullopt: past a bound.
  std::optional<NodeId> any_of(const ir::Rule* const* rules, size_t n, arch::Arch a, NodeId t,
                               NodeId f);
  // Rules of several actions: rule i has rank[i] < outcome.size(), rank 0 the most restrictive.
  // The most restrictive rank among the matching rules decides: outcome[rank]; none: f. One
  // diagram for every rank, its words tested once for all of them (where per-action diagrams
  // test the more restrictive rules first, then the others). At most kMaxRanks ranks.
  static constexpr size_t kMaxRanks = 8;
  std::optional<NodeId> decide(const ir::Rule* const* rules, const uint8_t* rank, size_t n,
                               const std::vector<NodeId>& outcome, arch::Arch a, NodeId f);

 private:
  struct Ival {
    uint32_t lo = 0, hi = 0;  // inclusive
  };
  struct Set {
    Ival iv[kMaxIntervals] = {};
    uint8_t n = 0;
  };
  struct Var {
    uint8_t arg;
    bool hi;        // the argument's high word
    uint32_t off;   // seccomp_data offset of the word
    uint32_t mask;  // compared: word & mask
  };
  struct Lit {
    uint16_t var;
    Set set;
  };
  struct Cube {
    uint32_t first;  // into lits_
    uint8_t n;
    uint8_t rank;  // its rule's (decide)
  };
  // One interval of a word's values: where it starts, where its values go.
  struct Piece {
    uint32_t lo;
    NodeId node;
  };
  // A cube in a sub-problem: literals whose bit is set in `done` are already satisfied.
  struct Ref {
    uint32_t cube;
    uint16_t done;
  };

  bool add_rule(const ir::Rule& r, arch::Arch a, uint8_t rank);
  bool add_cmp(const ir::EffectiveCmp& c, std::vector<std::vector<Lit>>& terms);
  uint16_t var(uint8_t arg, bool hi, uint32_t mask);
  // outcome[rank]: where a matching cube of that rank goes (nothing more restrictive matching).
  NodeId build(std::vector<Ref>& refs, const std::vector<NodeId>& outcome, NodeId f, size_t depth);
  NodeId search(const Var& v, const std::vector<Piece>& ivs, size_t i, size_t j, size_t chain);
  NodeId emit_word(const Var& w, const std::vector<Piece>& ivs);
  NodeId value_tiers(const Var& v, const std::vector<Piece>& ivs);
  static size_t chain_for(const std::vector<Piece>& ivs);
  NodeId jump(const Var& v, uint16_t op, uint32_t k, NodeId jt, NodeId jf);

  Graph& g_;
  std::vector<Var> vars_;
  std::vector<Lit> lits_;
  std::vector<Cube> cubes_;
  size_t work_ = 0;
  size_t ranks_ = 1;
  size_t budget_ = kWorkBudget;
  bool over_ = false;
  bool big_endian_ = false;
};

}  // namespace sysfence::compiler::detail
