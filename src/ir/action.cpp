// sysfence/ir — Action: the eight seccomp return actions and their data.
#include <string>

#include "sysfence/bpf/actions.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::ir {

uint32_t Action::to_ret() const { return bpf::action_info(kind).ret | data; }

Action Action::from_ret_or(uint32_t ret, Action unknown) {
  const bpf::ActionInfo* a = bpf::action_info_for_ret(ret);
  return a ? Action{a->kind, bpf::data_of(ret)} : unknown;
}

std::optional<Action> Action::from_ret(uint32_t ret) {
  const bpf::ActionInfo* a = bpf::action_info_for_ret(ret);
  if (a == nullptr) return std::nullopt;
  return Action{a->kind, bpf::data_of(ret)};
}

std::string Action::to_string() const { return bpf::action_name(to_ret()); }

bool Action::more_restrictive_than(const Action& other) const {
  return bpf::more_restrictive(to_ret(), other.to_ret());
}

}  // namespace sysfence::ir
