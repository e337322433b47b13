// Internal to the text frontend: the lowering of parsed rules to IR rules. Names resolve per
// target arch (groups expand, a name absent on an arch is a warning or an error), constants and
// defines per arch, and conditions become disjunctive normal form, one IR rule per conjunction.
//
//   std::vector<ir::Rule> rules = text::lower_rules(d, st, {Arch::X86_64}, MissingSyscall::Warn);
//
// A rule whose IR is the same on every target arch is emitted once; otherwise one rule per
// arch with only_arch. Conflicting unconditional actions for one syscall are an error (two
// rules that name it) or a warning (a group involved).
#pragma once

#include <vector>

#include "frontend/text/ast.hpp"
#include "frontend/text/source.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::frontend::text {

std::vector<ir::Rule> lower_rules(Diag& d, const ParseState& st, std::vector<Arch> targets,
                                  ir::MissingSyscall missing);

}  // namespace sysfence::frontend::text
