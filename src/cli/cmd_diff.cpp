// src/cli/cmd_diff.cpp — `sysfence diff A B [--json]`: decide exactly where two filters decide
// differently (sysfence/diff/diff.hpp) and print each difference in the policy language. A side
// is a text policy, an OCI/Docker profile (*.json), a raw BPF file, `@default` (the embedded
// default policy) or a live process (`pid:N`, or `--pid N`, whose filter stack is read).
#include <algorithm>
#include <cstring>
#include <iostream>
#include <map>

#include "commands.hpp"
#include "common.hpp"
#include "program_input.hpp"
#include "sysfence/diff/diff.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/loader/process_filters.hpp"

namespace sysfence::cli {
namespace {

struct DiffOpts {
  std::vector<std::string> sides;
  std::vector<int> pids;
  std::vector<std::string> arches;
  std::vector<std::string> caps;
  std::string kernel;
  bool json = false;
  // --max-steps: the library's limit is 500M steps (minutes); a command answers in seconds
  // (about 2.5M steps a second on a loaded 2-core machine) or says why it cannot.
  uint64_t max_steps = 50'000'000;
};

struct Side {
  std::string label;
  std::vector<diff::FilterGraph> stack;  // newest first
};

Side load_side(const std::string& spec, const DiffOpts& o) {
  Side s;
  if (spec.rfind("pid:", 0) == 0) {
    auto n = parse_number(spec.substr(4));
    if (!n || *n == 0 || *n > 0x7fffffff)
      fail_usage("diff: `" + spec + "` is not a process id (pid:N)");
    auto filters = loader::read_process_filters(static_cast<pid_t>(*n));
    if (!filters) throw Exit{kExitFail, "sysfence: diff: " + filters.error().render(), true};
    if (filters->empty()) fail("diff: process " + spec.substr(4) + " has no seccomp filter");
    for (const auto& p : *filters) s.stack.push_back(take(diff::FilterGraph::from_program(p)));
    s.label = "process " + spec.substr(4) + " (" + std::to_string(filters->size()) + " filter" +
              (filters->size() == 1 ? "" : "s") + ")";
    return s;
  }
  PolicyInput in;
  in.arches = o.arches;
  in.caps = o.caps;
  in.kernel = o.kernel;
  std::string file = spec;
  if (spec == "@default") {
    in.use_default = true;
    file.clear();
  }
  ProgramSource src = load_program_source(file, in, false);
  // Newest first, as the process's filters above (a policy past 4096 instructions is a stack,
  // in install order in src.stack).
  for (auto it = src.stack.rbegin(); it != src.stack.rend(); ++it)
    s.stack.push_back(take(diff::FilterGraph::from_program(*it)));
  s.label = src.label;
  return s;
}

std::string action_text(uint32_t ret) {
  if (auto a = ir::Action::from_ret(ret)) return frontend::action_to_text(*a);
  return "ret " + hex(ret) + " (" + bpf::action_name(ret) + ")";
}

std::string number_range(const diff::RegionSyscalls& rs) {
  return "numbers " + std::to_string(rs.other_lo) + ".." + std::to_string(rs.other_hi) +
         " that the " + std::string(arch::info(rs.arch).name) + " table does not name";
}

// One printed difference: one line per side, grouping syscalls with the same condition.
struct Entry {
  std::string arch;
  std::vector<std::string> names;
  std::string numbers;    // unnamed numbers, when that is what differs
  std::string condition;  // policy-language condition, "" when none
  uint32_t ret_a = 0, ret_b = 0;
  bpf::SeccompData example;
  const diff::Region* region = nullptr;
  arch::Arch abi = arch::Arch::X86_64;
};

int run_diff(DiffOpts& o) {
  std::vector<std::string> specs;
  for (int p : o.pids) specs.push_back("pid:" + std::to_string(p));
  for (auto& s : o.sides) specs.push_back(s);
  if (specs.size() != 2)
    fail_usage("diff: give exactly two sides (FILE, @default, pid:N or --pid N); got " +
               std::to_string(specs.size()));
  const Side a = load_side(specs[0], o), b = load_side(specs[1], o);
  diff::Limits limits;
  limits.max_steps = o.max_steps;
  const auto r = diff::compare(a.stack, b.stack, limits);
  if (!r) {
    // Name the side's input: "A, filter 1 ..." -> "A (app.bpf), filter 1 ...".
    std::string msg = r.error().render();
    for (const Side* s : {&a, &b}) {
      const std::string tag = std::string(s == &a ? "A" : "B") + ", filter ";
      if (msg.rfind(tag, 0) == 0) msg = tag.substr(0, 1) + " (" + s->label + ")" + msg.substr(1);
    }
    throw Exit{kExitUsage, "sysfence: diff: " + msg, true};
  }

  std::vector<Entry> entries;
  std::map<std::tuple<std::string, std::string, std::string, uint32_t, uint32_t>, size_t> index;
  for (const diff::Difference& d : r->differences) {
    for (const diff::RegionSyscalls& rs : diff::syscalls_in(d.region)) {
      const std::string an(arch::info(rs.arch).name);
      const std::string generic = diff::describe_args(d.region, rs.arch);
      for (int32_t nr : rs.numbers) {
        const std::string name(*arch::syscall_name(rs.arch, nr));
        auto key = std::make_tuple(an, std::string(), generic, d.ret_a, d.ret_b);
        auto it = index.find(key);
        if (it == index.end()) {
          index[key] = entries.size();
          Entry e{an, {name}, "", generic, d.ret_a, d.ret_b, d.example, &d.region, rs.arch};
          e.example.nr = nr;
          entries.push_back(std::move(e));
        } else {
          entries[it->second].names.push_back(name);
        }
      }
      if (rs.other_numbers)
        entries.push_back(
            {an, {}, number_range(rs), generic, d.ret_a, d.ret_b, d.example, &d.region, rs.arch});
    }
    if (diff::other_arches_in(d.region))
      entries.push_back({"other ABIs",
                         {},
                         "any syscall",
                         diff::describe_args(d.region, arch::native_arch()),
                         d.ret_a,
                         d.ret_b,
                         d.example,
                         &d.region,
                         arch::native_arch()});
  }
  // Argument names where one syscall stands alone.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& x, const Entry& y) { return x.arch < y.arch; });
  for (Entry& e : entries)  // by number, as the syscall tables list them
    std::sort(e.names.begin(), e.names.end(), [&](const std::string& x, const std::string& y) {
      return arch::syscall_number(e.abi, x).value_or(0) <
             arch::syscall_number(e.abi, y).value_or(0);
    });
  for (Entry& e : entries)
    if (e.names.size() == 1) e.condition = diff::describe_args(*e.region, e.abi, e.names[0]);

  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Entry& e : entries) {
      nlohmann::json args = nlohmann::json::array();
      for (uint64_t v : e.example.args) args.push_back(v);
      nlohmann::json j = {
          {"arch", e.arch},
          {"syscalls", e.names},
          {"condition", e.condition},
          {"a", {{"action", action_text(e.ret_a)}, {"ret", e.ret_a}}},
          {"b", {{"action", action_text(e.ret_b)}, {"ret", e.ret_b}}},
          {"example", {{"arch", e.example.arch}, {"nr", e.example.nr}, {"args", args}}}};
      if (!e.numbers.empty()) j["numbers"] = e.numbers;
      list.push_back(j);
    }
    print_json({{"a", a.label},
                {"b", b.label},
                {"equivalent", r->differences.empty()},
                {"regions", r->differences.size()},
                {"paths_a", r->paths_a},
                {"path_pairs", r->pairs},
                {"steps", r->steps},
                {"differences", list}});
  } else {
    out_stream() << "--- A: " << a.label << "\n+++ B: " << b.label << "\n";
    if (entries.empty())
      out_stream() << "equivalent: the two decide the same on every input (" << r->pairs
                   << " path pairs)\n";
    std::string arch_now;
    for (const Entry& e : entries) {
      if (e.arch != arch_now) {
        out_stream() << "arch " << e.arch << ":\n";
        arch_now = e.arch;
      }
      std::string head;
      if (!e.numbers.empty()) {
        head = "<" + e.numbers + ">";
      } else {
        for (size_t i = 0; i < e.names.size(); ++i) head += (i ? ", " : "") + e.names[i];
      }
      const std::string cond = e.condition.empty() ? "" : e.condition + " -> ";
      out_stream() << "- " << head << ": " << cond << action_text(e.ret_a) << "\n"
                   << "+ " << head << ": " << cond << action_text(e.ret_b) << "\n";
    }
    if (!entries.empty())
      out_stream() << entries.size() << " difference" << (entries.size() == 1 ? "" : "s") << " ("
                   << r->differences.size() << " region" << (r->differences.size() == 1 ? "" : "s")
                   << " of the input space)\n";
  }
  return r->differences.empty() ? kExitOk : kExitFail;
}

}  // namespace

Command add_diff(CLI::App& app) {
  auto o = std::make_shared<DiffOpts>();
  auto* sub = app.add_subcommand("diff", "Decide exactly where two filters decide differently");
  sub->footer(
      "A side is a text policy, an OCI/Docker profile (*.json), a raw BPF file, @default, or a\n"
      "live process (pid:N or --pid N: its whole filter stack). The answer is exact, not sampled:\n"
      "every path of A is intersected with every path of B. Each difference is printed as the\n"
      "syscalls, the argument condition and the action of A (-) and of B (+), per arch.\n"
      "Exit codes: 0 equivalent; 1 different; 2 bad input or a filter diff cannot model.");
  sub->add_option("sides", o->sides, "A and B");
  sub->add_option("--pid", o->pids,
                  "a side is this live process's filter stack (may be given twice)");
  sub->add_option("--arch", o->arches, "target arches for policies without an `arch` line");
  sub->add_option("--cap", o->caps, "capabilities for OCI includes/excludes (default: the host's)");
  sub->add_option("--kernel", o->kernel, "kernel version for OCI minKernel (default: uname)");
  sub->add_option("--max-steps", o->max_steps,
                  "give up (exit 2, an error) after this many symbolic steps (default 50000000)");
  sub->add_flag("--json", o->json, "print the differences as JSON");
  return {sub, [o] { return run_diff(*o); }};
}

}  // namespace sysfence::cli
