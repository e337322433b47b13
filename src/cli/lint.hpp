// src/cli/lint.hpp — rule analysis for `sysfence check`: shadowed, duplicate, contradictory and
// redundant rules of a built policy.
//
// The IR's semantics (ir/policy.hpp): a syscall's rules are ORed; when several match, the most
// restrictive action wins, and between two of the same kind the earlier rule's data. So an
// unconditional rule decides every call of its syscall against any rule that is not more
// restrictive than it: those rules can never decide anything.
//
// This is analysis that belongs in the library (next to the IR); it lives here until it moves.
#pragma once

#include <vector>

#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::cli {

struct LintFinding {
  std::string kind;  // "shadowed", "duplicate", "contradictory", "redundant"
  Error error;       // message starts with "warning: "; notes point at the other rule
};

std::vector<LintFinding> lint_rules(const ir::Policy& policy);

}  // namespace sysfence::cli
