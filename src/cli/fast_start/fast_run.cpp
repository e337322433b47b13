// src/cli/fast_start/fast_run.cpp — the start-up fast path of the static `sysfence` executable
// (x86_64): `sysfence run [-q|--quiet] [--] PROG [ARGS...]` with the embedded default policy,
// carried out before the C library is set up. The C library's start (CPU-feature and cache
// probing through cpuid, which traps in a VM; TLS; IRELATIVE relocations; stdio and locale; the
// C++ runtime) costs more than everything `run` itself does; the fast path skips it.
//
// What it does is exactly what the full path (cmd_run.cpp -> sandbox::spawn -> sandbox::enter
// -> loader::install_filters) does for that command, system call for system call where it
// matters: find PROG on PATH as execvp would; read cap_last_cap; block the signals the runner
// forwards; start a vfork child (clone(CLONE_VM | CLONE_VFORK) on a stack of its own) that sets
// PR_SET_PDEATHSIG, resets those signals and the mask, checks the runner is its parent, sets
// RLIMIT_CORE 0, NO_NEW_PRIVS, drops every capability (the bounding set when it holds
// CAP_SETPCAP, the ambient set, then capset to nothing), sets PR_SET_PDEATHSIG again, marks the
// descriptors above 2 close-on-exec, NO_NEW_PRIVS, PR_SET_DUMPABLE 0, checks every action of the
// filter with SECCOMP_GET_ACTION_AVAIL, installs the precompiled default filter and execs
// PROG; the runner ignores SIGINT/SIGQUIT, forwards SIGTERM/SIGHUP, waits, prints the same
// one-line hint (run_hint.hpp) unless --quiet, and exits with the program's status (128+N for
// a signal N).
//
// Anything else, and every failure before PROG runs (not found, not executable, a step of the
// child refused, execve failed), makes it decline: sysfence_fast_run() returns and the entry
// point (fast_entry.S) jumps to the C library's _start with the process as the kernel made it,
// and the full path starts over. Nothing has run then (the child did not get past execve), so
// the full path's attempt is the first the user sees, with its own messages and exit codes.
// tests/cli/fast_start_test.cpp runs the same cases through both paths (`run --default` is
// the full path) and compares exit status, output, and the confinement the program sees.
//
// Rules for this file (it runs before the C library exists): no C library calls, no TLS, no
// errno, no stack protector, no static constructors, no builtins turned into memset/memcpy
// calls (see src/cli/CMakeLists.txt: the flags, and a check that the object needs no symbol
// but the three below).
#include <asm/unistd.h>
#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <linux/seccomp.h>

#include "../run_hint.hpp"

// Hidden: addressed directly (no GOT entry; none is needed in a static executable anyway).
#define SYSFENCE_FAST_HIDDEN __attribute__((visibility("hidden")))
extern "C" {
SYSFENCE_FAST_HIDDEN const void* sysfence_fast_default_filter(unsigned short* len);  // cmd_run.cpp
SYSFENCE_FAST_HIDDEN long sysfence_fast_clone(unsigned long flags, void* stack_top,
                                              void (*fn)(void*), void* arg);  // fast_entry.S
SYSFENCE_FAST_HIDDEN void sysfence_fast_restorer();                           // fast_entry.S
[[noreturn]] SYSFENCE_FAST_HIDDEN void sysfence_fast_run_child(void* ctx);
SYSFENCE_FAST_HIDDEN void sysfence_fast_run(long* sp);
}

namespace {

// ---- System calls (return -errno on failure) --------------------------------------------------

inline long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
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

constexpr int kSigHup = 1, kSigInt = 2, kSigQuit = 3, kSigPipe = 13, kSigTerm = 15, kSigSys = 31;
constexpr unsigned long kSaRestorer = 0x04000000, kSaRestart = 0x10000000;
constexpr long kSigDfl = 0, kSigIgn = 1;
constexpr int kSigBlock = 0, kSigSetmask = 2;
constexpr unsigned long kCloneVm = 0x100, kCloneVfork = 0x4000;
constexpr unsigned kCloseRangeCloexec = 4;
constexpr int kEintr = 4, kEinval = 22;
constexpr unsigned kSIfmt = 0170000, kSIfdir = 0040000;
constexpr int kXOk = 1;

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

// ---- The child -----------------------------------------------------------------------------------

struct Ctx {
  const char* path;
  char* const* argv;
  char* const* envp;
  const sock_filter* filter;
  unsigned short filter_len;
  int cap_last;
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
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2];
  d[0] = {0, 0, 0};
  d[1] = {0, 0, 0};
  if (sys(__NR_capget, ptr(&h), ptr(d)) != 0) fail();
  const unsigned long permitted =
      d[0].permitted | (static_cast<unsigned long>(d[1].permitted) << 32);
  if ((permitted >> CAP_SETPCAP) & 1) {
    for (int cap = 0; cap <= c.cap_last; ++cap) {
      const long r = sys(__NR_prctl, PR_CAPBSET_DROP, cap, 0, 0, 0);
      if (r != 0 && r != -kEinval) fail();
    }
  }
  const long amb = sys(__NR_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (amb != 0 && amb != -kEinval) fail();
  __user_cap_data_struct none[2];
  none[0] = {0, 0, 0};
  none[1] = {0, 0, 0};
  h = {_LINUX_CAPABILITY_VERSION_3, 0};
  if (sys(__NR_capset, ptr(&h), ptr(none)) != 0) fail();
  if (sys(__NR_prctl, PR_SET_PDEATHSIG, 9) != 0) fail();
  if (sys(__NR_getppid) != c.runner) exit_group(1);
  if (sys(__NR_close_range, 3, ~0u, kCloseRangeCloexec) != 0) fail();
  // spawn.cpp child_main, then loader::install_filters
  if (sys(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail();
  if (sys(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail();
  // Each action the filter returns, once (loader's returned_actions), is available.
  unsigned seen[16];
  unsigned n_seen = 0;
  for (unsigned i = 0; i < c.filter_len; ++i) {
    const sock_filter& in = c.filter[i];
    if (in.code != (BPF_RET | BPF_K)) continue;
    unsigned action = in.k & SECCOMP_RET_ACTION_FULL;
    bool known = false;
    for (unsigned j = 0; j < n_seen; ++j) known |= seen[j] == action;
    if (known) continue;
    if (n_seen < 16) seen[n_seen++] = action;
    if (sys(__NR_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, ptr(&action)) != 0) fail();
  }
  const sock_fprog prog{c.filter_len, const_cast<sock_filter*>(c.filter)};
  if (sys(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, ptr(&prog)) != 0) fail();
  sys(__NR_execve, ptr(c.path), ptr(c.argv), ptr(c.envp));
  fail();
  exit_group(1);
}

namespace {

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

}  // namespace

extern "C" __attribute__((noinline)) void sysfence_fast_run(long* sp) {
  const long argc = sp[0];
  char** argv = reinterpret_cast<char**>(sp + 1);
  char** envp = argv + argc + 1;
  // The shape: sysfence run [-q|--quiet] [--] PROG [ARGS...]; without "--", no word from PROG
  // on may start with '-' (the full path's parser would take it for an option; main.cpp takes
  // everything after a "--" anywhere as the program's).
  if (argc < 3 || !eq(argv[1], "run")) return;
  long at = 2;
  bool quiet = false;
  if (eq(argv[at], "-q") || eq(argv[at], "--quiet")) {
    quiet = true;
    ++at;
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

  unsigned short filter_len = 0;
  const void* filter = sysfence_fast_default_filter(&filter_len);
  if (!filter || filter_len == 0) return;

  char path[kPathMax];
  if (!find_program(command[0], envp, path)) return;

  Ctx c{path, command, envp, static_cast<const sock_filter*>(filter), filter_len, cap_last(),
        0,    0,       0};
  const unsigned long forwarded = bit(kSigInt) | bit(kSigQuit) | bit(kSigTerm) | bit(kSigHup);
  sys(__NR_rt_sigprocmask, kSigBlock, ptr(&forwarded), ptr(&c.before), sizeof(unsigned long));
  c.runner = sys(__NR_getpid);
  alignas(16) char stack[16384];
  const long pid = sysfence_fast_clone(kCloneVm | kCloneVfork | 17 /* SIGCHLD */,
                                       stack + sizeof stack, sysfence_fast_run_child, &c);
  if (pid < 0 || c.failed) {
    // Nothing ran: the full path starts over (and says why).
    int st = 0;
    if (pid > 0) {
      while (sys(__NR_wait4, pid, ptr(&st), 0, 0) == -kEintr) {}
    }
    sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));
    return;
  }
  g_child = pid;
  set_signal(kSigInt, kSigIgn);  // the terminal sends them to the child too
  set_signal(kSigQuit, kSigIgn);
  set_signal(kSigTerm, reinterpret_cast<long>(forward_signal));
  set_signal(kSigHup, reinterpret_cast<long>(forward_signal));
  sys(__NR_rt_sigprocmask, kSigSetmask, ptr(&c.before), 0, sizeof(unsigned long));

  int status = 0;
  for (;;) {
    const long r = sys(__NR_wait4, pid, ptr(&status), 0, 0);
    if (r >= 0) break;
    if (r != -kEintr) {
      status = 0;
      break;
    }
  }
  if (!quiet) hint_after_run(command[0], status);
  const int sig = status & 0x7f;
  int code = 1;
  if (sig == 0) {
    code = (status >> 8) & 0xff;
  } else if (sig != 0x7f) {
    code = 128 + sig;
  }
  exit_group(code);
}
