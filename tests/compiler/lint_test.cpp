// ir::lint_rules: shadowed, duplicate, contradictory and redundant rules, each found once, with a
// note pointing at the other rule.
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "sysfence/ir/lint.hpp"

namespace sysfence {
namespace {

using ir::Action;
using ir::ArgCmp;
using ir::Rule;

Rule at(Rule r, int line) {
  r.loc.file = "p.policy";
  r.loc.line = line;
  r.loc.col = 1;
  return r;
}

TEST(Lint, FindsEachKindOnce) {
  ir::PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {arch::Arch::X86_64, arch::Arch::I386};
  s.rules = {
      at(Rule::on("read", Action::allow()), 1),
      at(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 0)}), 2),  // shadowed by line 1
      at(Rule::on("write", Action::allow()), 3),
      at(Rule::on("write", Action::allow()), 4),  // duplicate of line 3
      at(Rule::on("close", Action::allow()), 5),
      at(Rule::on("close", Action::kill_process()), 6),  // contradicts line 5
      at(Rule::on("getpid", Action::errno_(1)), 7),      // the default: redundant
  };
  const ir::ValidatedPolicy p = testing::build_ok(std::move(s));
  const auto findings = ir::lint_rules(p);
  std::map<std::string, std::vector<int>> lines;
  for (const auto& f : findings) {
    lines[f.kind].push_back(f.error.where.line);
    EXPECT_TRUE(f.error.is_warning()) << f.error.message;
    EXPECT_EQ(f.error.code, ErrorCode::Lint);
    EXPECT_NE(f.error.render(false).find("): warning: "), std::string::npos)
        << f.error.render(false);
  }
  EXPECT_EQ(lines["shadowed"], std::vector<int>{2});
  EXPECT_EQ(lines["duplicate"], std::vector<int>{4});
  EXPECT_EQ(lines["contradictory"], std::vector<int>{5});  // line 6 (kill) wins over line 5
  EXPECT_EQ(lines["redundant"], std::vector<int>{7});
  for (const auto& f : findings) {
    if (f.kind == "redundant") continue;
    ASSERT_EQ(f.error.notes.size(), 1u) << f.error.message;
  }
}

TEST(Lint, ACleanPolicyHasNoFindings) {
  ir::PolicySpec s;
  s.default_action = Action::errno_(1);
  s.rules = {Rule::on("read", Action::allow()),
             Rule::on("write", Action::allow(), {ArgCmp::eq(0, 1)}),
             Rule::on("write", Action::allow(), {ArgCmp::eq(0, 2)})};
  EXPECT_TRUE(ir::lint_rules(testing::build_ok(std::move(s))).empty());
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// 64-bit comparisons on 32-bit int arguments (issue 8 item 11): warned where upper-half garbage
// lets a call escape the rule, with u32() suggested; not where garbage can only make the call
// fail closed, not with u32(), not on 32-bit arches, not on arguments that are not ints.
TEST(Lint, IntArgumentsComparedOn64Bits) {
  auto kinds = [](std::vector<ir::Rule> rules,
                  std::vector<arch::Arch> arches = {arch::Arch::X86_64}) {
    ir::PolicySpec s;
    s.default_action = ir::Action::errno_(1);
    s.arches = std::move(arches);
    for (size_t i = 0; i < rules.size(); ++i)
      s.rules.push_back(at(rules[i], static_cast<int>(i + 1)));
    const ir::ValidatedPolicy p = testing::build_ok(std::move(s));
    std::string out;
    for (const auto& f : ir::lint_rules(p)) {
      if (f.kind != "int-argument") continue;
      out += std::to_string(f.error.where.line) + " ";
      EXPECT_NE(f.error.hint.find("u32("), std::string::npos) << f.error.hint;
    }
    return out;
  };
  using ir::Action;
  using ir::ArgCmp;
  using ir::Rule;
  // socket: domain != AF_INET (allow): 0x100000002 != 2 matches, the kernel sees AF_INET... and
  // any other domain with garbage gets in. ioctl: request == TIOCSTI -> errno: garbage misses.
  EXPECT_EQ(kinds({Rule::on("socket", Action::allow(), {ArgCmp::ne(0, 2)}),
                   Rule::on("ioctl", Action::errno_(1), {ArgCmp::eq(1, 0x5412)})}),
            "1 2 ");
  // Fail-closed directions, u32(), masks in the low half, non-int arguments: nothing.
  EXPECT_EQ(
      kinds({Rule::on("socket", Action::allow(), {ArgCmp::eq(0, 2)}),
             Rule::on("ioctl", Action::errno_(1), {ArgCmp::ne(1, 0x5412)}),
             Rule::on("ioctl", Action::errno_(1), {ArgCmp::eq(1, 0x5412).as32()}),
             Rule::on("openat", Action::errno_(1), {ArgCmp::masked_eq(2, 0x40, 0x40)}),
             Rule::on("clone", Action::errno_(1), {ArgCmp::masked_eq(0, 0x10000000, 0x10000000)}),
             Rule::on("write", Action::errno_(1), {ArgCmp::eq(1, 0)})}),
      "");
  // On i386 every comparison is 32-bit already.
  EXPECT_EQ(kinds({Rule::on("socket", Action::allow(), {ArgCmp::ne(0, 2)})}, {arch::Arch::I386}),
            "");
}

}  // namespace
}  // namespace sysfence
