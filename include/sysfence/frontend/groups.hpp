// sysfence/frontend/groups.hpp — sysfence's curated syscall groups (@basic-io, @network, ...).
//
//   for (const auto& g : sysfence::frontend::syscall_groups())
//     std::cout << g.name << "  " << g.description << '\n';       // `sysfence groups`
//   const auto* g = sysfence::frontend::find_group("@network");     // with or without '@'
//   for (auto name : g->syscalls) ...
//   auto names = sysfence::frontend::expand_group("@default-allow", arch::Arch::X86_64);
//
// A group lists syscall names across every arch sysfence knows; a member absent on an arch is
// simply not part of the group there (expand_group filters by arch). Groups may include other
// groups ("@basic-io" inside "@default-allow"); members are listed once, sorted.
//
// Known weaknesses: the grouping is a judgement call (`ioctl` has a group of its own, @ioctl,
// since it can do almost anything); groups are fixed at build time, not extensible from a policy.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"

namespace sysfence::frontend {

struct SyscallGroup {
  std::string_view name;                   // "@network"
  std::string_view description;            // one line
  std::vector<std::string_view> syscalls;  // sorted, unique, nested groups expanded
};

std::span<const SyscallGroup> syscall_groups();
const SyscallGroup* find_group(std::string_view name);  // "@network" or "network"
// Members of a group that exist on `a`, sorted. Empty when the group is unknown.
std::vector<std::string_view> expand_group(std::string_view name, arch::Arch a);
// Closest group name for "did you mean"; empty when none is close.
std::string nearest_group_name(std::string_view name);

}  // namespace sysfence::frontend
