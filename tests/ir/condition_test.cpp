// Conditions in normal form (sysfence/ir/condition.hpp): products within limits, negation
// pushed down, masked != per bit, simplification, and one fits32. Checked against a brute-force
// evaluation of the conditions over sample argument values.
#include <gtest/gtest.h>

#include <random>

#include "sysfence/ir/condition.hpp"

namespace {

using namespace sysfence::ir;
using sysfence::arch::Arch;

bool holds(const ArgCmp& c, const uint64_t args[6]) {
  const uint64_t full = c.width == Width::Bits32 ? 0xffffffffULL : ~0ULL;
  const uint64_t x = args[c.arg] & full, v = c.value & full;
  switch (c.op) {
    case CmpOp::Eq: return x == v;
    case CmpOp::Ne: return x != v;
    case CmpOp::Lt: return x < v;
    case CmpOp::Le: return x <= v;
    case CmpOp::Gt: return x > v;
    case CmpOp::Ge: return x >= v;
    case CmpOp::MaskedEq: return (x & c.mask & full) == v;
  }
  return false;
}

bool holds(const Dnf& d, const uint64_t args[6]) {
  for (const Conjunction& c : d) {
    bool all = true;
    for (const ArgCmp& k : c) all = all && holds(k, args);
    if (all) return true;
  }
  return false;
}

ArgCmp cmp(uint8_t arg, CmpOp op, uint64_t v) {
  ArgCmp c;
  c.arg = arg;
  c.op = op;
  c.value = v;
  return c;
}

TEST(IrCondition, Fits32) {
  EXPECT_TRUE(fits32(0));
  EXPECT_TRUE(fits32(0xffffffffULL));
  EXPECT_TRUE(fits32(~0ULL));                  // -1
  EXPECT_TRUE(fits32(0xffffffff80000000ULL));  // INT32_MIN sign-extended
  EXPECT_FALSE(fits32(0x100000000ULL));
  EXPECT_FALSE(fits32(0xffffffff7fffffffULL));  // high word set, bit 31 clear
}

TEST(IrCondition, MaskedNotEqualIsOneConjunctionPerBit) {
  ArgCmp base;
  base.arg = 1;
  Dnf ne = masked_cmp(base, CmpOp::Ne, 0x0f, 0x05);
  ASSERT_EQ(ne.size(), 4u);
  Dnf eq = masked_cmp(base, CmpOp::Eq, 0x0f, 0x05);
  ASSERT_EQ(eq.size(), 1u);
  for (uint64_t x = 0; x < 0x40; ++x) {
    const uint64_t args[6] = {0, x, 0, 0, 0, 0};
    EXPECT_EQ(holds(ne, args), (x & 0x0f) != 0x05) << x;
    EXPECT_EQ(holds(eq, args), (x & 0x0f) == 0x05) << x;
  }
  EXPECT_TRUE(masked_cmp(base, CmpOp::Eq, 0x0f, 0x10).empty());             // never
  EXPECT_TRUE(same_dnf(masked_cmp(base, CmpOp::Ne, 0x0f, 0x10), Dnf{{}}));  // always
}

// Random conditions: the negation holds exactly where the condition does not.
TEST(IrCondition, NegationIsTheComplement) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const CmpOp ops[] = {CmpOp::Eq, CmpOp::Ne, CmpOp::Lt,      CmpOp::Le,
                       CmpOp::Gt, CmpOp::Ge, CmpOp::MaskedEq};
  for (int round = 0; round < 200; ++round) {
    Dnf d;
    const size_t n = rng() % 4;
    for (size_t i = 0; i < n; ++i) {
      Conjunction c;
      const size_t m = rng() % 3;
      for (size_t j = 0; j < m; ++j) {
        ArgCmp k = cmp(static_cast<uint8_t>(rng() % 2), ops[rng() % 7], rng() % 8);
        if (k.op == CmpOp::MaskedEq) {
          k.mask = rng() % 8;
          k.value &= k.mask;
        }
        if (rng() % 4 == 0) k.width = Width::Bits32;
        c.push_back(k);
      }
      d.push_back(c);
    }
    Dnf neg = d;
    ASSERT_EQ(negate(neg), DnfOverflow::None);
    for (uint64_t a = 0; a < 9; ++a)
      for (uint64_t b = 0; b < 9; ++b) {
        const uint64_t args[6] = {a, b | (b == 8 ? 0xffffffff00000000ULL : 0), 0, 0, 0, 0};
        EXPECT_NE(holds(d, args), holds(neg, args)) << round << " " << a << " " << b;
      }
  }
}

TEST(IrCondition, ProductsStopAtTheLimits) {
  DnfLimits small{4, 6};
  Dnf a{{cmp(0, CmpOp::Eq, 1)}, {cmp(0, CmpOp::Eq, 2)}, {cmp(0, CmpOp::Eq, 3)}};
  Dnf b{{cmp(1, CmpOp::Eq, 1)}, {cmp(1, CmpOp::Eq, 2)}};
  Dnf keep = a;
  EXPECT_EQ(dnf_and(a, b, small), DnfOverflow::Conjunctions);
  EXPECT_TRUE(same_dnf(a, keep));  // unchanged on overflow
  EXPECT_EQ(dnf_or(a, b, small), DnfOverflow::Conjunctions);
  Dnf c{{cmp(0, CmpOp::Eq, 1), cmp(1, CmpOp::Eq, 1), cmp(2, CmpOp::Eq, 1)}};
  Dnf d{{cmp(3, CmpOp::Eq, 1), cmp(4, CmpOp::Eq, 1), cmp(5, CmpOp::Eq, 1), cmp(5, CmpOp::Ne, 2)}};
  EXPECT_EQ(dnf_or(c, d, small), DnfOverflow::Comparisons);
  EXPECT_EQ(dnf_and(c, Dnf{{cmp(1, CmpOp::Ne, 3)}}, small), DnfOverflow::None);
  EXPECT_EQ(c[0].size(), 4u);
  // Negating a 20-way OR of 2-comparison ANDs is 2^20 ANDs: refused, not built.
  Dnf wide;
  for (uint64_t i = 0; i < 20; ++i) wide.push_back({cmp(0, CmpOp::Eq, i), cmp(1, CmpOp::Eq, i)});
  EXPECT_NE(negate(wide), DnfOverflow::None);
  EXPECT_EQ(wide.size(), 20u);
}

TEST(IrCondition, SimplifyAndDropNever) {
  Conjunction c{cmp(0, CmpOp::Ge, 0), cmp(0, CmpOp::Eq, 4), cmp(0, CmpOp::Eq, 4)};
  ASSERT_TRUE(simplify(c));
  EXPECT_EQ(c.size(), 1u);  // >= 0 always holds; the repeat goes
  Conjunction never{cmp(0, CmpOp::Gt, 5), cmp(0, CmpOp::Lt, 3)};
  EXPECT_FALSE(simplify(never));
  std::string why;
  Dnf d{{cmp(0, CmpOp::Gt, 5), cmp(0, CmpOp::Lt, 3)}, {cmp(1, CmpOp::Eq, 1)}};
  Dnf kept = drop_never(d, Arch::X86_64, why);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0][0].arg, 1);
  EXPECT_FALSE(why.empty());
  // On i386 a value above 32 bits can never be reached.
  std::string why32;
  EXPECT_TRUE(drop_never(Dnf{{cmp(0, CmpOp::Gt, 0xffffffffULL)}}, Arch::I386, why32).empty());
  EXPECT_NE(why32.find("32-bit"), std::string::npos) << why32;
  // One conjunction that always holds: the whole condition does.
  std::string none;
  EXPECT_TRUE(
      same_dnf(drop_never(Dnf{{cmp(0, CmpOp::Ge, 0)}, {cmp(1, CmpOp::Eq, 1)}}, Arch::X86_64, none),
               Dnf{{}}));
}

}  // namespace
