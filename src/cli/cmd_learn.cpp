// src/cli/cmd_learn.cpp — `sysfence learn [-o FILE] [--freq FILE] [--merge FILE] [--coarse]
// -- PROG ARGS...`: run a program under the tracer (sysfence/learn/tracer.hpp) and write the
// policy that lets exactly that run work (sysfence/learn/learn.hpp). Exits with the program's
// status. Thin glue: the tracing and the synthesis are library code.
#include <iostream>
#include <set>

#include "commands.hpp"
#include "common.hpp"
#include "policy_input.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/learn/learn.hpp"
#include "sysfence/learn/tracer.hpp"

namespace sysfence::cli {
namespace {

struct LearnOpts {
  std::string output;  // "" : stdout (or the --merge file itself)
  std::string freq;
  std::string merge;
  bool coarse = false;
  std::vector<std::string> command;
};

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) {
    const bool plain =
        !a.empty() && a.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#") == std::string::npos;
    s += (s.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return s;
}

int run_learn(LearnOpts& o) {
  if (o.command.empty())
    fail_usage("learn: no program given (usage: sysfence learn [OPTIONS] -- PROG ARGS...)");

  // --merge: the user's policy, read and compiled before anything runs (bad input: exit 2).
  std::optional<frontend::Parsed<ir::ValidatedPolicy>> existing;
  std::optional<bpf::VerifiedProgram> existing_prog;
  std::optional<bpf::Program>
      unallowed_filter;  // --merge without --freq: stop only where not allowed
  std::string existing_text;
  if (!o.merge.empty()) {
    existing_text = read_file(o.merge);
    frontend::ParseOptions po;
    existing.emplace(frontend::load_policy_text(existing_text, o.merge, po));
    err_stream() << existing->render();
    if (!existing->ok()) throw Exit{kExitUsage, "", true};
    const bpf::Program prog = take(compiler::compile(*existing->value));
    existing_prog.emplace(take(bpf::VerifiedProgram::make(prog), kExitFail));
    // Counting every call (--freq) needs every call to stop; otherwise the calls the policy
    // already allows need not.
    if (o.freq.empty()) unallowed_filter = learn::trace_unallowed_filter(prog);
  }

  learn::Observations seen, needed;
  std::set<std::string> notes_seen;
  std::vector<std::string> notes;
  learn::TraceOptions to;
  if (unallowed_filter) to.filter = *unallowed_filter;
  to.on_call = [&](const learn::TracedCall& c) {
    seen.add(c.arch, c.nr, c.args);
    if (!existing_prog) return;
    const auto d = bpf::SeccompData::make(c.audit_arch, c.nr, c.args[0], c.args[1], c.args[2],
                                          c.args[3], c.args[4], c.args[5]);
    const auto out = bpf::outcome_of(bpf::emulate(*existing_prog, d).ret).outcome;
    if (out == bpf::Outcome::Allow) return;
    const learn::Verdict v = learn::explain(*existing->value, c.audit_arch, c.nr, c.args);
    if (v.source == learn::Verdict::Source::Rule) {
      // The user's own rule refuses it: keep that decision, say so.
      auto nm = arch::syscall_name(c.arch, c.nr);
      std::string note = (nm ? std::string(*nm) : "syscall " + std::to_string(c.nr)) +
                         " was refused by " + learn::describe(v) +
                         ": kept (remove that rule to allow it)";
      if (notes_seen.insert(note).second) notes.push_back(note);
      return;
    }
    needed.add(c.arch, c.nr, c.args);
  };
  auto r = learn::trace_program(o.command, to);
  if (!r) {
    const int e = r.error().sys_errno;
    throw Exit{e == ENOENT ? 127 : (e == EACCES ? 126 : kExitFail), "learn: " + r.error().render(),
               false};
  }
  seen.processes = r->processes;
  needed.processes = r->processes;

  learn::SynthesisOptions so;
  so.command = joined(o.command);
  so.coarse = o.coarse;
  std::string text;
  if (existing) {
    text = learn::merge_policy(existing_text, needed, target_arches(*existing->value), notes, so);
    for (const auto& n : notes) err_stream() << "sysfence: learn: " << n << '\n';
  } else {
    text = learn::synthesize_policy(seen, so);
  }
  const std::string out = !o.output.empty() ? o.output : (!o.merge.empty() ? o.merge : "-");
  write_file(out, text);
  if (!o.freq.empty()) write_file(o.freq, learn::format_frequency(seen));
  err_stream() << "sysfence: learn: " << seen.total() << " syscalls (" << seen.calls.size()
               << " distinct)" << (unallowed_filter ? " not allowed by " + o.merge : std::string())
               << " in " << r->processes
               << (r->processes == 1 ? " process" : " processes and threads");
  if (existing) err_stream() << "; " << needed.calls.size() << " newly needed";
  if (out != "-") err_stream() << " -> " << out;
  err_stream() << "; the program exited with " << r->exit_code << '\n';
  if (r->unknown_arch_calls)
    err_stream()
        << "sysfence: learn: warning: " << r->unknown_arch_calls
        << " calls came from an ABI sysfence has no table for; they are not in the policy\n";
  return r->exit_code;
}

}  // namespace

Command add_learn(CLI::App& app, const ProgramArgs& program) {
  auto o = std::make_shared<LearnOpts>();
  auto* sub =
      app.add_subcommand("learn", "Run a program under a tracer and write the policy it needs");
  sub->footer(
      "Follows every process, thread and exec of PROG. The policy allows what the run did\n"
      "(argument rules for clone flags, socket, ioctl, prctl, fcntl, personality, PROT_EXEC,\n"
      "setsockopt and signals), denies the rest with EPERM, and closes the i386/x32 doors\n"
      "unless the program used them. --merge adds what this run needs to an existing policy,\n"
      "keeping its lines and comments (written back to it unless -o is given).\n"
      "docs/learn.md describes the workflow. Exit codes: the program's own status (128+N when\n"
      "killed by signal N); 126/127 when it cannot be executed/found; 1 when tracing failed;\n"
      "2 for bad usage or a bad --merge policy.");
  sub->add_option("command", o->command, "PROG [ARGS...] (after --)");
  sub->add_option("-o,--output", o->output,
                  "write the policy here (default: stdout, or the --merge file)");
  sub->add_option("--freq", o->freq,
                  "also write how often each syscall ran (for compile/run --freq)");
  sub->add_option("--merge", o->merge, "add this run's needs to an existing policy");
  sub->add_flag("--coarse", o->coarse, "name an @group when any member was used");
  return {sub, [o, &program] {
            for (const std::string& a : program.argv) o->command.push_back(a);
            return run_learn(*o);
          }};
}

}  // namespace sysfence::cli
