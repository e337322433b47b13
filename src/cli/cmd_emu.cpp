// src/cli/cmd_emu.cpp — `sysfence emu [FILE] SYSCALL [ARG...] [--arch A] [--ip N] [--json]`
// and `sysfence emu [FILE] --batch LINES`: what a filter returns for one syscall, and how many
// instructions the kernel runs to get there (the library's emulator, kernel semantics).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>

#include "commands.hpp"
#include "common.hpp"
#include "program_input.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/bpf/emulate.hpp"

namespace sysfence::cli {
namespace {

struct EmuOpts {
  PolicyInput policy;
  std::vector<std::string> raw;    // --raw FILE (several: a stack, in install order)
  std::vector<std::string> words;  // [FILE] SYSCALL ARGS...
  std::string arch;                // --arch for the syscall (the policy option is for compiling)
  std::string ip;                  // --ip
  std::string batch;               // --batch FILE
  bool json = false;
};

// "3", "0x10", "-100", "O_CREAT|O_RDWR", "AT_FDCWD": a syscall argument as the ABI passes it.
uint64_t parse_arg(arch::Arch a, const std::string& text) {
  uint64_t v = 0;
  size_t start = 0;
  bool any = false;
  while (start <= text.size()) {
    size_t end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    if (part.empty()) fail_usage("bad argument \"" + text + "\"");
    if (auto n = parse_number(part)) {
      v |= *n;
    } else if (auto c = arch::constant_value(a, part)) {
      v |= *c;
    } else {
      std::string msg = "bad argument \"" + part + "\": not a number or a constant known on " +
                        std::string(arch::info(a).name);
      std::string near = arch::nearest_constant_name(a, part);
      if (!near.empty()) msg += " (did you mean \"" + near + "\"?)";
      fail_usage(msg);
    }
    any = true;
    start = end + 1;
  }
  if (!any) fail_usage("empty argument");
  return v;
}

struct Query {
  arch::Arch arch;
  std::string syscall;  // as given
  std::vector<std::string> args;
};

nlohmann::json run_query(std::span<const bpf::VerifiedProgram> newest_first, const Query& q,
                         uint64_t ip, std::ostream* text, const std::vector<arch::Arch>* targets) {
  const auto& info = arch::info(q.arch);
  if (q.args.size() > 6) fail_usage(q.syscall + ": at most 6 arguments");
  const int32_t nr = resolve_syscall(q.arch, q.syscall);
  bpf::SeccompData d = bpf::SeccompData::make(info.audit_arch, nr);
  d.instruction_pointer = ip;
  for (size_t i = 0; i < q.args.size(); ++i) d.args[i] = parse_arg(q.arch, q.args[i]);
  const bpf::StackEmulation e = bpf::emulate_stack(newest_first, d);
  const bpf::Decision dec = bpf::outcome_of(e.ret);

  std::string name = q.syscall;
  if (parse_number(q.syscall)) {
    auto n = arch::syscall_name(q.arch, nr);
    name = n ? std::string(*n) : "";
  }
  static const char* const kOutcome[] = {"allow",     "errno",       "trap",
                                         "no-tracer", "kill-thread", "kill-process"};
  nlohmann::json j = {{"arch", info.name},
                      {"syscall", name.empty() ? nlohmann::json(nullptr) : nlohmann::json(name)},
                      {"nr", nr},
                      {"args", std::vector<uint64_t>(d.args, d.args + 6)},
                      {"action", bpf::action_name(e.ret)},
                      {"ret", e.ret},
                      {"outcome", kOutcome[static_cast<int>(dec.outcome)]},
                      {"executed", e.executed}};
  if (newest_first.size() > 1) {
    // Filters numbered in install order, as `compile` writes them.
    j["decided_by"] = e.decided_by ? nlohmann::json(newest_first.size() - *e.decided_by)
                                   : nlohmann::json(nullptr);
  }
  if (text) {
    *text << (name.empty() ? "syscall " + std::to_string(nr) : name) << '(';
    for (size_t i = 0; i < q.args.size(); ++i) *text << (i ? ", " : "") << hex(d.args[i]);
    *text << ") on " << info.name << ": " << bpf::action_name(e.ret) << "  [" << e.executed
          << " instruction" << (e.executed == 1 ? "" : "s");
    if (newest_first.size() > 1) {
      *text << " in " << newest_first.size() << " stacked filters";
      if (e.decided_by) *text << "; decided by filter " << newest_first.size() - *e.decided_by;
    }
    *text << "]";
    if (targets && std::find(targets->begin(), targets->end(), q.arch) == targets->end()) {
      *text << "  (the policy does not target " << info.name << ": its bad-arch action)";
    }
    *text << '\n';
  }
  return j;
}

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream ss(line);
  std::vector<std::string> out;
  std::string w;
  while (ss >> w) out.push_back(w);
  return out;
}

void run_emu(EmuOpts& o) {
  // Words: [FILE] SYSCALL ARGS... The FILE is there unless a policy option or --raw named it.
  std::string file;
  const bool named = o.policy.given() || !o.raw.empty();
  std::vector<std::string> more_raw;
  std::vector<std::string> words = o.words;
  if (!named) {
    if (words.empty()) fail_usage("emu: give a policy or raw filter FILE (or --default)");
    file = words.front();
    words.erase(words.begin());
  }
  if (!o.raw.empty()) {
    file = o.raw.front();
    more_raw.assign(o.raw.begin() + 1, o.raw.end());
  }
  if (o.batch.empty() && words.empty())
    fail_usage("emu: give a SYSCALL (name or number), or --batch FILE");
  if (!o.batch.empty() && !words.empty())
    fail_usage("emu: --batch excludes a SYSCALL on the command line");

  ProgramSource src = load_program_source(file, o.policy, /*default_if_none=*/false,
                                          /*raw=*/!o.raw.empty(), more_raw);
  std::vector<bpf::VerifiedProgram> vp;  // newest first, as the kernel runs them
  size_t instructions = 0;
  for (auto it = src.stack.rbegin(); it != src.stack.rend(); ++it) {
    vp.push_back(take(bpf::VerifiedProgram::make(*it)));
    instructions += it->size();
  }

  arch::Arch a = arch::native_arch();
  if (!o.arch.empty()) {
    a = parse_arch(o.arch);
  } else if (src.policy) {
    auto arches = src.policy->parsed.value->arches();
    bool has_native = arches.empty();
    for (auto x : arches) has_native = has_native || x == a;
    if (!has_native) a = arches.front();
  }
  uint64_t ip = 0;
  if (!o.ip.empty()) {
    auto n = parse_number(o.ip);
    if (!n) fail_usage("bad --ip \"" + o.ip + "\"");
    ip = *n;
  }

  std::ostream* text = o.json ? nullptr : &out_stream();
  std::optional<std::vector<arch::Arch>> targets;
  if (src.policy) targets = target_arches(*src.policy->parsed.value);
  const std::vector<arch::Arch>* tp = targets ? &*targets : nullptr;
  if (o.batch.empty()) {
    Query q{a, words.front(), {words.begin() + 1, words.end()}};
    auto j = run_query(vp, q, ip, text, tp);
    if (o.json) {
      j["program"] = src.label;
      j["instructions"] = instructions;
      j["filters"] = vp.size();
      print_json(j);
    }
    return;
  }

  // Batch: one query per line, "[arch=A] SYSCALL ARGS...", '#' comments, blank lines skipped.
  std::istringstream in(read_file(o.batch));
  std::string line;
  int lineno = 0;
  nlohmann::json results = nlohmann::json::array();
  while (std::getline(in, line)) {
    ++lineno;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    auto w = split_words(line);
    if (w.empty()) continue;
    Query q{a, "", {}};
    if (w.front().rfind("arch=", 0) == 0) {
      q.arch = parse_arch(w.front().substr(5));
      w.erase(w.begin());
      if (w.empty()) fail_usage(o.batch + ":" + std::to_string(lineno) + ": no syscall");
    }
    q.syscall = w.front();
    q.args.assign(w.begin() + 1, w.end());
    try {
      auto j = run_query(vp, q, ip, text, tp);
      j["line"] = lineno;
      results.push_back(std::move(j));
    } catch (const Exit& e) {
      throw Exit{e.code, o.batch + ":" + std::to_string(lineno) + ": " + e.message, e.rendered};
    }
  }
  if (o.json) {
    print_json({{"program", src.label},
                {"instructions", instructions},
                {"filters", vp.size()},
                {"results", results}});
  }
}

}  // namespace

Command add_emu(CLI::App& app) {
  auto o = std::make_shared<EmuOpts>();
  auto* sub = app.add_subcommand(
      "emu", "What a filter returns for a syscall, and the instructions it runs");
  sub->footer(
      "FILE is a policy (text; OCI when *.json) or a raw BPF filter (--raw FILE, or any file\n"
      "with NUL bytes). Arguments are numbers (decimal, 0x hex, 0 octal, negative) or named\n"
      "constants of the arch, ORed with |: `sysfence emu app.policy openat AT_FDCWD 0 O_CREAT`.\n"
      "Batch lines: `[arch=A] SYSCALL ARG...`; # starts a comment.\n"
      "A policy past 4096 instructions compiles to stacked filters; emu runs the stack with the\n"
      "kernel's precedence (most restrictive action wins), as do several --raw files.\n"
      "Exit codes: 0 emulated (whatever the action); 2 bad input.");
  add_policy_options(sub, o->policy, /*positional=*/false, /*with_arch=*/false);
  sub->add_option("--raw", o->raw,
                  "a raw BPF filter file (repeat it for a stack, in install order)");
  sub->add_option("words", o->words, "[FILE] SYSCALL [ARG...]");
  sub->add_option("-a,--arch", o->arch,
                  "arch the syscall comes from (default: native, or the policy's first arch)");
  sub->add_option("--ip", o->ip, "instruction_pointer to put in seccomp_data");
  sub->add_option("--batch", o->batch, "file of queries, one per line");
  sub->add_flag("--json", o->json, "JSON output");
  return {sub, [o] {
            run_emu(*o);
            return kExitOk;
          }};
}

}  // namespace sysfence::cli
