// Randomized: random policies on random arch sets, compiled (both weightings) and emulated on
// boundary-heavy inputs, against the reference evaluator of the IR semantics (helpers.hpp).
//
// Seeded and reproducible: the seed is printed; rerun with SYSFENCE_TEST_SEED=<seed>.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "helpers.hpp"
#include "common/test_seed.hpp"
#include "random_policy.hpp"

namespace sysfence {
namespace {

using namespace sysfence::testing;

TEST(Random, CompiledFilterMatchesTheReferenceSemantics) {
  const uint64_t seed = sysfence::testing::test_seed();
  std::mt19937_64 rng(seed);
  RandomPolicyOptions o;
  size_t cases = 0;
  for (int i = 0; i < 300; ++i) {
    const ir::ValidatedPolicy p = random_policy(rng, o);
    compiler::Options uni;
    uni.weighting = compiler::Weighting::Uniform;
    const auto a = compile_ok(p), b = compile_ok(p, uni);
    for (int k = 0; k < 100; ++k, ++cases) {
      const bpf::SeccompData d = random_input(rng, p);
      const uint32_t want = reference(p, d);
      const uint32_t got = bpf::emulate(a, d).ret;
      ASSERT_EQ(got, want) << "seed " << seed << " policy " << i << "\n"
                           << describe(p) << "input arch " << std::hex << d.arch << " nr " << d.nr
                           << " args " << d.args[0] << " " << d.args[1] << " " << d.args[2] << " "
                           << d.args[3] << " " << d.args[4] << " " << d.args[5];
      ASSERT_EQ(bpf::emulate(b, d).ret, want) << "uniform, seed " << seed << " policy " << i;
    }
  }
  std::printf("%zu cases\n", cases);
}

}  // namespace
}  // namespace sysfence
