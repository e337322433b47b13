// src/ir/lint.cpp — see sysfence/ir/lint.hpp.
#include "sysfence/ir/lint.hpp"

#include <map>
#include <cstdint>
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

std::vector<LintFinding> lint_rules(const ir::ValidatedPolicy& policy) {
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
    f.error = Error::warning(ErrorCode::Lint, std::move(msg));
    f.error.where = r.loc;
    if (other) f.error.notes.push_back(Note{std::move(note), other->loc});
    out.push_back(std::move(f));
  };

  const std::span<const arch::Arch> arches = policy.arches();
  std::set<const ir::Rule*> redundant_in_group;
  // 64-bit comparisons on 32-bit integer arguments (on a 64-bit ABI): the kernel reads only the
  // low half, so upper-half garbage changes what the filter sees but not what the kernel does.
  // Warned where that lets a call escape the rule: an allow-like rule (allow, log) that garbage
  // can make match (!=, >, >=), or a denying rule that garbage can make miss (==, <, <=); a mask
  // that reaches into the upper half, either way.
  for (arch::Arch a : arches) {
    if (!arch::info(a).args_are_64bit) continue;
    for (const ResolvedRule& rr : policy.rules_for(a)) {
      const Rule& r = *rr.rule;
      if (r.derived || r.syscall.empty()) continue;
      const bool allows = r.action.kind == ActionKind::Allow || r.action.kind == ActionKind::Log;
      for (const ArgCmp& c : r.conds) {
        if (c.width != Width::Bits64 || !arch::arg_is_int32(r.syscall, c.arg)) continue;
        bool escapes = false;
        switch (c.op) {
          case CmpOp::Ne:
          case CmpOp::Gt:
          case CmpOp::Ge: escapes = allows; break;
          case CmpOp::Eq:
          case CmpOp::Lt:
          case CmpOp::Le: escapes = !allows; break;
          case CmpOp::MaskedEq: escapes = (c.mask >> 32) != 0; break;
        }
        if (!escapes) continue;
        const auto names = arch::syscall_arg_names(a, r.syscall);
        const std::string arg = c.arg < names.size() && !names[c.arg].empty()
                                    ? std::string(names[c.arg])
                                    : "arg" + std::to_string(c.arg);
        const std::string key = "int|" + std::to_string(reinterpret_cast<uintptr_t>(&c));
        if (!seen.insert(key).second) continue;
        LintFinding f;
        f.kind = "int-argument";
        f.error = Error::warning(ErrorCode::Lint, {});
        f.error.message =
            r.syscall + "'s " + arg +
            " is a 32-bit int the kernel reads from the low half of its register, "
            "but this comparison uses all 64 bits: upper-half garbage (0x100000000 | value) "
            "lets a call " +
            (allows ? "match this " + r.action.to_string() + " rule"
                    : "escape this " + r.action.to_string() + " rule") +
            " with the same meaning to the kernel";
        f.error.where = c.loc.known() ? c.loc : r.loc;
        f.error.hint = "compare u32(" + arg + ") instead";
        out.push_back(std::move(f));
      }
    }
  }
  for (arch::Arch a : arches) {
    std::map<int32_t, std::vector<size_t>> by_nr;
    auto rules = policy.rules_for(a);
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!rules[i].rule->derived)
        by_nr[rules[i].nr].push_back(i);  // findings are about rules written
    }

    for (const auto& [nr, idx] : by_nr) {
      bool all_default = true;
      for (size_t j : idx) all_default = all_default && rules[j].rule->action == def;
      if (all_default) {
        for (size_t j : idx) {
          const ir::Rule& r = *rules[j].rule;
          if (!r.group.empty()) {
            redundant_in_group.insert(&r);  // reported per group statement, below
            continue;
          }
          add("redundant", r, nullptr,
              "rule has no effect: " + rule_label(r, nr) + " is the default action", "");
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
        // A rule naming socketcall or ipc that decides call numbers there has an effect beyond
        // the group's allow: it replaces the rules derived from socket and IPC rules
        // (PolicySpec::multiplexed_calls; ValidatedPolicy::build warns about what that leaves unchecked).
        if (r.group.empty() && (r.syscall == "socketcall" || r.syscall == "ipc") &&
            (r.conds.empty() || ir::multiplexer_call_decided(r, a)))
          continue;
        std::optional<size_t> pick;
        for (const auto& [kind, i] : first_uncond) {
          const ir::Rule& u = *rules[i].rule;
          const bool stronger = u.action.more_restrictive_than(r.action);
          const bool same_kind = kind == r.action.kind;
          if (!(stronger || (same_kind && i < j))) continue;
          if (!pick || i < *pick) pick = i;
        }
        if (pick) {
          // A group's rule that loses to another rule is how exceptions are carved out of a
          // group (`@process: allow` then `clone3: errno ENOSYS`), and two groups may overlap:
          // the language's documented idiom, not a finding.
          if (!r.group.empty()) continue;
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
  // A group statement has no effect when every rule it made is the default action on every
  // arch (rules of one statement share its location).
  std::map<std::string, std::pair<const ir::Rule*, bool>>
      statements;  // loc -> first rule, all redundant
  for (const ir::Rule& r : policy.spec().rules) {
    if (r.group.empty()) continue;
    const std::string key = r.group + "|" + r.loc.file + "|" + std::to_string(r.loc.line) + "|" +
                            std::to_string(r.loc.col);
    auto [it, fresh] = statements.try_emplace(key, &r, true);
    it->second.second = it->second.second && redundant_in_group.count(&r) > 0;
  }
  for (const auto& [key, v] : statements) {
    if (!v.second) continue;
    const ir::Rule& r = *v.first;
    add("redundant", r, nullptr,
        "rule has no effect: every syscall of " + r.group + " gets " + r.action.to_string() +
            ", the default action, without it",
        "");
  }
  return out;
}

}  // namespace sysfence::ir
