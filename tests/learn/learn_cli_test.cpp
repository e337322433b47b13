// `sysfence learn` as a command: --merge, --freq, bad input, exit statuses.
#include <gtest/gtest.h>

#include "cli_helpers.hpp"

namespace {

using clitest::Ran;

TEST(LearnCli, MergeKeepsTheUsersLinesAndAddsTheRest) {
  clitest::TempDir t;
  const std::string mine =
      "# mine: keep this comment\n"
      "default errno EPERM\n"
      "arch x86_64\n"
      "@basic-io, @memory, @signal: allow   # my line\n"
      "@process: allow\n"
      "getdents64: errno EACCES             # never list directories\n";
  const std::string p = t.file("app.policy", mine);
  // Before: ls -l / fails under the user's policy (it needs openat, statx, ...).
  Ran r = clitest::sysfence({"run", "--policy", p, "--", "ls", "-l", "/"});
  EXPECT_NE(r.code, 0);
  r = clitest::sysfence(
      {"learn", "--merge", p, "--freq", t.join("ls.freq"), "--", "ls", "-l", "/"});
  ASSERT_EQ(r.code, 0) << r.all();  // learning enforces nothing: ls ran as usual
  const std::string merged = clitest::read_file(p);
  EXPECT_EQ(merged.substr(0, mine.size()), mine);
  EXPECT_NE(merged.find("# --- added by `sysfence learn --merge` from: ls -l / ---"),
            std::string::npos)
      << merged;
  EXPECT_NE(merged.find("openat: allow"), std::string::npos) << merged;
  EXPECT_NE(merged.find("getdents64 was refused by the rule at"), std::string::npos) << merged;
  EXPECT_NE(r.err.find("getdents64 was refused"), std::string::npos) << r.err;
  EXPECT_EQ(merged.find("getdents64: allow"), std::string::npos);
  EXPECT_NE(clitest::read_file(t.join("ls.freq")).find("x86_64 getdents64 "), std::string::npos);
  // After: everything but the user's own denial is allowed; a second merge adds nothing.
  r = clitest::sysfence({"check", "--strict", p});
  EXPECT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence(
      {"learn", "--merge", p, "-o", t.join("again.policy"), "--", "ls", "-l", "/"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("0 newly needed"), std::string::npos) << r.err;
  // Without --freq only the calls the policy does not allow stopped: here the user's own denial.
  EXPECT_NE(r.err.find("(1 distinct) not allowed by " + p), std::string::npos) << r.err;
  r = clitest::sysfence({"run", "--policy", p, "--", "cat", "/dev/null"});
  EXPECT_EQ(r.code, 0) << r.all();
}

TEST(LearnCli, BadInputAndStatuses) {
  clitest::TempDir t;
  Ran r = clitest::sysfence({"learn"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no program given"), std::string::npos) << r.err;
  r = clitest::sysfence({"learn", "-o", t.join("x"), "--", "/nonexistent/prog"});
  EXPECT_EQ(r.code, 127) << r.all();
  const std::string bad = t.file("bad.policy", "default errno EPERM\nraed: allow\n");
  r = clitest::sysfence({"learn", "--merge", bad, "--", "true"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.policy(2:1)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("read"), std::string::npos);
  EXPECT_EQ(clitest::read_file(bad), "default errno EPERM\nraed: allow\n");  // untouched
  r = clitest::sysfence({"learn", "-o", t.join("k.policy"), "--", "sh", "-c", "kill -KILL $$"});
  EXPECT_EQ(r.code, 128 + 9) << r.all();
  r = clitest::sysfence({"learn", "--", "sh", "-c", "echo out; exit 6"});
  EXPECT_EQ(r.code, 6);
  EXPECT_EQ(r.out.substr(0, 4), "out\n");
  EXPECT_NE(r.out.find("default errno EPERM"), std::string::npos);  // the policy on stdout
}

}  // namespace
