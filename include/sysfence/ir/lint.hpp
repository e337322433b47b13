// sysfence/ir/lint.hpp — rule analysis of a built policy (what `sysfence check` reports):
// shadowed, duplicate, contradictory and redundant rules, and 64-bit comparisons on 32-bit int
// arguments that upper-half garbage can dodge (socket's domain, ioctl's request: use u32()).
//
//   for (const auto& f : sysfence::ir::lint_rules(*policy))
//     std::cerr << f.error.render();   // "p.policy(3:1): warning: rule never decides: ..."
//
// The IR's semantics (ir/policy.hpp): a syscall's rules are ORed; when several match, the most
// restrictive action wins, and between two of the same kind the earlier rule's data. So an
// unconditional rule decides every call of its syscall against any rule that is not more
// restrictive than it: those rules can never decide anything.
#pragma once

#include <string>
#include <optional>
#include <vector>

#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::ir {

struct LintFinding {
  std::string kind;  // "shadowed", "duplicate", "contradictory", "redundant", "int-argument"
  Error error;       // a warning (ErrorCode::Lint); notes point at the other rule
};

std::vector<LintFinding> lint_rules(const ValidatedPolicy& policy);

// When `r` names the multiplexer itself (socketcall or ipc, on an arch `a` that has it) and its
// only condition fixes the whole call number as the kernel reads it (`socketcall: u32(call) ==
// 1`, `ipc: (call & 0xffff) == 2`), that number. Such a rule, like an unconditional one naming
// the multiplexer, decides that call there on its own: ValidatedPolicy::build derives no rule from socket
// or IPC rules for it (PolicySpec::multiplexed_calls) and warns when a denying one is dropped.
std::optional<uint32_t> multiplexer_call_decided(const Rule& r, arch::Arch a);

}  // namespace sysfence::ir
