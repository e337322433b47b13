#include <gtest/gtest.h>

#include <cerrno>

#include "sysfence/diagnostics.hpp"
#include "sysfence/result.hpp"

using sysfence::Error;
using sysfence::SourceLoc;

TEST(ErrorRender, TextLocationWithCaretAndNote) {
  Error e;
  e.message = "unknown syscall \"opnat\"";
  e.where = SourceLoc{"p.policy", 3, 5, "", "    opnat: allow"};
  e.hint = "did you mean \"openat\"?";
  e.notes.push_back(
      {"earlier definition is here", SourceLoc{"p.policy", 1, 1, "", "openat: allow"}});
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
  Error e{"unknown operator \"SCMP_CMP_EQUAL\"",
          SourceLoc{"p.json", 0, 0, "syscalls[4].args[1].op", ""},
          "",
          {},
          0};
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

// Errors are values: severity, code and payload are fields; render() shows them as before.
TEST(ErrorValue, WarningSeverityRendersThePrefix) {
  Error w = Error::warning(sysfence::ErrorCode::Lint, "rule never matches", "remove it",
                           SourceLoc{"p.policy", 2, 1, "", "read: allow"});
  EXPECT_TRUE(w.is_warning());
  EXPECT_EQ(w.message, "rule never matches");
  EXPECT_EQ(w.text(), "warning: rule never matches");
  EXPECT_EQ(w.render(false),
            "p.policy(2:1): warning: rule never matches\n  read: allow\n  ^\nhint: remove it\n");
  // Colour: magenta "warning:", the rest bold; an error is bold red.
  EXPECT_EQ(Error::warning(sysfence::ErrorCode::Lint, "x").render(true),
            "\033[1;35mwarning:\033[0m\033[1m x\033[0m\n");
  EXPECT_EQ(Error::make(sysfence::ErrorCode::Syntax, "x").render(true), "\033[1;31mx\033[0m\n");
  // A message that merely starts with "warning:" is an error all the same.
  Error e{"warning: not really", {}, "", {}, 0};
  EXPECT_FALSE(e.is_warning());
  EXPECT_EQ(e.render(true), "\033[1;31mwarning: not really\033[0m\n");
}

TEST(ErrorValue, TsyncThreadIsAPayloadShownAsBefore) {
  Error e = Error::make(sysfence::ErrorCode::TsyncBlocked, "TSYNC failed", "install earlier");
  e.payload = sysfence::TsyncThread{4242};
  ASSERT_TRUE(e.tsync_thread());
  EXPECT_EQ(*e.tsync_thread(), 4242);
  EXPECT_EQ(e.render(false), "TSYNC failed\nhint: install earlier\nnote: tsync_tid=4242\n");
  // A note that looks like one is only text.
  Error n{"other", {}, "", {{"tsync_tid=7", {}}}, 0};
  EXPECT_FALSE(n.tsync_thread());
}

TEST(ErrorValue, SystemErrorsCarryTheErrno) {
  Error e = Error::system("open /x", ENOENT, "check the path");
  EXPECT_EQ(e.code, sysfence::ErrorCode::System);
  EXPECT_EQ(e.sys_errno, ENOENT);
  EXPECT_EQ(e.message, "open /x: No such file or directory");
}

TEST(Diagnostics, FilesBySeverityCapsAndDeduplicates) {
  sysfence::Diagnostics d(sysfence::Diagnostics::Limits{2, 1, true});
  d.report(Error::make(sysfence::ErrorCode::Syntax, "a"));
  d.report(Error::make(sysfence::ErrorCode::Syntax, "a"));  // a repeat: kept once, not counted
  d.report(Error::warning(sysfence::ErrorCode::Lint, "w"));
  d.report(Error::warning(sysfence::ErrorCode::Lint, "v"));  // past the warning cap
  EXPECT_EQ(d.errors.size(), 1u);
  EXPECT_EQ(d.error_count(), 1u);
  const auto m = d.mark();
  d.error(Error::make(sysfence::ErrorCode::Syntax, "b"));
  d.truncate_errors(m);  // a look-ahead undone
  EXPECT_EQ(d.error_count(), 1u);
  d.error(Error::make(sysfence::ErrorCode::Syntax, "b"));
  d.error(Error::make(sysfence::ErrorCode::Syntax, "c"));  // past the error cap: counted
  EXPECT_TRUE(d.saturated());
  EXPECT_EQ(d.error_count(), 3u);
  d.finish();
  ASSERT_EQ(d.errors.size(), 3u);
  EXPECT_EQ(d.errors[2].message, "1 more errors not shown");
  ASSERT_EQ(d.warnings.size(), 2u);
  EXPECT_EQ(d.warnings[1].render(false), "warning: 1 more warnings not shown\n");
}
