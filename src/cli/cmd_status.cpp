// src/cli/cmd_status.cpp — `sysfence status [PID|self] [--tid TID] [--json]`: a process's seccomp
// state from /proc/PID/status (mode, number of filters, no_new_privs).
#include <iostream>

#include "commands.hpp"
#include "common.hpp"
#include "sysfence/loader/status.hpp"

namespace sysfence::cli {
namespace {

struct StatusOpts {
  std::string pid = "self";
  int tid = 0;
  bool json = false;
};

void run_status(const StatusOpts& o) {
  pid_t pid = 0;
  if (o.pid != "self") {
    auto n = parse_number(o.pid);
    if (!n || *n == 0 || *n > 0x7fffffff) fail_usage("not a process id: \"" + o.pid + "\"");
    pid = static_cast<pid_t>(*n);
  }
  auto st = loader::read_status(pid, o.tid);
  if (!st) throw Exit{kExitFail, st.error().render(), true};

  const char* mode = loader::mode_name(st->mode);
  if (o.json) {
    nlohmann::json j = {{"pid", pid == 0 ? nlohmann::json("self") : nlohmann::json(pid)},
                        {"mode", mode},
                        {"seccomp", static_cast<int>(st->mode)}};
    if (o.tid) j["tid"] = o.tid;
    j["filters"] = st->filters ? nlohmann::json(*st->filters) : nlohmann::json(nullptr);
    j["no_new_privs"] =
        st->no_new_privs ? nlohmann::json(*st->no_new_privs) : nlohmann::json(nullptr);
    if (st->dumpable) j["dumpable"] = *st->dumpable;
    print_json(j);
    return;
  }
  out_stream() << "pid:          " << (pid == 0 ? std::string("self") : std::to_string(pid));
  if (o.tid) out_stream() << " (thread " << o.tid << ")";
  out_stream() << "\nseccomp:      " << mode << " (" << static_cast<int>(st->mode) << ")\n";
  out_stream() << "filters:      " << (st->filters ? std::to_string(*st->filters) : "unknown")
               << '\n';
  out_stream() << "no_new_privs: "
               << (st->no_new_privs ? (*st->no_new_privs ? "yes" : "no") : "unknown") << '\n';
  if (st->dumpable) out_stream() << "dumpable:     " << (*st->dumpable ? "yes" : "no") << '\n';
}

}  // namespace

Command add_status(CLI::App& app) {
  auto o = std::make_shared<StatusOpts>();
  auto* sub =
      app.add_subcommand("status", "A process's seccomp mode, filter count and no_new_privs");
  sub->footer(
      "Reads /proc/PID/status (Seccomp, Seccomp_filters, NoNewPrivs): a snapshot.\n"
      "Exit codes: 0 shown; 1 no such process or no permission; 2 bad arguments.");
  sub->add_option("pid", o->pid, "process id, or \"self\" (default)");
  sub->add_option("--tid", o->tid, "a thread of the process (/proc/PID/task/TID/status)");
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] {
            run_status(*o);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
