// src/cli/fast_start/fast_run.cpp — the start-up fast path of the static `sysfence` executable
// (x86_64): two command lines carried out before the C library is set up,
//
//   sysfence run [-q|--quiet] [--] PROG [ARGS...]                        (the default policy)
//   sysfence run --profile untrusted [-q|--quiet] [--] PROG [ARGS...]    (also --profile=untrusted,
//                                                                         in either order with -q)
//
// The C library's start (CPU-feature and cache probing through cpuid, which traps in a VM; TLS;
// IRELATIVE relocations; stdio and locale; the C++ runtime), the option parser, the profile's
// parse and plan cost more than everything `run` itself does; the fast path skips them.
//
// What it does is exactly what the full path (cmd_run.cpp -> sandbox::spawn -> sandbox::enter
// -> loader::install_filters) does for that command, system call for system call where it
// matters. Plain `run`: find PROG on PATH as execvp would; read cap_last_cap; block the signals
// the runner forwards; start a vfork child (clone(CLONE_VM | CLONE_VFORK) on a stack of its own)
// that sets PR_SET_PDEATHSIG, resets those signals and the mask, checks the runner is its
// parent, sets RLIMIT_CORE 0, NO_NEW_PRIVS, drops every capability (the bounding set when it
// holds CAP_SETPCAP, the ambient set, then capset to nothing), sets PR_SET_PDEATHSIG again, marks
// the descriptors above 2 close-on-exec, NO_NEW_PRIVS, PR_SET_DUMPABLE 0, checks every action of
// the filter with SECCOMP_GET_ACTION_AVAIL, installs the precompiled default filter and execs
// PROG; the runner ignores SIGINT/SIGQUIT, forwards SIGTERM/SIGHUP, waits, prints the same
// one-line hint (run_hint.hpp) unless --quiet, and exits with the program's status (128+N for
// a signal N). `--profile untrusted` (run_untrusted below): the plan made at build time
// (precompiled/untrusted_plan.hpp), completed at run time as the full path completes it, then
// fork_child's clone into a PID namespace and enter()'s steps one by one (each block names the
// full-path function it mirrors), the init that hands the program's wait status back through a
// shared page (init_status.hpp), the sandbox variant of the precompiled filter.
//
// Anything else, and every failure before PROG runs (not found, not executable, a step of the
// child refused, execve failed), makes it decline: sysfence_fast_run() returns and the entry
// point (fast_entry.S) jumps to the C library's _start with the process as the kernel made it,
// and the full path starts over. Nothing has run then (the child did not get past execve), so
// the full path's attempt is the first the user sees, with its own messages and exit codes.
// The untrusted profile also declines where the full path would print a note or take a branch
// the fast path does not carry out: no CAP_SYS_ADMIN (the user-namespace path), a Landlock ABI
// below the plan's (the best-effort note), a working directory that is unknown or below a
// tmpfs of the profile (enter.cpp's KeepCwd).
// tests/cli/fast_start_test.cpp runs the same cases through both paths (`run --default` is
// the full path) and compares exit status, output, and the confinement the program sees.
//
// Rules for this file (it runs before the C library exists): no C library calls, no TLS, no
// errno, no stack protector, no static constructors, no builtins turned into memset/memcpy
// calls (see src/cli/CMakeLists.txt: the flags, and a check that the object needs no symbol
// but the ones named in check_symbols.cmake).
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <linux/seccomp.h>

#include "../precompiled/untrusted_plan.hpp"
#include "../run_hint.hpp"

// Hidden: addressed directly (no GOT entry; none is needed in a static executable anyway).
#define SYSFENCE_FAST_HIDDEN __attribute__((visibility("hidden")))
extern "C" {
SYSFENCE_FAST_HIDDEN const void* sysfence_fast_default_filter(unsigned short* len);  // cmd_run.cpp
SYSFENCE_FAST_HIDDEN const void* sysfence_fast_sandbox_filter(unsigned short* len);  // cmd_run.cpp
SYSFENCE_FAST_HIDDEN long sysfence_fast_clone(unsigned long flags, void* stack_top,
                                              void (*fn)(void*), void* arg);  // fast_entry.S
SYSFENCE_FAST_HIDDEN void sysfence_fast_restorer();                           // fast_entry.S
[[noreturn]] SYSFENCE_FAST_HIDDEN void sysfence_fast_run_child(void* ctx);
SYSFENCE_FAST_HIDDEN void sysfence_fast_run(long* sp);
}

namespace {

// ---- System calls (return -errno on failure) --------------------------------------------------

inline long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
template <class P>
long ptr(P* p) {
  return reinterpret_cast<long>(p);
}

[[noreturn]] void exit_group(int code) {
  for (;;) sys(__NR_exit_group, code);
}

// ---- Constants of the kernel's ABI not in the headers above ------------------------------------

constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigUsr1 = 10, kSigUsr2 = 12, kSigPipe = 13,
              kSigTerm = 15, kSigChld = 17, kSigCont = 18, kSigWinch = 28, kSigSys = 31;
constexpr unsigned long kSaRestorer = 0x04000000, kSaRestart = 0x10000000;
constexpr long kSigDfl = 0, kSigIgn = 1;
constexpr int kSigBlock = 0, kSigSetmask = 2;
constexpr unsigned long kCloneVm = 0x100, kCloneVfork = 0x4000, kCloneNewns = 0x20000,
                        kCloneNewpid = 0x20000000, kCloneNewnet = 0x40000000;
constexpr unsigned kCloseRangeCloexec = 4;
constexpr int kEintr = 4, kEinval = 22;
constexpr unsigned long kMsNosuid = 2, kMsNodev = 4, kMsNoexec = 8, kMsRec = 16384,
                        kMsPrivate = 1ul << 18;
constexpr long kProtRw = 3, kMapSharedAnonymous = 0x01 | 0x20;
constexpr int kAfInet = 2, kSockDgram = 2, kSockCloexec = 02000000;
constexpr unsigned long kSiocgifflags = 0x8913, kSiocsifflags = 0x8914;
constexpr short kIffUp = 1;
constexpr int kCapSysAdmin = 21;
constexpr int kNrLandlockCreateRuleset = 444, kNrLandlockAddRule = 445,
              kNrLandlockRestrictSelf = 446, kNrPidfdOpen = 434;
constexpr unsigned kSIfmt = 0170000, kSIfdir = 0040000;
constexpr int kXOk = 1;
constexpr unsigned long kAtSecure = 23;

unsigned long bit(int sig) { return 1ul << (sig - 1); }

struct KernelSigaction {
  long handler;
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

// What glibc's signal() installs: SA_RESTART, the signal itself blocked in its handler.
void set_signal(int sig, long handler) {
  KernelSigaction sa{handler, kSaRestart | kSaRestorer, sysfence_fast_restorer, bit(sig)};
  sys(__NR_rt_sigaction, sig, ptr(&sa), 0, sizeof(unsigned long));
}

// ---- Strings ----------------------------------------------------------------------------------

bool eq(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
unsigned long len(const char* s) {
  unsigned long n = 0;
  while (s[n]) ++n;
  return n;
}
bool has_slash(const char* s) {
  for (; *s; ++s)
    if (*s == '/') return true;
  return false;
}

// ---- PATH lookup, as cmd_run.cpp's find_program (and execvp) -----------------------------------

// The kernel's struct stat on x86_64: st_mode at offset 24 of 144 bytes.
struct Stat {
  unsigned long dev, ino, nlink;
  unsigned mode, uid, gid, pad0;
  unsigned long rest[12];
};

bool usable(const char* p) {
  Stat st;
  if (sys(__NR_newfstatat, AT_FDCWD, ptr(p), ptr(&st), 0) != 0) return false;
  if ((st.mode & kSIfmt) == kSIfdir) return false;
  return sys(__NR_access, ptr(p), kXOk) == 0;
}

constexpr unsigned long kPathMax = 4096;

// Writes the program's path into out; false when not found (or longer than kPathMax: the full
// path deals with those).
bool find_program(const char* prog, char* const* envp, char* out) {
  if (has_slash(prog)) {
    const unsigned long n = len(prog);
    if (n >= kPathMax) return false;
    for (unsigned long i = 0; i <= n; ++i) out[i] = prog[i];
    return usable(out);
  }
  const char* path = nullptr;
  for (char* const* e = envp; *e; ++e) {
    const char* s = *e;
    if (s[0] == 'P' && s[1] == 'A' && s[2] == 'T' && s[3] == 'H' && s[4] == '=') {
      path = s + 5;
      break;
    }
  }
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  const unsigned long plen = len(prog);
  const char* start = path;
  for (;;) {
    const char* end = start;
    while (*end && *end != ':') ++end;
    unsigned long n = 0;
    if (end == start) {
      out[n++] = '.';
    } else {
      if (static_cast<unsigned long>(end - start) + plen + 2 > kPathMax) return false;
      for (const char* c = start; c != end; ++c) out[n++] = *c;
    }
    out[n++] = '/';
    if (n + plen + 1 > kPathMax) return false;
    for (unsigned long i = 0; i <= plen; ++i) out[n + i] = prog[i];
    if (usable(out)) return true;
    if (!*end) return false;
    start = end + 1;
  }
}

// /proc/sys/kernel/cap_last_cap, as the full path reads it (40 when it cannot).
int cap_last() {
  const long fd = sys(__NR_open, ptr("/proc/sys/kernel/cap_last_cap"), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 40;
  char buf[32];
  const long n = sys(__NR_read, fd, ptr(buf), sizeof buf - 1);
  sys(__NR_close, fd);
  if (n <= 0) return 40;
  long i = 0, v = 0;
  while (i < n && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t')) ++i;
  bool neg = false;
  if (i < n && (buf[i] == '-' || buf[i] == '+')) neg = buf[i++] == '-';
  if (i >= n || buf[i] < '0' || buf[i] > '9') return 40;
  while (i < n && buf[i] >= '0' && buf[i] <= '9' && v < 100000) v = v * 10 + (buf[i++] - '0');
  return static_cast<int>(neg ? -v : v);
}

// ---- Steps both children take ------------------------------------------------------------------

// enter.cpp apply_privilege() for a Spec without --cap-keep, --uid or --gid: the bounding set
// (with CAP_SETPCAP), the ambient set, then capset to nothing. False when a step was refused.
bool drop_capabilities(int cap_last) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2];
  d[0] = {0, 0, 0};
  d[1] = {0, 0, 0};
  if (sys(__NR_capget, ptr(&h), ptr(d)) != 0) return false;
  const unsigned long permitted =
      d[0].permitted | (static_cast<unsigned long>(d[1].permitted) << 32);
  if ((permitted >> CAP_SETPCAP) & 1) {
    for (int cap = 0; cap <= cap_last; ++cap) {
      const long r = sys(__NR_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
      if (r != 0 && r != -kEinval) return false;
    }
  }
  const long amb = sys(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (amb != 0 && amb != -kEinval) return false;
  __user_cap_data_struct none[2];
  none[0] = {0, 0, 0};
  none[1] = {0, 0, 0};
  h = {_LINUX_CAPABILITY_VERSION_3, 0};
  return sys(__NR_capset, ptr(&h), ptr(none)) == 0;
}

// loader::install_filters for one filter without flags: each action the filter returns, once
// (loader's returned_actions), is available; then the filter. False when refused.
bool install_filter(const sock_filter* filter, unsigned short filter_len) {
  unsigned seen[16];
  unsigned n_seen = 0;
  for (unsigned i = 0; i < filter_len; ++i) {
    const sock_filter& in = filter[i];
    if (in.code != (BPF_RET | BPF_K)) continue;
    unsigned action = in.k & SECCOMP_RET_ACTION_FULL;
    bool known = false;
    for (unsigned j = 0; j < n_seen; ++j) known |= seen[j] == action;
    if (known) continue;
    if (n_seen < 16) seen[n_seen++] = action;
    if (sys(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, ptr(&action)) != 0) return false;
  }
  const sock_fprog prog{filter_len, const_cast<sock_filter*>(filter)};
  return sys(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, ptr(&prog)) == 0;
}

// What a child ends with: the program, its filter, the capabilities to drop.
struct Program {
  const char* path;
  char* const* argv;
  char* const* envp;
  const sock_filter* filter;
  unsigned short filter_len;
  int cap_last;
};

// The end of enter.cpp enter() (apply_privilege, the parent check, mark_descriptors) and of
// spawn.cpp child_main (NO_NEW_PRIVS, not dumpable, loader::install_filters, execve), for both
// children. Returns only when a step failed (the caller reports it); exits when `parent` is no
// longer the parent.
void drop_install_exec(const Program& p, long parent) {
  if (!drop_capabilities(p.cap_last)) return;
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) return;
  if (sys(__NR_getppid) != parent) exit_group(1);
  if (sys(__NR_close_range, 3, ~0u, kCloseRangeCloexec) != 0) return;
  if (sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return;
  if (sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return;
  if (!install_filter(p.filter, p.filter_len)) return;
  sys(__NR_execve, ptr(p.path), ptr(p.argv), ptr(p.envp));
}

// ---- The child of plain `run` (a vfork child) --------------------------------------------------

struct Ctx {
  Program program;
  long runner;
  unsigned long before;  // the signal mask before the runner blocked the forwarded ones
  volatile int failed;   // set by the child (shared memory) when it stops before execve
};

}  // namespace

extern "C" [[noreturn]] void sysfence_fast_run_child(void* p) {
  Ctx& c = *static_cast<Ctx*>(p);
  auto fail = [&c]() {
    c.failed = 1;
    exit_group(1);
  };
  // spawn.cpp child_main
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  const int reset[] = {kSigInt, kSigQuit, kSigTerm, kSigHup, kSigPipe};
  for (int s : reset) set_signal(s, kSigDfl);
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
  // enter.cpp enter(), for a plan without layers
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  if (sys(__NR_getppid) != c.runner) exit_group(1);
  const struct rlimit64 core { 0, 0 };
  if (sys(__NR_prlimit64, 0, RLIMIT_CORE, ptr(&core), 0) != 0) fail();
  if (sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail();
  drop_install_exec(c.program, c.runner);
  fail();
  exit_group(1);
}

namespace {

// ---- The runner: signals, waiting, the hint, the exit status -----------------------------------

volatile long g_child = 0;
void forward_signal(int sig) {
  if (g_child > 0) sys(__NR_kill, g_child, sig);
}

void write_all(const char* s, unsigned long n) {
  while (n > 0) {
    const long w = sys(__NR_write, 2, ptr(s), static_cast<long>(n));
    if (w == -kEintr) continue;
    if (w <= 0) return;
    s += w;
    n -= static_cast<unsigned long>(w);
  }
}
void write_str(const char* s) { write_all(s, len(s)); }

// cmd_run.cpp hint_after_run (without --quiet).
void hint_after_run(const char* prog, int status) {
  using namespace sysfence::cli::run_hint;
  const int sig = status & 0x7f;
  if (sig != 0 && sig != 0x7f) {
    if (sig != kSigSys) return;
    write_str(kPrefix);
    write_str(prog);
    write_str(kSigsys);
    return;
  }
  if (sig != 0) return;
  const int code = (status >> 8) & 0xff;
  if (code == 0) return;
  char digits[4];
  int n = 0;
  for (int v = code; v > 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
  char num[4];
  for (int i = 0; i < n; ++i) num[i] = digits[n - 1 - i];
  num[n] = 0;
  write_str(kPrefix);
  write_str(prog);
  write_str(kExited);
  write_str(num);
  write_str(kExitedTail);
}

// cmd_run.cpp after spawn(): SIGINT/SIGQUIT ignored (the terminal sends them to the child too),
// SIGTERM/SIGHUP forwarded to the child, then the mask from before. `old` keeps the runner's
// own actions for a decline.
constexpr int kRunnerSignals[] = {kSigInt, kSigQuit, kSigTerm, kSigHup};
void runner_signals(long child, unsigned long before, KernelSigaction* old) {
  g_child = child;
  const long handlers[] = {kSigIgn, kSigIgn, reinterpret_cast<long>(forward_signal),
                           reinterpret_cast<long>(forward_signal)};
  for (int i = 0; i < 4; ++i) {
    const int sig = kRunnerSignals[i];
    KernelSigaction sa{handlers[i], kSaRestart | kSaRestorer, sysfence_fast_restorer, bit(sig)};
    sys(__NR_rt_sigaction, sig, ptr(&sa), old ? ptr(&old[i]) : 0, sizeof(unsigned long));
  }
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&before), 0, sizeof(unsigned long));
}

// Spawned::wait(): waitpid, EINTR retried; 0 on another error.
int wait_for(long pid) {
  int status = 0;
  for (;;) {
    const long r = sys(__NR_wait4, pid, ptr(&status), 0, 0);
    if (r >= 0) return status;
    if (r != -kEintr) return 0;
  }
}

// cmd_run.cpp's end: the hint unless --quiet, then exit_status_of().
[[noreturn]] void finish(const char* prog, int status, bool quiet) {
  if (!quiet) hint_after_run(prog, status);
  const int sig = status & 0x7f;
  int code = 1;
  if (sig == 0) {
    code = (status >> 8) & 0xff;
  } else if (sig != 0x7f) {
    code = 128 + sig;
  }
  exit_group(code);
}

// ---- Plain `run` ---------------------------------------------------------------------------------

// Returns only when it declines.
void run_default(char** command, char** envp, bool quiet) {
  unsigned short filter_len = 0;
  const void* filter = sysfence_fast_default_filter(&filter_len);
  if (!filter || filter_len == 0) return;

  char path[kPathMax];
  if (!find_program(command[0], envp, path)) return;

  Ctx c{{path, command, envp, static_cast<const sock_filter*>(filter), filter_len, cap_last()},
        0,
        0,
        0};
  const unsigned long forwarded = bit(kSigInt) | bit(kSigQuit) | bit(kSigTerm) | bit(kSigHup);
  sys(__NR_rt_sigprocmask, kSigBlock, ptr(&forwarded), ptr(&c.before), sizeof(unsigned long));
  c.runner = sys(__NR_getpid);
  alignas(16) char stack[16384];
  const long pid = sysfence_fast_clone(kCloneVm | kCloneVfork | kSigChld, stack + sizeof stack,
                                       sysfence_fast_run_child, &c);
  if (pid < 0 || c.failed) {
    // Nothing ran: the full path starts over (and says why).
    int st = 0;
    if (pid > 0) {
      while (sys(__NR_wait4, pid, ptr(&st), 0, 0) == -kEintr) {}
    }
    sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
    return;
  }
  runner_signals(pid, c.before, nullptr);
  finish(command[0], wait_for(pid), quiet);
}

// ---- `run --profile untrusted` -------------------------------------------------------------------

// spawn.cpp's Spawned::Shared, the part this path needs: the child's failure before execve, and
// the program's own wait status stored by its init (init_status.hpp; -1 until then).
struct SharedPage {
  int failed;
  int program_status;
};

constexpr unsigned kMaxRules = 64;

struct SandboxCtx {
  const SysfenceFastProfilePlan* plan;
  Program program;
  long runner_pidfd;  // fork_child's pidfd of the runner (-1: PDEATHSIG alone)
  unsigned long before;
  SharedPage* shared;
  unsigned long long handled_fs;
  const char* cwd;   // the runner's working directory
  unsigned n_rules;  // the plan's rules whose path exists (statements.cpp skip_missing_paths)
  const char* rule_path[kMaxRules];
  unsigned long long rule_access[kMaxRules];  // masked to handled_fs (plan.cpp prepare)
};

// enter.cpp kForwarded: what the init forwards to the program.
constexpr int kInitForwarded[] = {kSigTerm, kSigHup,  kSigInt,  kSigQuit,
                                  kSigUsr1, kSigUsr2, kSigCont, kSigWinch};

volatile long g_forward_to = 0;
void forward_to_program(int sig) {
  if (g_forward_to > 0) sys(__NR_kill, g_forward_to, sig);
}

// enter.cpp be_init(): PID 1 of the new namespace reaps every orphan, forwards signals to the
// program, leaves the program's wait status in the shared page and exits with its status
// (128+N when it was killed: PID 1 cannot kill itself with a signal).
[[noreturn]] void be_init(long program, SharedPage* shared, unsigned long program_mask) {
  sys(__NR_close_range, 3, ~0u, 0);
  g_forward_to = program;  // forward_signals_to(): sigaction, no flags, nothing blocked
  for (int sig : kInitForwarded) {
    KernelSigaction sa{reinterpret_cast<long>(forward_to_program), kSaRestorer,
                       sysfence_fast_restorer, 0};
    sys(__NR_rt_sigaction, sig, ptr(&sa), 0, sizeof(unsigned long));
  }
  // release_held_signals(): what came in before the handlers is forwarded now
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&program_mask), 0, sizeof(unsigned long));
  for (;;) {
    int st = 0;
    const long r = sys(__NR_wait4, -1, ptr(&st), 0, 0);
    if (r < 0) {
      if (r == -kEintr) continue;
      exit_group(1);
    }
    if (r == program) {
      __atomic_store_n(&shared->program_status, st, __ATOMIC_RELEASE);
      const int sig = st & 0x7f;
      exit_group(sig == 0 ? (st >> 8) & 0xff : 128 + sig);
    }
  }
}

bool is_sticky_tmpfs(const char* t) {  // do_mounts(): these get mode 1777
  return eq(t, "/tmp") || eq(t, "/var/tmp") || eq(t, "/dev/shm");
}

// enter.cpp do_mounts() for tmpfs mounts only (the plan has no binds), and the fresh /proc.
// `cwd` is the runner's working directory (never below a tmpfs: run_untrusted declines then).
bool do_mounts(const SysfenceFastProfilePlan& plan, const char* cwd) {
  if (sys(__NR_mount, 0, ptr("/"), 0, kMsRec | kMsPrivate, 0) != 0) return false;
  bool covered = false;  // covered_working_directory(): a tmpfs on the working directory itself
  for (unsigned i = 0; i < plan.n_tmpfs; ++i) {
    const char* dst = plan.tmpfs[i];
    covered |= eq(cwd, dst);
    const char* mode = is_sticky_tmpfs(dst) ? "mode=1777" : "mode=0755";
    if (sys(__NR_mount, ptr("tmpfs"), ptr(dst), ptr("tmpfs"), kMsNosuid | kMsNodev, ptr(mode)) != 0)
      return false;
  }
  if (covered && sys(__NR_chdir, ptr(cwd)) != 0) return false;
  if (plan.unshare & kCloneNewpid) {
    if (sys(__NR_mount, ptr("proc"), ptr("/proc"), ptr("proc"), kMsNosuid | kMsNodev | kMsNoexec,
            0) != 0)
      return false;
  }
  return true;
}

// enter.cpp loopback_up(): struct ifreq is the name (16 bytes) and a union whose first member
// is the flags.
struct IfReq {
  char name[16];
  short flags;
  char rest[22];
};
bool loopback_up() {
  const long sock = sys(__NR_socket, kAfInet, kSockDgram | kSockCloexec, 0);
  if (sock < 0) return false;
  IfReq r;
  for (char& ch : r.name) ch = 0;
  r.name[0] = 'l';
  r.name[1] = 'o';
  r.flags = 0;
  for (char& ch : r.rest) ch = 0;
  bool ok = sys(__NR_ioctl, sock, kSiocgifflags, ptr(&r)) == 0;
  if (ok) {
    r.flags = static_cast<short>(r.flags | kIffUp);
    ok = sys(__NR_ioctl, sock, kSiocsifflags, ptr(&r)) == 0;
  }
  sys(__NR_close, sock);
  return ok;
}

// enter.cpp apply_landlock() (no TCP rules: the plan has none).
struct RulesetAttr {
  unsigned long long handled_access_fs, handled_access_net, scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  unsigned long long allowed_access;
  int parent_fd;
};
bool apply_landlock(const SandboxCtx& c) {
  const RulesetAttr attr{c.handled_fs, 0, c.plan->scoped};
  const long ruleset = sys(kNrLandlockCreateRuleset, ptr(&attr), sizeof attr, 0);
  if (ruleset < 0) return false;
  bool ok = true;
  for (unsigned i = 0; i < c.n_rules && ok; ++i) {
    const long fd = sys(__NR_open, ptr(c.rule_path[i]), O_PATH | O_CLOEXEC);
    if (fd < 0) {
      ok = false;
      break;
    }
    Stat st;
    PathBeneathAttr pb{c.rule_access[i], static_cast<int>(fd)};
    if (sys(__NR_fstat, fd, ptr(&st)) != 0) {
      ok = false;
    } else {
      if ((st.mode & kSIfmt) != kSIfdir) pb.allowed_access &= c.plan->file_only_access;
      if (pb.allowed_access != 0)
        ok = sys(kNrLandlockAddRule, ruleset, 1 /* PATH_BENEATH */, ptr(&pb), 0) == 0;
    }
    sys(__NR_close, fd);
  }
  if (ok) ok = sys(kNrLandlockRestrictSelf, ruleset, 0) == 0;
  sys(__NR_close, ruleset);
  return ok;
}

// The child fork_child() cloned into the new PID namespace: spawn.cpp child_main() and
// enter.cpp enter() for the plan, as PID 1 until it forks the program and becomes its init.
[[noreturn]] void sandbox_child(void* p) {
  SandboxCtx& c = *static_cast<SandboxCtx*>(p);
  const SysfenceFastProfilePlan& plan = *c.plan;
  auto fail = [&c]() {  // spawn.cpp child_fail(): nothing ran
    __atomic_store_n(&c.shared->failed, 1, __ATOMIC_RELEASE);
    exit_group(1);
  };
  // spawn.cpp child_main; the signals the init forwards wait, blocked, until its handlers are
  // in (init_status.hpp hold_init_signals)
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  const int reset[] = {kSigInt, kSigQuit, kSigTerm, kSigHup, kSigPipe};
  for (int s : reset) set_signal(s, kSigDfl);
  unsigned long held = c.before;
  for (int s : kInitForwarded) held |= bit(s);
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&held), 0, sizeof(unsigned long));
  // enter.cpp enter(): the runner is outside the namespace, its pidfd says whether it is alive
  // (parent_alive)
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  if (c.runner_pidfd >= 0) {
    struct {
      int fd;
      short events, revents;
    } pfd{static_cast<int>(c.runner_pidfd), 1 /* POLLIN */, 0};
    if (sys(__NR_poll, ptr(&pfd), 1, 0) != 0) exit_group(1);
  }
  // the namespaces clone did not make
  const unsigned long rest = plan.unshare & ~kCloneNewpid;
  if (rest != 0 && sys(__NR_unshare, static_cast<long>(rest)) != 0) fail();
  // PID 1 becomes init, the program is its child
  if (c.runner_pidfd >= 0) sys(__NR_close, c.runner_pidfd);
  const long program = sys(__NR_clone, kSigChld, 0, 0, 0, 0);
  if (program < 0) fail();
  if (program > 0) be_init(program, c.shared, c.before);
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  if (sys(__NR_getppid) != 1) exit_group(1);
  for (int s : kInitForwarded) set_signal(s, kSigDfl);
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
  if ((plan.unshare & kCloneNewns) && !do_mounts(plan, c.cwd)) fail();
  if ((plan.unshare & kCloneNewnet) && !loopback_up()) fail();
  // the rlimits: core 0 (the plan's only one)
  const struct rlimit64 core { 0, 0 };
  if (sys(__NR_prlimit64, 0, RLIMIT_CORE, ptr(&core), 0) != 0) fail();
  // NO_NEW_PRIVS before Landlock
  if (sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail();
  if (!apply_landlock(c)) fail();
  drop_install_exec(c.program, 1);
  fail();
  exit_group(1);
}

// enter.cpp strictly_below(): is `path` strictly below `dir` (both absolute, as given)?
bool strictly_below(const char* path, const char* dir) {
  unsigned long dn = len(dir);
  while (dn > 1 && dir[dn - 1] == '/') --dn;
  const unsigned long pn = len(path);
  if (dn == 1 && dir[0] == '/') return pn > 1;
  if (pn <= dn + 1) return false;
  for (unsigned long i = 0; i < dn; ++i)
    if (path[i] != dir[i]) return false;
  return path[dn] == '/';
}

// Returns only when it declines.
void run_untrusted(char** command, char** envp, bool quiet) {
  const SysfenceFastProfilePlan& plan = sysfence_fast_untrusted_plan;
  SandboxCtx c;
  c.plan = &plan;
  // sandbox_options.cpp sandbox_spec_or_exit(): $CWD is the runner's working directory (unknown:
  // the full path stops with an error).
  char cwd[kPathMax];
  const long cwd_len = sys(__NR_getcwd, ptr(cwd), kPathMax);
  if (cwd_len <= 1 || cwd[0] != '/') return;
  c.cwd = cwd;
  // statements.cpp: a profile's path this machine lacks is left out.
  if (plan.n_rules > kMaxRules) return;
  c.n_rules = 0;
  for (unsigned i = 0; i < plan.n_rules; ++i) {
    const char* path = plan.rules[i].path ? plan.rules[i].path : cwd;
    Stat st;
    if (sys(__NR_newfstatat, AT_FDCWD, ptr(path), ptr(&st), 0) != 0) continue;
    c.rule_path[c.n_rules] = path;
    c.rule_access[c.n_rules++] = plan.rules[i].access;
  }
  // plan.cpp probe_kernel_for() and prepare(): the plan holds as precompiled for a caller with
  // CAP_SYS_ADMIN and a Landlock ABI the table knows, from the one that needs no note.
  const long abi = sys(kNrLandlockCreateRuleset, 0, 0, 1 /* VERSION */);
  if (abi < plan.min_landlock_abi || abi > plan.max_landlock_abi) return;
  c.handled_fs = plan.handled_fs[abi - plan.min_landlock_abi];
  for (unsigned i = 0; i < c.n_rules; ++i) c.rule_access[i] &= c.handled_fs;
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2];
  d[0] = {0, 0, 0};
  d[1] = {0, 0, 0};
  if (sys(__NR_capget, ptr(&h), ptr(d)) != 0 || !((d[0].effective >> kCapSysAdmin) & 1)) return;
  c.program.cap_last = cap_last();
  // enter.cpp do_mounts(): a tmpfs that would hide the working directory takes KeepCwd.
  for (unsigned i = 0; i < plan.n_tmpfs; ++i)
    if (strictly_below(cwd, plan.tmpfs[i])) return;

  unsigned short filter_len = 0;
  const void* filter = sysfence_fast_sandbox_filter(&filter_len);
  if (!filter || filter_len == 0) return;
  c.program.filter = static_cast<const sock_filter*>(filter);
  c.program.filter_len = filter_len;

  char path[kPathMax];
  if (!find_program(command[0], envp, path)) return;
  c.program.path = path;
  c.program.argv = command;
  c.program.envp = envp;

  // cmd_run.cpp, then spawn.cpp spawn() and enter.cpp fork_child().
  const unsigned long forwarded = bit(kSigInt) | bit(kSigQuit) | bit(kSigTerm) | bit(kSigHup);
  sys(__NR_rt_sigprocmask, kSigBlock, ptr(&forwarded), ptr(&c.before), sizeof(unsigned long));
  const long page = sys(__NR_mmap, 0, 4096, kProtRw, kMapSharedAnonymous, -1, 0);
  if (page < 0 && page > -4096) {
    sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
    return;
  }
  c.shared = reinterpret_cast<SharedPage*>(page);
  c.shared->failed = 0;
  c.shared->program_status = -1;
  c.runner_pidfd = sys(kNrPidfdOpen, sys(__NR_getpid), 0);
  if (c.runner_pidfd < 0) c.runner_pidfd = -1;
  alignas(16) char stack[32768];
  const long pid =
      sysfence_fast_clone(kSigChld | kCloneNewpid, stack + sizeof stack, sandbox_child, &c);
  if (c.runner_pidfd >= 0) sys(__NR_close, c.runner_pidfd);
  auto decline = [&]() {
    sys(__NR_munmap, page, 4096);
    sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
  };
  if (pid < 0) return decline();
  KernelSigaction old[4];
  runner_signals(pid, c.before, old);
  const int init_status = wait_for(pid);
  // Spawned::set_status(): the program's own status when its init left it.
  const int program = __atomic_load_n(&c.shared->program_status, __ATOMIC_ACQUIRE);
  const int status = program >= 0 ? program : init_status;
  if (__atomic_load_n(&c.shared->failed, __ATOMIC_ACQUIRE) != 0) {
    // Nothing ran: the runner's own signal actions back, and the full path starts over.
    sys(__NR_rt_sigprocmask, kSigBlock, ptr(&forwarded), 0, sizeof(unsigned long));
    g_child = 0;
    for (int i = 0; i < 4; ++i)
      sys(__NR_rt_sigaction, kRunnerSignals[i], ptr(&old[i]), 0, sizeof(unsigned long));
    return decline();
  }
  finish(command[0], status, quiet);
}

}  // namespace

extern "C" __attribute__((noinline)) void sysfence_fast_run(long* sp) {
  const long argc = sp[0];
  char** argv = reinterpret_cast<char**>(sp + 1);
  char** envp = argv + argc + 1;
  // The shape: sysfence run [-q|--quiet] [--profile untrusted|--profile=untrusted] [--] PROG
  // [ARGS...], the two options in either order, each at most once; without "--", no word from
  // PROG on may start with '-' (the full path's parser would take it for an option; main.cpp
  // takes everything after a "--" anywhere as the program's).
  if (argc < 3 || !eq(argv[1], "run")) return;
  // A set-user-ID or file-capability start (AT_SECURE): the C library then drops unsafe variables
  // (LD_PRELOAD, ...) from the environment the full path passes on; the fast path does not.
  char** e = envp;
  while (*e) ++e;
  for (const unsigned long* aux = reinterpret_cast<const unsigned long*>(e + 1); aux[0] != 0;
       aux += 2) {
    if (aux[0] == kAtSecure && aux[1] != 0) return;
  }
  long at = 2;
  bool quiet = false, untrusted = false;
  while (at < argc) {
    const char* a = argv[at];
    if (!quiet && (eq(a, "-q") || eq(a, "--quiet"))) {
      quiet = true;
      ++at;
    } else if (!untrusted && eq(a, "--profile=untrusted")) {
      untrusted = true;
      ++at;
    } else if (!untrusted && eq(a, "--profile") && at + 1 < argc && eq(argv[at + 1], "untrusted")) {
      untrusted = true;
      at += 2;
    } else {
      break;
    }
  }
  if (at >= argc) return;
  if (eq(argv[at], "--")) {
    ++at;
  } else {
    for (long i = at; i < argc; ++i)
      if (argv[i][0] == '-') return;
  }
  if (at >= argc) return;
  char** command = argv + at;
  if (!command[0][0]) return;
  if (untrusted) {
    run_untrusted(command, envp, quiet);
  } else {
    run_default(command, envp, quiet);
  }
}
