// The policy grammar as published in docs/policy-language.md (the BNF block between
// "<!-- grammar -->" markers): every production is exercised here by at least one accepted
// input, and the test checks that the BNF in the doc is the one this file covers.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "helpers.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

using namespace sysfence;

// Production name -> inputs that use it. Every input must parse without errors.
const std::map<std::string, std::vector<std::string>> kExamples = {
    {"policy", {"", "\n\n# only a comment\n", "read: allow\nwrite: allow\n"}},
    {"statement", {"default allow\n", "read: allow\n"}},
    {"setting",
     {"default errno EPERM\n", "bad-arch kill-process\n", "unknown-syscall errno ENOSYS\n",
      "missing-syscall ignore\n", "missing-syscall error\n", "missing-syscall warn\n"}},
    {"arch-list", {"arch x86_64, i386\nread: allow\n", "arch amd64\nread: allow\n"}},
    {"arch-section",
     {"arch x86_64, i386\narch x86_64 {\n  arch_prctl: allow\n}\n",
      "arch x86_64 { arch_prctl: allow\nread: allow }\n"}},
    {"define",
     {"define FD = 3\nread: arg0 == FD\n", "define M = O_CREAT | O_EXCL\nopenat: flags & M\n"}},
    {"include", {"@include \"inc.policy\"\n"}},
    {"rule",
     {"read, write, @basic-io: allow\n", "write: fd == 1\n", "write: fd == 1 -> errno EPERM\n"}},
    {"name", {"read: allow\n", "@basic-io: allow\n"}},
    {"action",
     {"read: allow\n", "read: log\n", "read: errno 5\n", "read: errno EPERM\n", "read: trap\n",
      "read: trap 7\n", "read: trace\n", "read: trace 9\n", "read: notify\n", "read: user-notif\n",
      "read: kill-thread\n", "read: kill-process\n"}},
    {"condition", {"read: arg0 == 1 || arg0 == 2 || arg1 == 3\n"}},
    {"conjunction", {"read: arg0 == 1 && arg1 == 2 && arg2 == 3\n"}},
    {"unary",
     {"read: !(arg0 == 1)\n", "read: !!arg0 == 1\n",
      "read: (arg0 == 1 || arg1 == 2) && arg2 == 3\n"}},
    {"comparison",
     {"read: arg0 == 1\n", "read: arg0 != 1\n", "read: arg0 < 1\n", "read: arg0 <= 1\n",
      "read: arg0 > 1\n", "read: arg0 >= 1\n", "read: arg0 in {1, 2}\n",
      "read: arg0 not in {1,\n 2}\n", "read: arg0 & 4\n", "read: (arg0 & 0xff) == 3\n",
      "read: (arg0 & 0xff) in {1, 2}\n", "read: (arg0 & 0xff)\n"}},
    // The grammar allows a masked test as the first term inside parentheses (issue 8 item 10).
    {"masked",
     {"getpriority: arg2 & 0xff == 0\n", "getpriority: (who & 0xff || u32(who) < 1)\n",
      "getpriority: (who & 0xff && which == 0)\n", "getpriority: (who & 1 | 2)\n",
      "getpriority: ((who & 1) || which == 1)\n"}},
    {"operand",
     {"read: arg5 == 1\n", "write: count > 4096\n", "ioctl: u32(request) == TIOCSTI\n",
      "ioctl: (u32(request) & 0xff) == 1\n"}},
    {"set", {"read: arg0 in {1}\n", "define FD_ONE = 1\nread: arg0 in {1, FD_ONE, 3 | 4}\n"}},
    {"value", {"read: arg0 == 1 | 2 | O_CREAT\n"}},
    {"term",
     {"read: arg0 == 42\n", "read: arg0 == 0x2a\n", "read: arg0 == 0b101\n", "read: arg0 == 052\n",
      "read: arg0 == O_CREAT\n", "read: arg0 == ~0\n", "read: arg0 == -1\n",
      "read: arg0 == (1 | 2)\n", "define X = 1\nread: arg0 == X\n"}},
};

frontend::Parsed<ir::PolicySpec> parse(const std::string& text) {
  sftest::Files files = {{"inc.policy", "read: allow\n"}};
  return frontend::parse_policy_text(text, "p.policy",
                                     sftest::mem_fs(files, {arch::Arch::X86_64, arch::Arch::I386}));
}

TEST(Grammar, EveryProductionHasAcceptedExamples) {
  for (const auto& [prod, inputs] : kExamples) {
    ASSERT_FALSE(inputs.empty()) << prod;
    for (const std::string& in : inputs) {
      auto r = parse(in);
      EXPECT_TRUE(r.errors.empty()) << prod << ": " << in << r.render();
    }
  }
  // A define must come before its use.
  auto late = parse("read: arg0 in {1, FD_ONE}\ndefine FD_ONE = 1\n");
  EXPECT_FALSE(late.ok());
}

TEST(Grammar, MaskedTestInsideParenthesesMeansWhatItSays) {
  auto r = parse("getpriority: (who & 0xff || u32(who) < 1)\n");
  ASSERT_TRUE(r.ok()) << r.render();
  // Per arch (x86_64, i386): (who & 0xff) != 0, or the low word of who < 1.
  ASSERT_GE(r.value->rules.size(), 2u);
  bool masked = false, low = false;
  for (const ir::Rule& rule : r.value->rules) {
    ASSERT_EQ(rule.conds.size(), 1u);
    const ir::ArgCmp& c = rule.conds[0];
    EXPECT_EQ(c.arg, 1);
    if (c.op == ir::CmpOp::Lt) {
      low = true;
      EXPECT_EQ(c.width, ir::Width::Bits32);
      EXPECT_EQ(c.value, 1u);
    } else {
      masked = true;
    }
  }
  EXPECT_TRUE(masked);
  EXPECT_TRUE(low);
}

// The productions named in the doc's BNF block.
std::set<std::string> doc_productions() {
  std::ifstream in(std::string(SYSFENCE_SOURCE_DIR) + "/docs/policy-language.md");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const std::string mark = "<!-- grammar -->";
  size_t a = doc.find(mark);
  size_t b = a == std::string::npos ? a : doc.find(mark, a + mark.size());
  EXPECT_NE(b, std::string::npos) << "docs/policy-language.md has no grammar block between " << mark
                                  << " lines";
  std::set<std::string> out;
  if (b == std::string::npos) return out;
  std::istringstream block(doc.substr(a, b - a));
  std::string line;
  std::regex def(R"(^([a-z][a-z-]*)\s*::=)");
  std::smatch m;
  while (std::getline(block, line))
    if (std::regex_search(line, m, def)) out.insert(m[1]);
  return out;
}

TEST(Grammar, DocBnfIsTheGrammarTested) {
  std::set<std::string> doc = doc_productions();
  std::set<std::string> tested;
  for (const auto& [prod, inputs] : kExamples) tested.insert(prod);
  EXPECT_EQ(doc, tested)
      << "docs/policy-language.md's BNF and tests/frontend/grammar_test.cpp disagree";
}

}  // namespace
