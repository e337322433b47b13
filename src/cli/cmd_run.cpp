// src/cli/cmd_run.cpp — `sysfence run [POLICY OPTIONS] [--dumpable] [--tsync] [--log] [--report]
// -- PROG ARGS...`: runs a program under a seccomp filter.
//
// Order of events (each step fails closed: the program never runs without the filter):
//  parent: load and compile the policy (bad input: exit 2 before anything runs), find PROG on
//          PATH (not found: 127, not executable: 126, as env(1)), fork.
//  child:  PR_SET_PDEATHSIG, NO_NEW_PRIVS, PR_SET_DUMPABLE 0 (unless --dumpable), then the filter
//          as the very last step, then execve. Any failure before execve is written to a CLOEXEC
//          pipe and the child exits without exec'ing.
//  parent: waits and exits with the child's status (128+signal when it was killed).
// With --report the child installs the report program (sysfence/report/supervisor.hpp) with NEW_LISTENER, puts
// the listener's fd number into a shared page, and spins (no syscalls: the filter is already on)
// until the parent has taken the fd with pidfd_getfd; then it execs.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <ctime>
#include <iostream>
#include <span>

#include "commands.hpp"
#include "common.hpp"
#include "permissive.hpp"
#include "policy_input.hpp"
#include "precompiled/default_program.hpp"
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

// What the child tells the parent through the CLOEXEC pipe when it cannot exec.
struct ChildFailure {
  int stage;        // 1 setup, 2 install, 3 execve
  int err;          // errno
  char text[1000];  // rendered diagnostic (stages 1 and 2)
};

// A shared page that receives the same report without a syscall: a policy may deny write, and
// the runner must still say why the program did not start.
ChildFailure* g_failure_page = nullptr;

[[noreturn]] void child_fail(int pipe_fd, int stage, int err, const std::string& text, int code) {
  ChildFailure f{};
  f.stage = stage;
  f.err = err;
  std::strncpy(f.text, text.c_str(), sizeof f.text - 1);
  if (g_failure_page) std::memcpy(g_failure_page, &f, sizeof f);
  ssize_t ignored = ::write(pipe_fd, &f, sizeof f);
  (void)ignored;
  ::_exit(code);
}

// The runner's signal mask before it blocked the signals it forwards (restored in the child).
sigset_t g_mask_before_fork;

// The shared page between the child and the parent for --report.
struct Handoff {
  std::atomic<int> listener_fd;  // -1 until installed
  std::atomic<int> taken;        // 1 when the parent has the fd
};

[[noreturn]] void child_main(const RunOpts& o, const std::string& path, char** argv,
                             std::span<const bpf::Program> stack, uint32_t flags, int pipe_fd,
                             Handoff* h, pid_t runner, const sandbox::Plan& sb, char** envp) {
  // Die with the runner: never linger unsupervised (and not at all if it is already gone).
  // (sandbox::enter() checks it: the child may be PID 1 of a new namespace, where getppid() is 0.)
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
    child_fail(pipe_fd, 1, errno, "PR_SET_PDEATHSIG failed", 1);
  for (int s : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(s, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &g_mask_before_fork, nullptr);  // the runner blocked them to fork
  // The sandbox layers (sandbox.hpp): namespaces ... capabilities; seccomp stays last, below.
  if (auto r = sandbox::enter(sb, runner); !r)
    child_fail(pipe_fd, 1, r.error().sys_errno, r.error().render(), 1);

  if (auto r = loader::set_no_new_privs(); !r)
    child_fail(pipe_fd, 1, r.error().sys_errno, r.error().render(), 1);
  if (!o.dumpable) {
    if (auto r = loader::set_dumpable(false); !r)
      child_fail(pipe_fd, 1, r.error().sys_errno, r.error().render(), 1);
  }
  loader::FilterOptions fo;
  fo.flags = flags;
  // A policy's own `notify` rules without --report: the kernel answers them with ENOSYS (the
  // parent warned about it).
  fo.allow_user_notif_without_listener = true;
  // A stack (a policy past 4096 instructions) goes in all or none: a refusal after its first
  // filter ends this child (install_filters), the program never runs half confined.
  auto inst = loader::install_filters(stack, fo);
  if (!inst) child_fail(pipe_fd, 2, inst.error().sys_errno, inst.error().render(), 1);
  // ---- From here the filter is on: nothing but execve (and, for --report, a spin). ----
  if (h) {
    h->listener_fd.store(inst->listener.release(), std::memory_order_release);
    while (h->taken.load(std::memory_order_acquire) == 0) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  ::execve(path.c_str(), argv, envp);
  const int e = errno;
  child_fail(pipe_fd, 3, e, "", e == ENOENT ? kExitNotFound : kExitCannotExec);
}

// Forks the child, which never returns from here. Without --report the parent has nothing to
// do until the child has exec'd (or failed), so it uses vfork: no copy of the page tables, the
// parent suspended until then; the child only makes syscalls, writes the pipe, and execs or
// _exits. (Sharing the address space until execve, the runner becomes non-dumpable with the
// child; it only waits.) --report needs fork: the child waits (spinning) for the parent to take
// the listener. A function of its own, so no variable of the caller lives across vfork.
__attribute__((noinline)) pid_t start_child(const RunOpts& o, const std::string& path, char** argv,
                                            std::span<const bpf::Program> stack, uint32_t flags,
                                            const int* pipefd, Handoff* h, pid_t runner,
                                            const sandbox::Plan& sb, char** envp) {
  // Sandbox layers (namespaces fork again, mounts, Landlock) need a child of their own.
  const bool own_memory = o.report || sb.sandbox.spec().asks_for_layers() || sb.unshare != 0;
  // With a PID namespace the child is cloned into it and is its init (sandbox::fork_child).
  const pid_t child = own_memory ? sandbox::fork_child(sb) : ::vfork();
  if (child == 0) {
    ::close(pipefd[0]);
    child_main(o, path, argv, stack, flags, pipefd[1], h, runner, sb, envp);
  }
  return child;
}

// The runner's own needs under the filter: execve to start the program, exit_group to end it
// (or the child after a failed execve). A policy that denies either would end in a crash with
// no message (glibc's _exit falls through to a fault when exit_group fails): refuse it first.
// With stacked filters every one of them must allow.
void check_runner_needs(const std::vector<bpf::Program>& stack) {
  const arch::Arch a = arch::native_arch();
  const auto& info = arch::info(a);
  std::vector<bpf::VerifiedProgram> verified;
  for (const auto& p : stack) verified.push_back(take(bpf::VerifiedProgram::make(p), kExitFail));
  std::string denied;
  for (const char* name : {"execve", "exit_group"}) {
    const auto nr = arch::syscall_number(a, name);
    if (!nr) continue;
    for (const auto& vp : verified) {
      const uint32_t ret = bpf::emulate(vp, bpf::SeccompData::make(info.audit_arch, *nr)).ret;
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
    std::cerr << "sysfence: " << prog << " was killed by SIGSYS: the filter's kill or trap action "
              << "on a syscall the policy denies; `sysfence run --report ...` names it (--quiet "
                 "silences this line)\n";
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    std::cerr << "sysfence: " << prog << " exited with status " << WEXITSTATUS(status)
              << "; if a syscall the policy denies made it fail, `sysfence run --report ...` "
                 "names it (--quiet silences this line)\n";
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
  const auto original = take(bpf::VerifiedProgram::make(prog), kExitFail);
  check_runner_needs(stack);
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
      std::cerr << "sysfence: warning: the policy uses `notify` but nothing supervises this run: "
                   "those syscalls fail with ENOSYS (use --report to see them)\n";
  }
  // Fail early in the parent for what the kernel lacks (the child checks again).
  if (auto k = loader::probe(); k) {
    loader::FilterOptions fo;
    fo.flags = flags;
    fo.allow_user_notif_without_listener = true;
    for (const bpf::Program& p : installed) {
      if (auto r = loader::check_installable(p, fo, *k); !r) {
        throw Exit{
            kExitFail,
            "sysfence: cannot install the filter; the program did not run:\n" + r.error().render(),
            true};
      }
    }
  }

  std::vector<char*> envp;
  for (const auto& e : sb.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  // 2. The program.
  int err = 0;
  const std::string path = find_program(o.command.front(), &err);
  if (path.empty()) {
    throw Exit{
        err == ENOENT ? kExitNotFound : kExitCannotExec,
        o.command.front() + ": " + (err == ENOENT ? "command not found" : std::strerror(err))};
  }
  std::vector<char*> argv;
  for (auto& a : o.command) argv.push_back(a.data());
  argv.push_back(nullptr);

  // 3. Fork.
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) fail(std::string("pipe: ") + std::strerror(errno));
  Handoff* handoff = nullptr;
  if (o.report) {
    void* m =
        ::mmap(nullptr, sizeof(Handoff), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) fail(std::string("mmap: ") + std::strerror(errno));
    handoff = new (m) Handoff{};
    handoff->listener_fd.store(-1);
    handoff->taken.store(0);
  }
  {
    void* m = ::mmap(nullptr, sizeof(ChildFailure), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) fail(std::string("mmap: ") + std::strerror(errno));
    g_failure_page = new (m) ChildFailure{};
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t runner = ::getpid();
  // The signals the runner forwards stay blocked until the handler knows the child: one sent
  // right after the fork is forwarded, not fatal to the runner (pending until unblocked below).
  sigset_t forwarded;
  sigemptyset(&forwarded);
  for (int s : {SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&forwarded, s);
  ::sigprocmask(SIG_BLOCK, &forwarded, &g_mask_before_fork);
  const pid_t child =
      start_child(o, path, argv.data(), installed, flags, pipefd, handoff, runner, sb, envp.data());
  if (child < 0) fail(std::string("fork: ") + std::strerror(errno));
  ::close(pipefd[1]);
  g_child = child;
  ::signal(SIGINT, SIG_IGN);  // the terminal sends them to the child too
  ::signal(SIGQUIT, SIG_IGN);
  ::signal(SIGTERM, forward_signal);
  ::signal(SIGHUP, forward_signal);
  ::sigprocmask(SIG_SETMASK, &g_mask_before_fork, nullptr);

  int status = 0;
  std::optional<report::Supervisor> sup;
  if (o.report) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    if (pidfd < 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
      fail(std::string("--report: pidfd_open: ") + std::strerror(errno));
    }
    // Wait for the child to install the filter (or to fail before that).
    int fd = -1;
    while ((fd = handoff->listener_fd.load(std::memory_order_acquire)) < 0) {
      int st = 0;
      if (::waitpid(child, &st, WNOHANG) == child) {
        status = st;
        break;
      }
      timespec ts{0, 200 * 1000};
      ::nanosleep(&ts, nullptr);
    }
    if (fd >= 0) {
      const int mine = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
      if (mine < 0) {
        const int e = errno;
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        fail(std::string("--report: cannot take the listener from the child (pidfd_getfd: ") +
             std::strerror(e) +
             "); nothing ran. It needs CAP_SYS_PTRACE over the child, or --dumpable");
      }
      handoff->taken.store(1, std::memory_order_release);
      sup.emplace(
          loader::Listener(mine), child, pidfd,
          [&original](const bpf::SeccompData& d) { return bpf::emulate(original, d).ret; },
          std::cerr);
      status = sup->serve();
    }
  } else {
    while (::waitpid(child, &status, 0) < 0) {
      if (errno != EINTR) fail(std::string("waitpid: ") + std::strerror(errno));
    }
  }

  // 4. Did the child get as far as execve?
  ChildFailure f{};
  ssize_t n;
  while ((n = ::read(pipefd[0], &f, sizeof f)) < 0 && errno == EINTR) {}
  ::close(pipefd[0]);
  if (n != static_cast<ssize_t>(sizeof f) && g_failure_page->stage != 0) {
    std::memcpy(&f, g_failure_page, sizeof f);  // the pipe write was denied: the page has it
    n = sizeof f;
  }
  if (n == static_cast<ssize_t>(sizeof f)) {
    if (f.stage == 3) {
      throw Exit{f.err == ENOENT ? kExitNotFound : kExitCannotExec,
                 path + ": execve failed under the filter: " + std::strerror(f.err) +
                     (f.err == EPERM || f.err == EACCES ? " (does the policy allow execve?)" : "")};
    }
    std::string text = f.text;
    throw Exit{kExitFail,
               std::string(f.stage == 2
                               ? "sysfence: cannot install the filter; the program did not run:\n"
                               : "sysfence: cannot set up the child; the program did not run:\n") +
                   text,
               true};
  }
  if (sup) sup->print_summary();
  hint_after_run(o, status);
  int code = exit_status_of(status);
  // A kill action carried out by the supervisor looks to the shell like the kernel's own kill.
  if (sup && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && sup->killed_for_policy(child)) {
    code = 128 + SIGSYS;
  }
  // The program has ended and everything is printed: leave now, without tearing down the whole
  // command-line parser and the policy (memory only; measurable in run's start-up cost).
  std::cout.flush();
  std::cerr.flush();
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
