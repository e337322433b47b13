// src/cli/cmd_resolve.cpp — `sysfence resolve NAME|NUMBER [--arch A | --all-arches] [--json]`:
// a syscall's number on each arch, or the name behind a number.
#include <iostream>

#include "commands.hpp"
#include "common.hpp"

namespace sysfence::cli {
namespace {

struct ResolveOpts {
  std::string what;
  std::vector<std::string> arches;
  bool all = false;
  bool json = false;
};

// The name of `nr` on `a`. On x32 a number given without bit 30 is tried with it too.
std::optional<std::pair<int32_t, std::string_view>> lookup_number(arch::Arch a, uint32_t nr) {
  if (auto n = arch::syscall_name(a, static_cast<int32_t>(nr)))
    return {{static_cast<int32_t>(nr), *n}};
  const uint32_t bit = arch::info(a).nr_bit;
  if (bit && !(nr & bit)) {
    if (auto n = arch::syscall_name(a, static_cast<int32_t>(nr | bit)))
      return {{static_cast<int32_t>(nr | bit), *n}};
  }
  return std::nullopt;
}

int run_resolve(const ResolveOpts& o) {
  std::vector<arch::Arch> arches;
  if (o.all) {
    for (const auto& i : arch::all_arches()) arches.push_back(i.arch);
  } else if (!o.arches.empty()) {
    arches = parse_arches(o.arches);
  } else {
    arches.push_back(arch::native_arch());
  }

  const auto number = parse_number(o.what);
  nlohmann::json results = nlohmann::json::array();
  bool found_any = false;
  for (arch::Arch a : arches) {
    const auto& info = arch::info(a);
    nlohmann::json r = {{"arch", info.name}};
    if (number) {
      auto hit = lookup_number(a, static_cast<uint32_t>(*number));
      r["number"] = static_cast<int64_t>(static_cast<int32_t>(static_cast<uint32_t>(*number)));
      if (hit) {
        r["number"] = hit->first;
        r["name"] = hit->second;
        found_any = true;
      } else {
        r["name"] = nullptr;
      }
    } else {
      r["name"] = o.what;
      auto nr = arch::syscall_number(a, o.what);
      if (nr) {
        r["number"] = *nr;
        found_any = true;
      } else {
        r["number"] = nullptr;
      }
    }
    results.push_back(std::move(r));
  }

  if (!number && !found_any) {
    // Known nowhere among the requested arches: is it a name at all?
    bool known = false;
    for (auto n : arch::all_syscall_names()) known = known || n == o.what;
    if (!known) {
      std::string msg = "unknown syscall \"" + o.what + "\"";
      std::string near = arch::nearest_syscall_name(o.what);
      if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
      fail_usage(msg);
    }
  }

  if (o.json) {
    print_json({{"query", o.what}, {"results", results}});
  } else {
    for (const auto& r : results) {
      std::string arch_name = r["arch"];
      if (number) {
        const int64_t n = r["number"].get<int64_t>();
        out_stream() << arch_name << ": " << n;
        if (arch_name == "x32") out_stream() << " (" << hex(static_cast<uint32_t>(n)) << ")";
        if (r["name"].is_null()) {
          out_stream() << " is not a syscall\n";
        } else {
          out_stream() << " = " << r["name"].get<std::string>() << '\n';
        }
      } else {
        out_stream() << arch_name << ": " << o.what;
        if (r["number"].is_null()) {
          out_stream() << " is absent\n";
        } else {
          const int64_t n = r["number"].get<int64_t>();
          out_stream() << " = " << n;
          if (arch_name == "x32") out_stream() << " (" << hex(static_cast<uint64_t>(n)) << ")";
          out_stream() << '\n';
        }
      }
    }
  }
  return found_any ? kExitOk : kExitFail;
}

}  // namespace

Command add_resolve(CLI::App& app) {
  auto o = std::make_shared<ResolveOpts>();
  auto* sub = app.add_subcommand("resolve", "A syscall's number per arch, or the name of a number");
  sub->footer(
      "x32 numbers include bit 30 (0x40000000), as the kernel shows them to a filter; a number\n"
      "given for x32 without it is looked up with it too.\n"
      "Exit codes: 0 found; 1 absent on every arch asked for; 2 unknown name or bad usage.");
  sub->add_option("syscall", o->what, "syscall name, or number (decimal or 0x hex)")->required();
  auto* arch_opt = sub->add_option("-a,--arch", o->arches, "arch (repeatable; default: native)");
  sub->add_flag("--all-arches", o->all, "every arch sysfence knows")->excludes(arch_opt);
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] { return run_resolve(*o); }};
}

}  // namespace sysfence::cli
