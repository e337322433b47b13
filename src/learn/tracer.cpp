// src/learn/tracer.cpp — the seccomp-assisted ptrace tracer (see sysfence/learn/tracer.hpp).
#include "sysfence/learn/tracer.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/loader/loader.hpp"

extern char** environ;

namespace sysfence::learn {
namespace {

// Like execvp's search; "" when not found (*err: ENOENT or the first other reason).
std::string find_on_path(const std::string& prog, int* err) {
  auto usable = [&](const std::string& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) {
      *err = errno;
      return false;
    }
    if (S_ISDIR(st.st_mode) || ::access(p.c_str(), X_OK) != 0) {
      *err = S_ISDIR(st.st_mode) ? EACCES : errno;
      return false;
    }
    return true;
  };
  *err = ENOENT;
  if (prog.find('/') != std::string::npos) return usable(prog) ? prog : "";
  const char* env = std::getenv("PATH");
  std::string path = env && *env ? env : "/usr/local/bin:/usr/bin:/bin";
  int first = ENOENT;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    if (usable(dir + "/" + prog)) return dir + "/" + prog;
    if (*err != ENOENT && first == ENOENT) first = *err;
    start = end + 1;
  }
  *err = first;
  return "";
}

struct ChildReport {
  int stage;  // 1 set-up, 2 filter, 3 execve
  int err;
  char text[512];
};

[[noreturn]] void child_fail(int fd, int stage, int err, const std::string& text) {
  ChildReport r{};
  r.stage = stage;
  r.err = err;
  std::strncpy(r.text, text.c_str(), sizeof r.text - 1);
  ssize_t ignored = ::write(fd, &r, sizeof r);
  (void)ignored;
  ::_exit(stage == 3 ? (err == ENOENT ? 127 : 126) : 1);
}

constexpr uint32_t kCloneUntraced = 0x00800000;  // CLONE_UNTRACED

volatile sig_atomic_t g_main_child = 0;
void forward(int sig) {
  if (g_main_child > 0) ::kill(static_cast<pid_t>(g_main_child), sig);
}

int status_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 1;
}

bool is_stop_signal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

// At a stop of traced_run_prefix(): clone3 is skipped with -ENOSYS (syscall number -1 skips it,
// the return value is rax); CLONE_UNTRACED is cleared in clone's flags register (rdi, or ebx for
// i386; the kernel re-runs the filters on the changed arguments after the stop). If the
// registers cannot be rewritten (the tracee died meanwhile), the call is reported as it ran.
TracedCall::Answer answer_prefix_stop(pid_t tid, uint32_t audit_arch, uint16_t data) {
#if defined(__x86_64__)
  user_regs_struct regs{};
  if (::ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return TracedCall::Answer::Ran;
  TracedCall::Answer a;
  if (data == kTraceDataClone3) {
    regs.orig_rax = static_cast<unsigned long long>(-1LL);
    regs.rax = static_cast<unsigned long long>(-static_cast<long long>(ENOSYS));
    a = TracedCall::Answer::AnsweredEnosys;
  } else {
    // An i386 call (a 32-bit process, or `int 0x80` from a 64-bit one) has its arguments in
    // ebx, ecx, ...; an x86_64 or x32 call in rdi, rsi, ...
    if (audit_arch == bpf::kAuditArchI386)
      regs.rbx &= ~static_cast<unsigned long long>(kCloneUntraced);
    else
      regs.rdi &= ~static_cast<unsigned long long>(kCloneUntraced);
    a = TracedCall::Answer::ClearedUntraced;
  }
  if (::ptrace(PTRACE_SETREGS, tid, nullptr, &regs) != 0) return TracedCall::Answer::Ran;
  return a;
#else
  (void)tid;
  (void)audit_arch;
  (void)data;
  return TracedCall::Answer::Ran;
#endif
}

}  // namespace

std::optional<arch::Arch> arch_of_call(uint32_t audit_arch, int32_t nr) {
  for (const auto& a : arch::all_arches()) {
    if (a.audit_arch != audit_arch) continue;
    if (a.arch == arch::Arch::X86_64 || a.arch == arch::Arch::X32) {
      const bool x32 = (static_cast<uint32_t>(nr) & bpf::kX32SyscallBit) != 0;
      return x32 ? arch::Arch::X32 : arch::Arch::X86_64;
    }
    return a.arch;
  }
  return std::nullopt;
}

namespace {

// The ABIs a process on this machine can call through, with their clone and clone3 numbers.
struct CloneNumbers {
  uint32_t audit_arch;
  std::vector<uint32_t> clone3, clone;  // as seccomp_data.nr (x32 with bit 30)
  bool big_endian;
};

std::vector<CloneNumbers> clone_numbers() {
  std::vector<arch::Arch> abis = {arch::native_arch()};
#if defined(__x86_64__)
  abis = {arch::Arch::X86_64, arch::Arch::X32, arch::Arch::I386};
#endif
  std::vector<CloneNumbers> out;
  for (arch::Arch a : abis) {
    const auto& ai = arch::info(a);
    CloneNumbers* g = nullptr;
    for (auto& o : out)
      if (o.audit_arch == ai.audit_arch) g = &o;
    if (!g) {
      out.push_back({ai.audit_arch, {}, {}, bpf::audit_arch_big_endian(ai.audit_arch)});
      g = &out.back();
    }
    if (auto n = arch::syscall_number(a, "clone3")) g->clone3.push_back(static_cast<uint32_t>(*n));
    if (auto n = arch::syscall_number(a, "clone")) g->clone.push_back(static_cast<uint32_t>(*n));
  }
  return out;
}

}  // namespace

bpf::Program traced_run_prefix() {
  using namespace bpf;
  Program p;
#if defined(__x86_64__)  // the tracer rewrites registers (x86_64 layout) at these stops
  for (const CloneNumbers& g : clone_numbers()) {
    // ld arch; jeq audit ? next : END; ld nr; jeq clone3.. -> SKIP; jeq clone.. -> FLAGS; ja END;
    // FLAGS: ld args[0] low; jset CLONE_UNTRACED ? UNTRACED : END; SKIP: ret; UNTRACED: ret; END:
    const size_t n3 = g.clone3.size(), nc = g.clone.size();
    const size_t body = 1 + n3 + nc + 1 + 2 + 2;  // from `ld nr` to the last ret
    p.push_back(stmt(LD | W | ABS, kOffArch));
    p.push_back(jump(JMP | JEQ | K, g.audit_arch, 0, static_cast<uint8_t>(body)));
    p.push_back(stmt(LD | W | ABS, kOffNr));
    // Positions relative to the instruction after `ld nr`: clone3 jeqs at 0..n3-1, clone jeqs
    // at n3..n3+nc-1, ja at n3+nc, FLAGS at n3+nc+1, jset at n3+nc+2, SKIP at n3+nc+3,
    // UNTRACED at n3+nc+4, END at n3+nc+5.
    const size_t flags = n3 + nc + 1, skip = n3 + nc + 3, end = n3 + nc + 5;
    for (size_t i = 0; i < n3; ++i)
      p.push_back(jump(JMP | JEQ | K, g.clone3[i], static_cast<uint8_t>(skip - i - 1), 0));
    for (size_t i = 0; i < nc; ++i)
      p.push_back(jump(JMP | JEQ | K, g.clone[i], static_cast<uint8_t>(flags - (n3 + i) - 1), 0));
    p.push_back(stmt(JMP | JA, static_cast<uint32_t>(end - (n3 + nc) - 1)));
    p.push_back(stmt(LD | W | ABS, arg_lo(0, g.big_endian)));
    p.push_back(jump(JMP | JSET | K, kCloneUntraced, 1, 2));
    p.push_back(stmt(RET | K, ret_trace(kTraceDataClone3)));
    p.push_back(stmt(RET | K, ret_trace(kTraceDataUntracedClone)));
  }
#endif
  return p;
}

bpf::Program trace_everything_filter() {
  bpf::Program p = traced_run_prefix();
  p.push_back(bpf::stmt(bpf::RET | bpf::K, bpf::kRetTrace));
  return p;
}

std::optional<bpf::Program> trace_unallowed_filter(const bpf::Program& policy_program) {
  return trace_denials_filter(policy_program);
}

std::optional<bpf::Program> trace_denials_filter(const bpf::Program& prog) {
  bpf::Program out = traced_run_prefix();
  if (out.size() + prog.size() > bpf::kMaxInsns) return std::nullopt;
  for (bpf::Insn in : prog) {
    if (in.code == (bpf::RET | bpf::K)) {
      const uint32_t act = bpf::action_of(in.k);
      if (act != bpf::kRetAllow && act != bpf::kRetLog) in.k = bpf::kRetTrace;
    }
    out.push_back(in);
  }
  return out;
}

Result<TraceResult> trace_program(const std::vector<std::string>& argv,
                                  const TraceOptions& options) {
  if (argv.empty()) return Error{"no program given", {}, "name the program after --", {}, 0};
  int err = 0;
  const std::string path = find_on_path(argv.front(), &err);
  if (path.empty()) {
    Error e{argv.front() + ": " + (err == ENOENT ? "command not found" : std::strerror(err)),
            {},
            "",
            {},
            err};
    return e;
  }
  const bpf::Program filter = options.filter.empty() ? trace_everything_filter() : options.filter;
  std::vector<std::string> args_copy = argv;
  std::vector<char*> cargv;
  cargv.reserve(args_copy.size() + 1);
  for (auto& a : args_copy) cargv.push_back(a.data());
  cargv.push_back(nullptr);

  int go[2], report[2];
  if (::pipe2(go, O_CLOEXEC) != 0) return Error::system("pipe", errno);
  if (::pipe2(report, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(go[0]);
    ::close(go[1]);
    return Error::system("pipe", e);
  }
  const pid_t tracer = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    const int e = errno;
    for (int fd : {go[0], go[1], report[0], report[1]}) ::close(fd);
    return Error::system("fork", e);
  }
  if (child == 0) {
    ::close(go[1]);
    ::close(report[0]);
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
      child_fail(report[1], 1, errno, "PR_SET_PDEATHSIG");
    if (::getppid() != tracer) ::_exit(1);
    for (int s : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE}) ::signal(s, SIG_DFL);
    char c = 0;
    ssize_t n;
    while ((n = ::read(go[0], &c, 1)) < 0 && errno == EINTR) {}
    if (n != 1 || c != 'g') ::_exit(1);  // the tracer could not attach
    ::close(go[0]);
    if (options.no_new_privs) {
      if (auto r = loader::set_no_new_privs(); !r)
        child_fail(report[1], 1, r.error().sys_errno, r.error().render());
    }
    auto inst = loader::install_filter(filter, {});
    if (!inst) child_fail(report[1], 2, inst.error().sys_errno, inst.error().render());
    ::execve(path.c_str(), cargv.data(), environ);
    child_fail(report[1], 3, errno, "execve");
  }
  ::close(go[0]);
  ::close(report[1]);
  // No PTRACE_O_TRACEEXEC: execve is seen at its seccomp stop, and a PTRACE_SEIZEd tracee (and
  // every process auto-attached from it) gets no SIGTRAP after execve: one stop less per exec.
  const long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                    PTRACE_O_TRACEVFORK | PTRACE_O_EXITKILL;
  if (::ptrace(PTRACE_SEIZE, child, nullptr, reinterpret_cast<void*>(opts)) != 0) {
    const int e = errno;
    ::close(go[1]);  // the child reads EOF and exits without running anything
    ::close(report[0]);
    ::waitpid(child, nullptr, 0);
    Error er = Error::system("ptrace(PTRACE_SEIZE) of the program", e);
    er.hint =
        "the tracer needs to be allowed to trace its own child (Yama ptrace_scope <= 1, no "
        "seccomp filter of its own that denies ptrace)";
    return er;
  }
  ssize_t w;
  while ((w = ::write(go[1], "g", 1)) < 0 && errno == EINTR) {}
  ::close(go[1]);

  struct sigaction old_int {
  }, old_quit{}, old_term{}, old_hup{}, sa{};
  sa.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGQUIT, &sa, &old_quit);
  sa.sa_handler = forward;
  ::sigaction(SIGTERM, &sa, &old_term);
  ::sigaction(SIGHUP, &sa, &old_hup);
  g_main_child = child;

  TraceResult res;
  res.processes = 1;
  bool main_done = false;
  for (;;) {
    int st = 0;
    const pid_t p = ::waitpid(-1, &st, __WALL);
    if (p < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing traced is left
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (p == child) {
        res.raw_status = st;
        main_done = true;
        g_main_child = 0;
      }
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    ++res.all_stops;
    const int sig = WSTOPSIG(st);
    const unsigned event = static_cast<unsigned>(st) >> 16;
    if (event == PTRACE_EVENT_SECCOMP) {
      __ptrace_syscall_info info{};
      const long got =
          ::ptrace(PTRACE_GET_SYSCALL_INFO, p, reinterpret_cast<void*>(sizeof info), &info);
      if (got > 0 && info.op == PTRACE_SYSCALL_INFO_SECCOMP) {
        ++res.stops;
        TracedCall c;
        c.tid = p;
        c.audit_arch = info.arch;
        c.nr = static_cast<int32_t>(info.seccomp.nr);
        for (int i = 0; i < 6; ++i) c.args[i] = info.seccomp.args[i];
        c.instruction_pointer = info.instruction_pointer;
        c.trace_data = static_cast<uint16_t>(info.seccomp.ret_data);
        if (c.trace_data == kTraceDataClone3 || c.trace_data == kTraceDataUntracedClone)
          c.answer = answer_prefix_stop(p, c.audit_arch, c.trace_data);
        if (auto a = arch_of_call(c.audit_arch, c.nr)) {
          c.arch = *a;
          if (options.on_call) options.on_call(c);
        } else {
          ++res.unknown_arch_calls;
        }
      }
      ::ptrace(PTRACE_CONT, p, nullptr, nullptr);
    } else if (event == PTRACE_EVENT_STOP) {
      // A group-stop (keep the tracee stopped until SIGCONT, as the kernel would without us),
      // or the first stop of an auto-attached new thread or process.
      if (is_stop_signal(sig))
        ::ptrace(PTRACE_LISTEN, p, nullptr, nullptr);
      else
        ::ptrace(PTRACE_CONT, p, nullptr, nullptr);
    } else if (event != 0) {
      if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK)
        ++res.processes;
      ::ptrace(PTRACE_CONT, p, nullptr, nullptr);
    } else {
      // A signal on its way to the tracee: deliver it.
      ::ptrace(PTRACE_CONT, p, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    }
  }
  g_main_child = 0;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);

  ChildReport r{};
  ssize_t n;
  while ((n = ::read(report[0], &r, sizeof r)) < 0 && errno == EINTR) {}
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof r)) {
    if (r.stage == 3) {
      Error e{path + ": execve failed under the trace filter: " + std::strerror(r.err),
              {},
              "",
              {},
              r.err};
      return e;
    }
    Error e{
        std::string(r.stage == 2 ? "cannot install the trace filter; the program did not run:\n"
                                 : "cannot set up the traced child; the program did not run:\n") +
            r.text,
        {},
        "",
        {},
        r.err};
    return e;
  }
  if (!main_done) return Error{"lost track of the traced program", {}, "", {}, 0};
  res.exit_code = status_code(res.raw_status);
  return res;
}

}  // namespace sysfence::learn
