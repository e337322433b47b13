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
      at(Rule::on("write", Action::allow()), 4),                    // duplicate of line 3
      at(Rule::on("close", Action::allow()), 5),
      at(Rule::on("close", Action::kill_process()), 6),             // contradicts line 5
      at(Rule::on("getpid", Action::errno_(1)), 7),                 // the default: redundant
  };
  const ir::Policy p = testing::build_ok(std::move(s));
  const auto findings = ir::lint_rules(p);
  std::map<std::string, std::vector<int>> lines;
  for (const auto& f : findings) {
    lines[f.kind].push_back(f.error.where.line);
    EXPECT_EQ(f.error.message.rfind("warning: ", 0), 0u) << f.error.message;
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
