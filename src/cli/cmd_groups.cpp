// src/cli/cmd_groups.cpp — `sysfence groups [NAME] [--arch A] [--json]`: the curated syscall
// groups a policy can name (@network, @file-system, ...), or the members of one.
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/frontend/groups.hpp"

namespace sysfence::cli {
namespace {

struct GroupsOpts {
  std::string name;
  std::string arch;
  bool json = false;
};

void run_groups(const GroupsOpts& o) {
  if (o.name.empty()) {
    nlohmann::json list = nlohmann::json::array();
    size_t width = 0;
    for (const auto& g : frontend::syscall_groups()) width = std::max(width, g.name.size());
    for (const auto& g : frontend::syscall_groups()) {
      if (o.json) {
        list.push_back(
            {{"name", g.name}, {"description", g.description}, {"count", g.syscalls.size()}});
      } else {
        out_stream() << g.name << std::string(width + 2 - g.name.size(), ' ') << g.description
                     << " (" << g.syscalls.size() << ")\n";
      }
    }
    if (o.json) print_json({{"groups", list}});
    return;
  }

  const frontend::SyscallGroup* g = frontend::find_group(o.name);
  if (!g) {
    std::string msg = "unknown group \"" + o.name + "\"";
    std::string near = frontend::nearest_group_name(o.name);
    if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
    fail_usage(msg + "; `sysfence groups` lists them");
  }
  std::vector<std::string_view> members;
  if (!o.arch.empty()) {
    members = frontend::expand_group(g->name, parse_arch(o.arch));
  } else {
    members = g->syscalls;
  }
  if (o.json) {
    nlohmann::json j = {{"name", g->name}, {"description", g->description}, {"syscalls", members}};
    if (!o.arch.empty()) j["arch"] = arch::info(parse_arch(o.arch)).name;
    print_json(j);
    return;
  }
  out_stream() << g->name << ": " << g->description << '\n';
  for (auto m : members) out_stream() << "  " << m << '\n';
}

}  // namespace

Command add_groups(CLI::App& app) {
  auto o = std::make_shared<GroupsOpts>();
  auto* sub = app.add_subcommand("groups", "List the syscall groups, or the members of one");
  sub->footer("Exit codes: 0 shown; 2 unknown group.");
  sub->add_option("name", o->name, "a group (\"@network\" or \"network\")");
  sub->add_option("-a,--arch", o->arch, "only the members that exist on this arch");
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] {
            run_groups(*o);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
