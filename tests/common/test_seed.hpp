// tests/common/test_seed.hpp — the seed of a randomized test: printed, and taken back to replay.
//
//   const uint64_t seed = sysfence::testing::test_seed();   // prints SYSFENCE_TEST_SEED=N
//   std::mt19937_64 rng(seed);
//
// Every randomized test takes SYSFENCE_TEST_SEED=N to replay a run (some also accept the name
// they used before, e.g. SYSFENCE_DIFF_SEED, passed as `own_name`). Without it a fresh seed is
// drawn, printed, and recorded as the test's "seed" property (in ctest's --output-junit XML).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace sysfence::testing {

// The seed the environment asks for, if any: SYSFENCE_TEST_SEED, else `own_name`.
inline std::optional<uint64_t> seed_from_env(const char* own_name = nullptr) {
  for (const char* name : {"SYSFENCE_TEST_SEED", own_name}) {
    if (name == nullptr) continue;
    if (const char* s = std::getenv(name); s != nullptr && *s != '\0')
      return std::strtoull(s, nullptr, 0);
  }
  return std::nullopt;
}

// The seed to use: the environment's, or a fresh one. Printed either way.
inline uint64_t test_seed(const char* own_name = nullptr) {
  const uint64_t seed = seed_from_env(own_name).value_or(std::random_device{}());
  std::printf("[   seed   ] SYSFENCE_TEST_SEED=%llu replays this run\n",
              static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

}  // namespace sysfence::testing
