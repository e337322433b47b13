// src/cli/cmd_permissive.cpp — `sysfence run --permissive [--suggest-to FILE] --policy P -- PROG`:
// runs PROG under the tracer with P's denying actions turned into SECCOMP_RET_TRACE, so only
// the calls P would deny stop; each is recorded (decoded, with the rule or default that decides
// it) and then runs. Nothing is enforced. At the end: what would have been denied, and the lines
// to add to P (on stderr, or into FILE with --suggest-to).
#include "permissive.hpp"

#include <iostream>
#include <map>
#include <set>

#include "common.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/learn/learn.hpp"
#include "sysfence/learn/tracer.hpp"
#include "sysfence/report/target.hpp"

namespace sysfence::cli {

int run_permissive(const PolicyInput& in, const std::vector<std::string>& command,
                   const std::string& suggest_to) {
  if (command.empty())
    fail_usage("run: no program given (usage: sysfence run [OPTIONS] -- PROG ARGS...)");
  LoadedPolicy lp = load_policy_or_exit(in, /*default_if_none=*/true);
  const ir::ValidatedPolicy& policy = *lp.parsed.value;
  const bpf::Program prog = take(compiler::compile(policy));
  const bpf::VerifiedProgram original = take(bpf::VerifiedProgram::make(prog), kExitFail);

  struct Seen {
    uint64_t count = 0;
    std::string example;
    std::string decided_by;
    uint32_t ret = 0;
  };
  std::map<std::tuple<arch::Arch, int32_t, std::string>, Seen> denied;
  learn::Observations needed;
  std::set<std::string> kept;
  std::set<std::string> tracer_notes;  // what the tracer changed to follow every process
  uint64_t total = 0;

  learn::TraceOptions to;
  auto filter = learn::trace_denials_filter(prog);
  if (!filter)
    throw Exit{kExitFail, "run --permissive: the policy's program (" + std::to_string(prog.size()) +
                              " instructions) leaves no room for the tracer's " +
                              std::to_string(learn::traced_run_prefix().size()) +
                              " within the kernel's 4096"};
  to.filter = *filter;
  to.on_call = [&](const learn::TracedCall& c) {
    const auto d = bpf::SeccompData::make(c.audit_arch, c.nr, c.args[0], c.args[1], c.args[2],
                                          c.args[3], c.args[4], c.args[5]);
    const uint32_t ret = bpf::emulate(original, d).ret;
    if (c.answer == learn::TracedCall::Answer::ClearedUntraced)
      tracer_notes.insert(
          "clone with CLONE_UNTRACED: the tracer cleared that flag so that the child is followed");
    if (bpf::outcome_of(ret).outcome == bpf::Outcome::Allow) {
      // Only the tracer's own stops (clone3, CLONE_UNTRACED) reach here.
      if (c.answer == learn::TracedCall::Answer::AnsweredEnosys)
        tracer_notes.insert(
            "clone3 is allowed by the policy, but the tracer answered it ENOSYS (its flags are in "
            "memory, where the tracer cannot follow CLONE_UNTRACED); the program fell back to "
            "clone, and what was recorded for clone stands for it");
      return;
    }
    ++total;
    const learn::Verdict v = learn::explain(policy, c.audit_arch, c.nr, c.args);
    const std::string by = learn::describe(v);
    Seen& s = denied[{c.arch, c.nr, by}];
    if (s.count++ == 0) {
      s.example = report::format_call(d, c.tid, true, nullptr, nullptr);
      s.decided_by = by;
      s.ret = ret;
    }
    if (v.source == learn::Verdict::Source::Rule) {
      kept.insert(report::syscall_label(d) + " is refused by " + by +
                  " (your rule: not suggested)");
      return;
    }
    needed.add(c.arch, c.nr, c.args);
  };

  err_stream()
      << "sysfence: PERMISSIVE run (" << lp.label
      << "): NOTHING IS ENFORCED; the calls the policy would deny are recorded and allowed\n";
  auto r = learn::trace_program(command, to);
  if (!r) {
    const int e = r.error().sys_errno;
    throw Exit{e == ENOENT ? 127 : (e == EACCES ? 126 : kExitFail),
               "run --permissive: " + r.error().render()};
  }

  err_stream()
      << "sysfence: permissive run finished (nothing was enforced); the program exited with "
      << r->exit_code << "\n";
  for (const auto& n : tracer_notes) err_stream() << "sysfence: permissive: note: " << n << "\n";
  if (denied.empty()) {
    err_stream() << "sysfence: permissive: " << lp.label
                 << " would have allowed every call of this run\n";
    if (!suggest_to.empty()) write_file(suggest_to, "");
    return r->exit_code;
  }
  err_stream() << "sysfence: permissive: " << lp.label << " would have denied " << total << " call"
               << (total == 1 ? "" : "s") << " (" << denied.size() << " distinct):\n";
  for (const auto& [key, s] : denied) {
    err_stream() << "  " << s.example << (s.count > 1 ? "  (x" + std::to_string(s.count) + ")" : "")
                 << "\n"
                 << "      -> " << bpf::action_name(s.ret) << " by " << s.decided_by << "\n";
  }
  learn::SynthesisOptions so;
  std::string lines = learn::suggest_rules(needed, target_arches(policy), so);
  std::string notes;
  for (const auto& k : kept) notes += "# " + k + "\n";
  if (!suggest_to.empty()) {
    write_file(suggest_to, notes + lines);
    err_stream() << "sysfence: permissive: the lines to add to " << lp.label << " are in "
                 << suggest_to << "\n";
  } else if (!lines.empty() || !notes.empty()) {
    err_stream() << "sysfence: permissive: lines to add to " << lp.label << ":\n" << notes << lines;
  }
  return r->exit_code;
}

}  // namespace sysfence::cli

namespace sysfence::cli {

compiler::FrequencyProfile load_frequency_or_exit(const std::string& path) {
  return take(learn::parse_frequency(read_file(path), path));
}

}  // namespace sysfence::cli
