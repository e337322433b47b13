// tests/compiler/graph_test.cpp — the compiler's hash-consed instruction graph and its
// back-to-front emitter (src/compiler/graph.hpp, private): what the graph folds and shares, and
// that every emitted program — also past 255-instruction jump offsets — verifies and computes
// what the graph says, on random graphs (seed printed; SYSFENCE_TEST_SEED=N reruns one).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "common/test_seed.hpp"
#include "compiler/graph.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace {

using namespace sysfence::bpf;
using sysfence::compiler::detail::emit;
using sysfence::compiler::detail::Graph;
using sysfence::compiler::detail::kNone;
using sysfence::compiler::detail::NodeId;

// The word at `off` as the kernel of `d.arch`'s ABI lays seccomp_data out: the instruction
// pointer and the arguments are u64s in that ABI's byte order (big-endian: high word first).
uint32_t word_at(const SeccompData& d, uint32_t off) {
  uint32_t w = 0;
  std::memcpy(&w, reinterpret_cast<const unsigned char*>(&d) + off, sizeof w);
  if (off >= kOffIpLo && audit_arch_big_endian(d.arch)) {
    uint64_t v = 0;
    std::memcpy(&v, reinterpret_cast<const unsigned char*>(&d) + (off & ~7U), sizeof v);
    w = static_cast<uint32_t>((off & 4) ? v : v >> 32);
  }
  return w;
}

// What the graph means, read off the nodes themselves (A starts at 0, as in the kernel).
uint32_t interpret(const Graph& g, NodeId n, const SeccompData& d) {
  uint32_t a = 0;
  for (;;) {
    const auto& x = g.at(n);
    switch (class_of(x.code)) {
      case RET: return x.k;
      case LD:
        a = word_at(d, x.k);
        n = x.jt;
        break;
      case ALU:
        a &= x.k;
        n = x.jt;
        break;
      default: {
        bool taken = false;
        switch (op_of(x.code)) {
          case JEQ: taken = a == x.k; break;
          case JGT: taken = a > x.k; break;
          case JGE: taken = a >= x.k; break;
          case JSET: taken = (a & x.k) != 0; break;
          default: ADD_FAILURE() << "unexpected jump " << x.code; return 0;
        }
        n = taken ? x.jt : x.jf;
      }
    }
  }
}

TEST(Graph, SameInstructionAndSuccessorsIsTheSameNode) {
  Graph g;
  NodeId allow = g.ret(kRetAllow), deny = g.ret(kRetKillProcess);
  EXPECT_EQ(g.ret(kRetAllow), allow);
  NodeId a = g.load(kOffNr, g.jump(JEQ, 39, allow, deny));
  const size_t size = g.size();
  EXPECT_EQ(g.load(kOffNr, g.jump(JEQ, 39, allow, deny)), a);
  EXPECT_EQ(g.size(), size);
  EXPECT_NE(g.load(kOffNr, g.jump(JEQ, 40, allow, deny)), a);  // another k, another node
  EXPECT_NE(g.jump(JEQ, 39, deny, allow), g.jump(JEQ, 39, allow, deny));
}

TEST(Graph, FoldsJumpsWhoseOutcomeIsKnown) {
  Graph g;
  NodeId t = g.ret(kRetAllow), f = g.ret(ret_errno(1));
  EXPECT_EQ(g.jump(JEQ, 5, t, t), t);            // equal targets
  EXPECT_EQ(g.jump(JGE, 0, t, f), t);            // always true
  EXPECT_EQ(g.jump(JGT, 0xffffffffU, t, f), f);  // never true
  EXPECT_EQ(g.jump(JSET, 0, t, f), f);           // no bit to test
  // A > 7 ? T : (A == 7 ? T : F) is A >= 7 ? T : F.
  NodeId ge = g.jump(JGT, 7, t, g.jump(JEQ, 7, t, f));
  EXPECT_EQ(g.at(ge).code, JMP | JGE | K);
  EXPECT_EQ(g.at(ge).k, 7U);
  EXPECT_EQ(g.at(ge).jt, t);
  EXPECT_EQ(g.at(ge).jf, f);
}

TEST(Graph, BitTestsWithOneTrueTargetBecomeOne) {
  Graph g;
  NodeId t = g.ret(ret_errno(1)), f = g.ret(kRetAllow), other = g.ret(ret_errno(2));
  // A & 0x1 ? T : (A & 0x6 ? T : F)  is  A & 0x7 ? T : F.
  NodeId one = g.jump(JSET, 0x1, t, g.jump(JSET, 0x6, t, f));
  EXPECT_EQ(g.at(one).code, JMP | JSET | K);
  EXPECT_EQ(g.at(one).k, 0x7U);
  EXPECT_EQ(g.at(one).jt, t);
  EXPECT_EQ(g.at(one).jf, f);
  // Another true target: two tests stay.
  NodeId two = g.jump(JSET, 0x1, other, g.jump(JSET, 0x6, t, f));
  EXPECT_EQ(g.at(two).k, 0x1U);
  EXPECT_EQ(g.at(g.at(two).jf).k, 0x6U);
}

TEST(Graph, LoadsAndMasksBeforeARetAreDead) {
  Graph g;
  NodeId r = g.ret(kRetAllow);
  EXPECT_EQ(g.load(arg_lo(0), r), r);
  EXPECT_EQ(g.and_k(0xff, r), r);
}

TEST(Graph, ThreadsJumpsOnTheSameAccumulator) {
  Graph g;
  NodeId a = g.ret(kRetAllow), b = g.ret(ret_errno(1)), c = g.ret(ret_errno(2));
  NodeId inner = g.jump(JEQ, 5, a, b);  // on the true side of A == 5 this is always `a`
  NodeId outer = g.jump(JEQ, 5, inner, c);
  EXPECT_EQ(g.at(outer).jt, a);
  // On the false side of A > 10, A >= 20 is false.
  NodeId gt = g.jump(JGT, 10, c, g.jump(JGE, 20, a, b));
  EXPECT_EQ(g.at(gt).jf, b);
  // jump_on: a target that reloads the word already in A skips the load.
  NodeId reload = g.load(arg_lo(1), g.jump(JEQ, 9, a, b));
  NodeId on = g.jump_on(arg_lo(1), JEQ, 9, reload, c);
  EXPECT_EQ(g.at(on).jt, a);
}

TEST(Graph, AssumeTakesTheBranchesAKnownWordDecides) {
  Graph g;
  NodeId a = g.ret(kRetAllow), b = g.ret(ret_errno(1)), c = g.ret(ret_errno(2));
  NodeId n = g.load(arg_lo(0), g.jump(JEQ, 1, a, g.jump(JGT, 100, b, c)));
  EXPECT_EQ(g.assume(n, arg_lo(0), 1), a);
  EXPECT_EQ(g.assume(n, arg_lo(0), 101), b);
  EXPECT_EQ(g.assume(n, arg_lo(0), 50), c);
  EXPECT_EQ(g.assume(n, arg_lo(1), 1), n);  // another word: nothing known
}

// Known: (arg0 & mask) == value. Tests of arg0 under masks within `mask` are decided, and so are
// tests that the known bits alone decide (under 0xf0f0, `arg0 & 0xff` is 0x50..0x5f).
TEST(Graph, AssumeMaskedDecidesTestsUnderNarrowerMasks) {
  Graph g;
  NodeId a = g.ret(kRetAllow), b = g.ret(ret_errno(1)), c = g.ret(ret_errno(2));
  // (arg0 & 0xff00) == 0xe900 ? b : (arg0 & 0xff) == 0x50 ? c : a
  NodeId low = g.load(arg_lo(0), g.and_k(0xff, g.jump(JEQ, 0x50, c, a)));
  NodeId n = g.load(arg_lo(0), g.and_k(0xff00, g.jump(JEQ, 0xe900, b, low)));
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xffff, 0xe950), b);
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xffff, 0xe850), c);
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xffff, 0xe851), a);
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xf0f0, 0xe050), n);    // 0xe900 still possible
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xf0f0, 0xd050), low);  // 0xd000..0xdf00; 0x50 possible
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xf0f0, 0xd060), a);
  EXPECT_EQ(g.assume_masked(n, arg_lo(0), 0xff, 0x50), n);  // nothing known of 0xff00
  // Behind a test of another word: only assume_deep reaches it (rebuilding that test).
  NodeId m = g.load(arg_lo(1), g.jump(JEQ, 7, n, low));
  EXPECT_EQ(g.assume_masked(m, arg_lo(0), 0xffff, 0xe950), m);
  EXPECT_EQ(g.assume_deep(m, arg_lo(0), 0xffff, 0xe950), g.load(arg_lo(1), g.jump(JEQ, 7, b, c)));
  EXPECT_EQ(g.assume_deep(m, arg_lo(0), 0xf0f0, 0xd060), a);  // both ways allow
}

TEST(Emit, TooLongIsAnErrorNamingTheSize) {
  Graph g;
  NodeId n = g.ret(kRetKillProcess);
  for (uint32_t i = 0; i < 2100; ++i)
    n = g.load(kOffNr, g.jump(JEQ, i, g.ret(ret_errno(static_cast<uint16_t>(i % 4000))), n));
  auto p = emit(g, n);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("instructions; the kernel accepts at most 4096"),
            std::string::npos)
      << p.error().message;
}

// Random graphs, built bottom-up so every node's successors exist; some share one far tail so
// that jumps reach past 255 instructions (the emitter's RET copies and JA trampolines).
TEST(Emit, RandomGraphsComputeWhatTheGraphSays) {
  const uint64_t seed = sysfence::testing::test_seed("SYSFENCE_GRAPH_SEED");
  std::mt19937_64 rng(seed);
  const uint32_t offsets[] = {kOffNr, kOffArch, arg_lo(0), arg_lo(0) + 4, arg_lo(1), arg_lo(5)};
  const uint32_t values[] = {0,     1,          2,          7,          0xff,
                             0x100, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  const uint16_t ops[] = {JEQ, JGT, JGE, JSET};
  int far_jumps = 0;
  for (int round = 0; round < 60; ++round) {
    Graph g;
    std::vector<NodeId> pool;
    for (uint16_t e = 0; e < 6; ++e) pool.push_back(g.ret(ret_errno(e)));
    pool.push_back(g.ret(kRetAllow));
    const int nodes = round < 40 ? 50 + round * 10 : 1500;
    auto pick = [&] {
      // Mostly recent nodes (deep chains), sometimes an old one (shared, far tails).
      std::uniform_int_distribution<size_t> recent(pool.size() > 8 ? pool.size() - 8 : 0,
                                                   pool.size() - 1),
          any(0, pool.size() - 1);
      return pool[(rng() % 5 == 0) ? any(rng) : recent(rng)];
    };
    for (int i = 0; i < nodes; ++i) {
      const uint32_t off = offsets[rng() % std::size(offsets)];
      const uint32_t k = values[rng() % std::size(values)];
      NodeId n = kNone;
      switch (rng() % 6) {
        case 0: n = g.load(off, pick()); break;
        case 1: n = g.and_k(k, pick()); break;
        case 2: n = g.jump_on(off, ops[rng() % 4], k, pick(), pick()); break;
        default: n = g.jump(ops[rng() % 4], k, pick(), pick()); break;
      }
      pool.push_back(n);
    }
    const NodeId root = g.load(kOffNr, pool.back());
    auto prog = emit(g, root);
    if (!prog) continue;  // too long: the error is tested above
    for (const Insn& i : *prog)
      if (i.code == (JMP | JA)) ++far_jumps;
    auto vp = VerifiedProgram::make(*prog);
    ASSERT_TRUE(vp) << "seed " << seed << " round " << round << ": " << vp.error().render();
    for (int probe = 0; probe < 300; ++probe) {
      SeccompData d;
      d.nr = static_cast<int32_t>(values[rng() % std::size(values)]);
      d.arch = values[rng() % std::size(values)];
      for (uint64_t& a : d.args)
        a = (uint64_t{values[rng() % std::size(values)]} << 32) | values[rng() % std::size(values)];
      ASSERT_EQ(emulate(*vp, d).ret, interpret(g, root, d))
          << "seed " << seed << " round " << round << " probe " << probe
          << "; rerun with SYSFENCE_TEST_SEED=" << seed;
    }
  }
  std::printf("[ measured ] seed %llu: %d JA trampolines in the emitted programs\n",
              static_cast<unsigned long long>(seed), far_jumps);
}

}  // namespace
