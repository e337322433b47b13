// src/cli/cmd_run.cpp — `sysfence run [POLICY OPTIONS] [SANDBOX OPTIONS] [--dumpable] [--tsync]
// [--log] [--report] [--json] -- PROG ARGS...`: runs a program under a seccomp filter and the
// sandbox layers. A thin parser: the confined spawn is sandbox::spawn (sysfence/sandbox), the
// supervisor of --report is report::Supervisor.
//
// Order of events (each step fails closed: the program never runs without the filter):
//  parent: load and compile the policy (bad input: exit 2 before anything runs), the sandbox
//          plan, find PROG on PATH (not found: 127, not executable: 126, as env(1)), then
//          sandbox::spawn: the child carries out the layers, NO_NEW_PRIVS, PR_SET_DUMPABLE 0
//          (unless --dumpable), the filter as the very last step, then execve.
//  parent: waits (or, with --report, takes the listener and serves it) and exits with the
//          child's status (128+signal when it was killed); --json adds what was in force.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <ctime>
#include <iostream>
#include <span>

#include "commands.hpp"
#include "common.hpp"
#include "permissive.hpp"
#include "policy_input.hpp"
#include "precompiled/default_program.hpp"
#include "run_hint.hpp"
#include "sandbox_options.hpp"
#include "sysfence/report/supervisor.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/loader/loader.hpp"

extern char** environ;

namespace sysfence::cli {
namespace {

struct RunOpts {
  PolicyInput policy;
  bool dumpable = false;
  bool tsync = false;
  bool log = false;
  bool report = false;
  bool permissive =
      false;  // --permissive: trace, record what the policy would deny, enforce nothing
  std::string suggest_to;  // --suggest-to FILE (with --permissive)
  std::string freq;        // --freq FILE: weight the dispatch tree by a `learn --freq` profile
  bool quiet = false;      // no note or hint lines of the runner's own (errors are still printed)
  bool json = false;       // --json: what was in force and the exit status, as JSON on stderr
  std::string json_file;   // --json-file FILE: the same JSON into FILE instead
  SandboxOptions sandbox;
  std::vector<std::string> command;
};

// Exit statuses of the runner itself when the program could not be started (as env(1)).
constexpr int kExitCannotExec = 126;
constexpr int kExitNotFound = 127;

// Finds PROG like execvp would; "" when not found. *why gets the reason for 126 vs 127.
std::string find_program(const std::string& prog, int* err) {
  auto usable = [&](const std::string& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      *err = errno;
      return false;
    }
    if (S_ISDIR(st.st_mode)) {
      *err = EACCES;
      return false;
    }
    if (::access(p.c_str(), X_OK) != 0) {
      *err = errno;
      return false;
    }
    return true;
  };
  *err = ENOENT;
  if (prog.find('/') != std::string::npos) return usable(prog) ? prog : "";
  const char* env = std::getenv("PATH");
  std::string path = env && *env ? env : "/usr/local/bin:/usr/bin:/bin";
  int first_err = ENOENT;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string cand = dir + "/" + prog;
    if (usable(cand)) return cand;
    if (*err != ENOENT && first_err == ENOENT) first_err = *err;
    start = end + 1;
  }
  *err = first_err;
  return "";
}

// The runner's own needs under the filter: execve to start the program, exit_group to end it
// (or the child after a failed execve). A policy that denies either would end in a crash with
// no message (glibc's _exit falls through to a fault when exit_group fails): refuse it first.
// With stacked filters every one of them must allow.
void check_runner_needs(const std::vector<bpf::Program>& stack) {
  const arch::Arch a = arch::native_arch();
  const auto& info = arch::info(a);
  std::vector<bpf::VerifiedProgram> verified;
  verified.reserve(stack.size());
  for (const auto& p : stack) verified.push_back(take(bpf::VerifiedProgram::make(p), kExitFail));
  std::string denied;
  // The native numbers (<sys/syscall.h>): no name index to build for two names.
  for (const auto& [name, number] :
       {std::pair{"execve", SYS_execve}, {"exit_group", SYS_exit_group}}) {
    const auto nr = static_cast<int32_t>(number);
    for (const auto& vp : verified) {
      const uint32_t ret = bpf::emulate(vp, bpf::SeccompData::make(info.audit_arch, nr)).ret;
      if (bpf::outcome_of(ret).outcome == bpf::Outcome::Allow) continue;
      if (!denied.empty()) denied += " and ";
      denied += std::string(name) + " (" + bpf::action_name(ret) + ")";
      break;
    }
  }
  if (denied.empty()) return;
  Error e;
  e.message =
      "the policy denies " + denied + " on " + std::string(info.name) +
      ", which running any program needs (execve starts it, exit_group ends it); nothing ran";
  e.hint = "allow them, e.g. `execve, exit_group: allow`";
  throw Exit{kExitUsage, "sysfence: " + e.render(), true, {e}};
}

// One line on stderr after the run when the filter may be why the program failed.
void hint_after_run(const RunOpts& o, int status) {
  if (o.quiet || o.report) return;
  const std::string prog = o.command.front();
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
    err_stream() << run_hint::kPrefix << prog << run_hint::kSigsys;
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    err_stream() << run_hint::kPrefix << prog << run_hint::kExited << WEXITSTATUS(status)
                 << run_hint::kExitedTail;
  }
}

int exit_status_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitFail;
}

pid_t g_child = 0;
void forward_signal(int sig) {
  if (g_child > 0) ::kill(g_child, sig);
}

int run_run(RunOpts& o) {
  if (o.command.empty() && !o.sandbox.dry_run)
    fail_usage("run: no program given (usage: sysfence run [OPTIONS] -- PROG ARGS...)");
  if (!o.suggest_to.empty() && !o.permissive)
    fail_usage("run: --suggest-to goes with --permissive");
  if (o.permissive) {
    if (o.report)
      fail_usage("run: --permissive and --report do not go together (permissive enforces nothing)");
    return run_permissive(o.policy, o.command, o.suggest_to);
  }

  // 1. Policy -> program, before anything runs. The embedded default for the native arch was
  // compiled at build time (a test keeps it equal to a fresh compile): nothing to parse. The
  // sandbox's own seccomp rules (only when a sandbox layer was asked for) join the policy.
  // A policy file's sandbox statements are the base the sandbox flags override.
  const bool precompiled = (!o.policy.given() || o.policy.use_default) && o.freq.empty() &&
                           o.policy.arches.empty() &&
                           precompiled_default_arch() == arch::native_arch();
  std::optional<LoadedPolicy> lp;
  if (!precompiled)
    lp = load_policy_or_exit(o.policy, /*default_if_none=*/true, /*quiet_notes=*/o.quiet);
  const sandbox::Plan sb =
      sandbox_plan_or_exit(o.sandbox, o.report, lp ? &lp->parsed.value->spec().sandbox : nullptr);
  // Install order; more than one filter only for a policy past 4096 instructions.
  std::vector<bpf::Program> stack(1);
  uint32_t oci_flags = 0;
  if (precompiled) {
    // With a sandbox layer: the variant with the sandbox's setuid-file rules, also precompiled.
    const auto pre = sb.sandbox.spec().no_setuid_files ? precompiled_default_sandbox_program()
                                                       : precompiled_default_program();
    stack.front().assign(pre.begin(), pre.end());
  } else {
    if (!lp) lp = load_policy_or_exit(o.policy, /*default_if_none=*/true, /*quiet_notes=*/o.quiet);
    compiler::FrequencyProfile profile;
    compiler::Options co;
    if (!o.freq.empty()) {
      profile = load_frequency_or_exit(o.freq);
      co.profile = &profile;
    }
    stack =
        take(compiler::compile_stack(take(sandbox::with_sandbox_rules(*lp->parsed.value, sb)), co));
    oci_flags = lp->oci_flags;
    if (stack.size() > 1 && o.report)
      fail_usage("--report needs a policy that compiles to one filter; this one needs " +
                 std::to_string(stack.size()) + " stacked filters (it is past 4096 instructions)");
  }
  const bpf::Program& prog = stack.back();

  uint32_t flags = oci_flags & ~(loader::kFlagNewListener | loader::kFlagTsyncEsrch);
  if (o.tsync) flags |= loader::kFlagTsync;
  if (o.log) flags |= loader::kFlagLog;

  std::vector<bpf::Program> installed = stack;
  // --report answers each notification with what the original program returns: verified once.
  std::optional<bpf::VerifiedProgram> original;
  if (o.report) original = take(bpf::VerifiedProgram::make(prog), kExitFail);
  // The precompiled default is known to allow both (every `run` test execs under it); a start-up
  // cost spared (verifying, emulating).
  if (!precompiled) check_runner_needs(stack);
  if (o.report) {
    size_t rewritten = 0;
    installed = {report::report_program(prog, &rewritten)};
    flags |= loader::kFlagNewListener;
    if (flags & loader::kFlagTsync) flags |= loader::kFlagTsyncEsrch;
  } else {
    bool notify = false;
    for (const bpf::Program& p : stack)
      for (const bpf::Insn& in : p)
        notify |= in.code == (bpf::RET | bpf::K) && bpf::action_of(in.k) == bpf::kRetUserNotif;
    if (notify)
      err_stream()
          << "sysfence: warning: the policy uses `notify` but nothing supervises this run: "
             "those syscalls fail with ENOSYS (use --report to see them)\n";
  }
  // Fail early in the parent for what the kernel lacks (the child checks again). The precompiled
  // default without flags needs nothing a seccomp kernel could lack but its actions, which the
  // child's install checks itself: about twenty system calls spared on every plain `run`.
  const bool nothing_to_probe = precompiled && flags == 0 && !o.report;
  std::optional<loader::KernelSupport> support;
  if (!nothing_to_probe) {
    if (auto k = loader::probe(); k) support = std::move(*k);
  }
  if (support) {
    loader::FilterOptions fo;
    fo.flags = flags;
    fo.allow_user_notif_without_listener = true;
    for (const bpf::Program& p : installed) {
      if (auto r = loader::check_installable(p, fo, *support); !r) {
        throw Exit{
            kExitFail,
            "sysfence: cannot install the filter; the program did not run:\n" + r.error().render(),
            true};
      }
    }
  }

  // 2. The program.
  int err = 0;
  const std::string path = find_program(o.command.front(), &err);
  if (path.empty()) {
    throw Exit{
        err == ENOENT ? kExitNotFound : kExitCannotExec,
        o.command.front() + ": " + (err == ENOENT ? "command not found" : std::strerror(err))};
  }

  // What --json prints: the sandbox and the filter in force (the child fails closed: when the
  // program runs, every layer of the plan holds), then how it ended.
  std::optional<nlohmann::json> report_json;
  if (o.json || !o.json_file.empty()) {
    nlohmann::json j;
    j["program"] = {{"argv", o.command}, {"path", path}};
    j["sandbox"] = sandbox_json(sb);
    nlohmann::json f;
    f["policy"] = precompiled ? std::string("<default> (precompiled)")
                              : (lp ? lp->label : std::string("<default>"));
    f["arch"] = std::string(arch::info(arch::native_arch()).name);
    f["filters"] = installed.size();
    nlohmann::json lengths = nlohmann::json::array();
    for (const bpf::Program& p : installed) lengths.push_back(p.size());
    f["instructions"] = lengths;
    nlohmann::json fl = nlohmann::json::array();
    if (flags & loader::kFlagTsync) fl.push_back("tsync");
    if (flags & loader::kFlagLog) fl.push_back("log");
    if (o.report) fl.push_back("new_listener");
    f["flags"] = fl;
    f["mode"] =
        o.report ? "report (denials answered by the supervisor as the policy would)" : "enforce";
    f["no_new_privs"] = true;
    f["dumpable"] = o.dumpable;
    j["seccomp"] = f;
    report_json = std::move(j);
  }
  // Printed once, at the end, whatever the end: on stderr (stdout is the program's) or into
  // --json-file.
  auto print_json_report = [&](const nlohmann::json& end) {
    if (!report_json) return;
    nlohmann::json j = *report_json;
    for (auto& [k, v] : end.items()) j[k] = v;
    if (!o.json_file.empty()) {
      std::ofstream f(o.json_file);
      f << j.dump(2) << "\n";
      if (!f) err_stream() << "sysfence: --json-file " << o.json_file << ": cannot write\n";
    } else {
      err_stream() << j.dump() << "\n";
    }
  };

  // 3. Spawn: blocks the signals the runner forwards until the handler knows the child, so one
  // sent right after the fork is forwarded, not fatal to the runner.
  sandbox::SpawnOptions so;
  so.filters = installed;
  so.seccomp_flags = flags & ~loader::kFlagNewListener;
  so.dumpable = o.dumpable;
  so.hand_over_listener = o.report;
  sigset_t forwarded, before;
  sigemptyset(&forwarded);
  for (int s : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&forwarded, s);
  out_stream().flush();
  err_stream().flush();
  ::sigprocmask(SIG_BLOCK, &forwarded, &before);
  so.child_sigmask = &before;
  auto spawned = sandbox::spawn(sb, path, o.command, so);
  if (!spawned) fail(spawned.error().render());
  sandbox::Spawned& sp = *spawned;
  const pid_t child = sp.pid();
  g_child = child;
  ::signal(SIGINT, SIG_IGN);  // the terminal sends them to the child too
  ::signal(SIGQUIT, SIG_IGN);
  ::signal(SIGTERM, forward_signal);
  ::signal(SIGHUP, forward_signal);
  ::sigprocmask(SIG_SETMASK, &before, nullptr);

  int status = 0;
  std::optional<report::Supervisor> sup;
  if (o.report) {
    // Wait for the program to install the filter (or to fail before that), take the listener.
    auto listener = sp.take_listener();
    if (listener) {
      const int pidfd = sp.pidfd();
      if (pidfd < 0) {
        ::kill(child, SIGKILL);
        sp.wait();
        fail(std::string("--report: pidfd_open: ") + std::strerror(errno));
      }
      sup.emplace(
          std::move(*listener), child, pidfd,
          [&original](const bpf::SeccompData& d) { return bpf::emulate(*original, d).ret; },
          err_stream());
      sp.set_status(sup->serve());
      status = sp.wait();  // the program's status (not its init's, with a PID namespace)
    } else if (!sp.failure()) {
      ::kill(child, SIGKILL);
      sp.wait();
      const Error& e = listener.error();
      fail("--report: " + e.message + "; nothing ran" +
           (e.hint.empty() ? "" : "\nhint: " + e.hint));
    } else {
      status = sp.wait();
    }
  } else {
    status = sp.wait();
  }

  // 4. Did the child get as far as execve?
  (void)sp.started();
  if (const auto& f = sp.failure(); f) {
    nlohmann::json end;
    end["started"] = false;
    end["failed_at"] = std::string(sandbox::spawn_stage_name(f->stage));
    if (f->stage == sandbox::SpawnStage::Exec) {
      const int code = f->err == ENOENT ? kExitNotFound : kExitCannotExec;
      end["exit_code"] = code;
      end["error"] = std::strerror(f->err);
      print_json_report(end);
      throw Exit{code, path + ": execve failed under the filter: " + std::strerror(f->err) +
                           (f->err == EPERM || f->err == EACCES ? " (does the policy allow execve?)"
                                                                : "")};
    }
    end["exit_code"] = kExitFail;
    end["error"] = f->text;
    print_json_report(end);
    throw Exit{kExitFail,
               std::string(f->stage == sandbox::SpawnStage::Filter
                               ? "sysfence: cannot install the filter; the program did not run:\n"
                               : "sysfence: cannot set up the child; the program did not run:\n") +
                   f->text,
               true};
  }
  if (sup) sup->print_summary();
  hint_after_run(o, status);
  int code = exit_status_of(status);
  // A kill action carried out by the supervisor looks to the shell like the kernel's own kill.
  if (sup && code == 128 + SIGKILL && sup->killed_for_policy(sp.program_pid())) {
    code = 128 + SIGSYS;
  }
  if (report_json) {
    nlohmann::json end;
    end["started"] = true;
    end["exit_code"] = code;
    if (WIFSIGNALED(status)) {
      end["signal"] = WTERMSIG(status);
    } else {
      end["exit_status"] = WEXITSTATUS(status);
    }
    if (sup && code == 128 + SIGSYS) end["killed_by_policy"] = true;
    print_json_report(end);
  }
  // The program has ended and everything is printed: leave now, without tearing down the whole
  // command-line parser and the policy (memory only; measurable in run's start-up cost).
  out_stream().flush();
  err_stream().flush();
  ::_exit(code);
}

}  // namespace

Command add_run(CLI::App& app, const ProgramArgs& program) {
  auto o = std::make_shared<RunOpts>();
  auto* sub = app.add_subcommand("run", "Run a program under a seccomp filter");
  sub->footer(
      "The embedded default policy applies when no policy is named. The filter is installed\n"
      "in the child as the last step before execve (with NO_NEW_PRIVS, and PR_SET_DUMPABLE 0\n"
      "unless --dumpable): the policy must allow execve, and nothing of the runner's own setup.\n"
      "If anything fails before execve the program does not run.\n"
      "--report turns every denying action into a user notification: the supervisor prints\n"
      "each denied syscall and answers it as the policy would have (errno; kill -> the\n"
      "process is killed).\n"
      "Exit codes: the program's own status, 128+N when it was killed by signal N; 126/127\n"
      "when it cannot be executed/found; 1 when the filter could not be installed; 2 for bad\n"
      "usage or a bad policy.");
  sub->add_option("command", o->command,
                  "PROG [ARGS...] (put them after -- when they have options)");
  add_policy_options(sub, o->policy, /*positional=*/false);
  sub->add_flag("--dumpable", o->dumpable, "keep the child dumpable (no PR_SET_DUMPABLE 0)");
  sub->add_flag("--tsync", o->tsync, "install with SECCOMP_FILTER_FLAG_TSYNC");
  sub->add_flag("--log", o->log,
                "install with SECCOMP_FILTER_FLAG_LOG (audit log of non-allow actions)");
  sub->add_flag("--report", o->report, "print each denied syscall and a summary (supervised run)");
  sub->add_flag("--json", o->json,
                "after the run, print on stderr (stdout is the program's) one JSON object: the "
                "sandbox and filter in force, layer by layer, and the exit status");
  sub->add_option("--json-file", o->json_file, "write that JSON object into FILE instead");
  sub->add_flag("--permissive", o->permissive,
                "enforce NOTHING: record what the policy would deny and print the lines to add "
                "(docs/learn.md)");
  sub->add_option("--suggest-to", o->suggest_to,
                  "with --permissive: write the lines to add to this file");
  sub->add_option("--freq", o->freq,
                  "weight the filter's dispatch tree by a `learn --freq` profile");
  sub->add_flag("-q,--quiet", o->quiet,
                "no notes or hints of the runner's own (the capability note, the line after a "
                "failed or SIGSYS-killed program)");
  add_sandbox_options(sub, o->sandbox);
  return {sub, [o, &program] {
            for (const std::string& a : program.argv) o->command.push_back(a);
            return run_run(*o);
          }};
}

}  // namespace sysfence::cli

namespace {
// For the start-up fast path (fast_start/fast_run.cpp, before the C library is set up: plain
// code, no allocation): a precompiled filter, or nullptr when it is not for this arch (then
// `run` takes the full path).
const void* for_fast_path(std::span<const sysfence::bpf::Insn> p, unsigned short* len) {
  using namespace sysfence;
  if (cli::precompiled_default_arch() != arch::native_arch()) return nullptr;
  *len = static_cast<unsigned short>(p.size());
  return p.data();
}
}  // namespace

// The default policy's filter.
extern "C" const void* sysfence_fast_default_filter(unsigned short* len) {
  return for_fast_path(sysfence::cli::precompiled_default_program(), len);
}

// The same for `run --profile untrusted`: the variant with the sandbox's setuid-file rules,
// which the full path installs when a sandbox layer is asked for.
extern "C" const void* sysfence_fast_sandbox_filter(unsigned short* len) {
  return for_fast_path(sysfence::cli::precompiled_default_sandbox_program(), len);
}
