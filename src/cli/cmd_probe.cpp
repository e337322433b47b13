// src/cli/cmd_probe.cpp — `sysfence probe [--json]`: what this kernel's seccomp supports.
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/loader/loader.hpp"

namespace sysfence::cli {
namespace {

void run_probe(bool json) {
  auto k = loader::probe();
  if (!k) throw Exit{kExitFail, k.error().render(), true};
  if (!json) {
    out_stream() << k->describe();
    if (!k->describe().empty() && k->describe().back() != '\n') out_stream() << '\n';
    return;
  }
  nlohmann::json actions = nlohmann::json::object();
  for (const auto& a : loader::known_actions())
    actions[std::string(a.name)] = k->action_available(a.ret);
  nlohmann::json flags = nlohmann::json::object();
  for (uint32_t bit = 1; bit & loader::kAllFlags; bit <<= 1)
    flags[loader::flag_name(bit)] = k->flag_supported(bit);
  nlohmann::json j = {{"seccomp_syscall", k->seccomp_syscall},
                      {"filter_mode", k->filter_mode},
                      {"get_action_avail", k->get_action_avail},
                      {"actions", actions},
                      {"flags", flags},
                      {"actions_avail_file", k->actions_avail_file}};
  if (k->notif_sizes) {
    j["notif_sizes"] = {{"seccomp_notif", k->notif_sizes->notif},
                        {"seccomp_notif_resp", k->notif_sizes->notif_resp},
                        {"seccomp_data", k->notif_sizes->data}};
  } else {
    j["notif_sizes"] = nullptr;
  }
  print_json(j);
}

}  // namespace

Command add_probe(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  auto* sub = app.add_subcommand("probe", "What this kernel's seccomp supports: actions and flags");
  sub->footer(
      "Uses SECCOMP_GET_ACTION_AVAIL, /proc/sys/kernel/seccomp/actions_avail, flag probes\n"
      "(nothing is installed) and SECCOMP_GET_NOTIF_SIZES.\n"
      "Exit codes: 0 shown; 1 seccomp unusable.");
  sub->add_flag("--json", *json, "JSON output");
  return {sub, [json] {
            run_probe(*json);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
