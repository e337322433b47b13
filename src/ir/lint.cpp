// src/ir/lint.cpp — see sysfence/ir/lint.hpp.
#include "sysfence/ir/lint.hpp"


#include <map>
#include <optional>
#include <set>
#include <string>

namespace sysfence::ir {
namespace {

std::string rule_label(const ir::Rule& r, int32_t nr) {
  std::string s = r.syscall.empty() ? "syscall " + std::to_string(nr) : r.syscall;
  if (!r.conds.empty()) s += " (with conditions)";
  return s + " -> " + r.action.to_string();
}

}  // namespace

std::vector<LintFinding> lint_rules(const ir::Policy& policy) {
  std::vector<LintFinding> out;
  std::set<std::string> seen;  // one finding per (rule, kind, other rule), across arches
  const ir::Action def = policy.spec().default_action;

  auto add = [&](const std::string& kind, const ir::Rule& r, const ir::Rule* other, std::string msg,
                 std::string note) {
    // Rules are the spec's own objects on every arch: their addresses identify them.
    const std::string key = kind + "|" + std::to_string(reinterpret_cast<uintptr_t>(&r)) + "|" +
                            std::to_string(reinterpret_cast<uintptr_t>(other));
    if (!seen.insert(key).second) return;
    LintFinding f;
    f.kind = kind;
    f.error.message = "warning: " + msg;
    f.error.where = r.loc;
    if (other) f.error.notes.push_back(Note{note, other->loc});
    out.push_back(std::move(f));
  };

  const std::span<const arch::Arch> arches = policy.arches();
  for (arch::Arch a : arches) {
    std::map<int32_t, std::vector<size_t>> by_nr;
    auto rules = policy.rules_for(a);
    for (size_t i = 0; i < rules.size(); ++i) by_nr[rules[i].nr].push_back(i);

    for (const auto& [nr, idx] : by_nr) {
      bool all_default = true;
      for (size_t j : idx) all_default = all_default && rules[j].rule->action == def;
      if (all_default) {
        for (size_t j : idx) {
          const ir::Rule& r = *rules[j].rule;
          add("redundant", r, nullptr,
              "rule has no effect: " + rule_label(r, nr) + " is the default action",
              "");
        }
        continue;
      }
      // The first unconditional rule of each action kind (rules are in policy order). The rule
      // that overrides rule j is the first unconditional one (other than j) that is more
      // restrictive, or of the same kind and earlier: found per kind, so this stays linear in
      // the number of rules (100,000 rules for one syscall).
      std::map<ir::ActionKind, size_t> first_uncond;
      for (size_t i : idx) {
        const ir::Rule& u = *rules[i].rule;
        if (u.conds.empty()) first_uncond.emplace(u.action.kind, i);
      }
      for (size_t j : idx) {
        const ir::Rule& r = *rules[j].rule;
        std::optional<size_t> pick;
        for (const auto& [kind, i] : first_uncond) {
          const ir::Rule& u = *rules[i].rule;
          const bool stronger = u.action.more_restrictive_than(r.action);
          const bool same_kind = kind == r.action.kind;
          if (!(stronger || (same_kind && i < j))) continue;
          if (!pick || i < *pick) pick = i;
        }
        if (pick) {
          const size_t i = *pick;
          const ir::Rule& u = *rules[i].rule;
          if (r.conds.empty() && u.action == r.action) {
            add("duplicate", r, &u, "duplicate rule: " + rule_label(r, nr) + " is already given",
                "the same rule is here");
          } else if (r.conds.empty()) {
            add("contradictory", r, &u,
                "contradictory rules: " + rule_label(r, nr) + " and " + rule_label(u, nr) +
                    " both apply to every call; the latter wins",
                "the rule that wins is here");
          } else {
            add("shadowed", r, &u,
                "rule never decides: " + rule_label(r, nr) + " is shadowed by " +
                    rule_label(u, nr) + ", which matches every call and wins",
                "the shadowing rule is here");
          }
        }
      }
    }
  }
  return out;
}

}  // namespace sysfence::ir
