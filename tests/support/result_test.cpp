#include <gtest/gtest.h>

#include "sysfence/result.hpp"

using sysfence::Error;
using sysfence::SourceLoc;

TEST(ErrorRender, TextLocationWithCaretAndNote) {
  Error e;
  e.message = "unknown syscall \"opnat\"";
  e.where = SourceLoc{"p.policy", 3, 5, "", "    opnat: allow"};
  e.hint = "did you mean \"openat\"?";
  e.notes.push_back({"earlier definition is here", SourceLoc{"p.policy", 1, 1, "", "openat: allow"}});
  EXPECT_EQ(e.render(),
            "p.policy(3:5): unknown syscall \"opnat\"\n"
            "      opnat: allow\n"
            "      ^\n"
            "hint: did you mean \"openat\"?\n"
            "p.policy(1:1): note: earlier definition is here\n"
            "  openat: allow\n"
            "  ^\n");
}

TEST(ErrorRender, JsonPath) {
  Error e{"unknown operator \"SCMP_CMP_EQUAL\"", SourceLoc{"p.json", 0, 0, "syscalls[4].args[1].op", ""}, "", {}, 0};
  EXPECT_EQ(e.render(), "p.json: syscalls[4].args[1].op: unknown operator \"SCMP_CMP_EQUAL\"\n");
}

TEST(ResultType, HoldsValueOrError) {
  sysfence::Result<int> good = 7;
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 7);
  sysfence::Result<int> bad = Error{"nope", {}, "", {}, 0};
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "nope");
  sysfence::Result<void> v;
  EXPECT_TRUE(v);
}
