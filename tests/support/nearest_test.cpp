// support/nearest.hpp: the one edit distance and "did you mean" of every frontend, the CLI and
// arch's syscall and constant suggestions.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "sysfence/support/nearest.hpp"

namespace sysfence {
namespace {

TEST(EditDistance, LevenshteinWithTranspositionAsOneEdit) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("openat", "openat"), 0u);
  EXPECT_EQ(edit_distance("opnat", "openat"), 1u);  // insertion
  EXPECT_EQ(edit_distance("EPREM", "EPERM"), 1u);   // adjacent transposition
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(edit_distance("abc", "ca"), 3u);  // optimal string alignment, not Damerau's 2
}

TEST(EditDistance, StopsPastTheCap) {
  EXPECT_EQ(edit_distance("a", "abcdefgh", 3), 4u);  // lengths alone exceed the cap
  EXPECT_EQ(edit_distance("abcdef", "uvwxyz", 2), 3u);
  EXPECT_EQ(edit_distance("abcdef", "abcdxy", 2), 2u);
}

TEST(NearestOf, ClosestWithinTheLimitOrNothing) {
  const std::vector<std::string_view> names = {"EPERM", "ENOENT", "EACCES"};
  EXPECT_EQ(nearest_of("EPREM", names), "EPERM");
  EXPECT_EQ(nearest_of("ENOENTT", names), "ENOENT");
  EXPECT_EQ(nearest_of("nothing-like", names), "");
  EXPECT_EQ(nearest_of("X", names), "");  // never a whole rewrite of a short name
}

}  // namespace
}  // namespace sysfence
