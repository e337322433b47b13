#include "bpf/live_kernel.hpp"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf::testing {
namespace {

#if defined(__x86_64__)
// One syscall instruction for every live call, so instruction_pointer is one known value.
__attribute__((noinline)) long raw_syscall6(long nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                            uint64_t a3, uint64_t a4, uint64_t a5) {
  long ret;
  register uint64_t r10 asm("r10") = a3;
  register uint64_t r8 asm("r8") = a4;
  register uint64_t r9 asm("r9") = a5;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

// One `int 0x80` instruction for every i386 call. Arguments go in ebx, ecx, edx, esi, edi, ebp
// (ebp set around the instruction, since it cannot be an asm operand); r8-r11 are declared
// clobbered because kernels before 4.17 did not preserve them across int 0x80.
// Zero-extended to the whole register: seccomp reads all 64 bits of the registers of an
// int 0x80 call made from 64-bit code, and a 32-bit operand would leave the upper half to chance.
uint64_t low32(uint64_t v) { return v & 0xffffffffULL; }

__attribute__((noinline)) long raw_int80(long nr, uint64_t a0, uint64_t a1, uint64_t a2,
                                         uint64_t a3, uint64_t a4, uint64_t a5) {
  uint32_t eax = static_cast<uint32_t>(nr);
  register uint64_t r12 asm("r12") = low32(a5);
  asm volatile(
      "push %%rbp\n\t"
      "mov %%r12d, %%ebp\n\t"
      "int $0x80\n\t"
      "pop %%rbp"
      : "+a"(eax)
      : "b"(low32(a0)), "c"(low32(a1)), "d"(low32(a2)), "S"(low32(a3)), "D"(low32(a4)), "r"(r12)
      : "r8", "r9", "r10", "r11", "memory", "cc");
  return static_cast<long>(static_cast<int32_t>(eax));  // i386 returns a 32-bit value
}
#endif

long raw_call(const LiveCall& c) {
#if defined(__x86_64__)
  if (c.int80)
    return raw_int80(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]);
  return raw_syscall6(c.nr, c.args[0], c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]);
#else
  (void)c;
  return -ENOSYS;
#endif
}

// Memory shared between the test process and its children; only plain stores after the filter
// is installed (no syscalls), so the child can report whatever the filter does to it.
struct Shared {
  volatile int load_errno[64];
  volatile int load_finished;
  volatile int installing;  // index of the filter being installed
  volatile size_t current;  // index of the call in progress
  volatile int all_done;
  LiveObservation obs[1];  // really `count` entries
};

Shared* g_shared = nullptr;
// __builtin_setjmp/longjmp, not siglongjmp: sanitizer runtimes intercept siglongjmp and make
// syscalls there (sigaltstack), which a filter that traps everything would trap again.
void* g_trap_return[5];

// Not instrumented: AddressSanitizer puts a call to __asan_handle_no_return (which makes a
// sigaltstack syscall) before every noreturn call such as __builtin_longjmp.
__attribute__((no_sanitize_address)) void on_sigsys(int, siginfo_t* info, void*) {
  LiveObservation& o = g_shared->obs[g_shared->current];
  o.kind = LiveObservation::Kind::kTrapped;
  o.trap_errno = info->si_errno;
  o.trap_syscall = info->si_syscall;
  o.trap_arch = info->si_arch;
  o.trap_ip = reinterpret_cast<uint64_t>(info->si_call_addr);
  __builtin_longjmp(g_trap_return, 1);  // no syscall on the way back (no sigreturn either)
}

constexpr int kExitAllDone = 42;
constexpr int kExitWorkerGone = 43;

struct WorkerArgs {
  std::span<const Program> filters;
  std::span<const LiveCall> calls;
  size_t first;
};

// The filters installed before a newer one see the seccomp(2) call that installs it: make that
// call always the same (same instruction, same arguments) so tests can check it is allowed.
sock_fprog g_install_fprog;

int install(const Program& p) {
  g_install_fprog.len = static_cast<unsigned short>(p.size());
  g_install_fprog.filter = reinterpret_cast<sock_filter*>(const_cast<Insn*>(p.data()));
  const LiveCall call = install_call();
  const long r = raw_call(call);
  return r < 0 ? static_cast<int>(-r) : 0;
}

// Separate frame for __builtin_setjmp: a trap lands back here and the call counts as trapped.
__attribute__((noinline, no_sanitize_address)) void perform_call(const LiveCall& call,
                                                                 LiveObservation& obs) {
  if (__builtin_setjmp(g_trap_return) == 0) {
    obs.ret = raw_call(call);
    obs.kind = LiveObservation::Kind::kReturned;
  }
}

void* worker_main(void* raw) {
  auto* w = static_cast<WorkerArgs*>(raw);
  umask(022);
  for (size_t i = w->first; i < w->calls.size(); ++i) {
    g_shared->obs[i].natural = raw_call(w->calls[i]);
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    g_shared->load_errno[0] = errno;
    return nullptr;
  }
  for (size_t f = 0; f < w->filters.size(); ++f) {
    g_shared->installing = static_cast<int>(f);
    const int err = install(w->filters[f]);
    g_shared->load_errno[f] = err;
    if (err != 0) return nullptr;
  }
  g_shared->load_finished = 1;
  // From here on every syscall is filtered: only memory stores and raw calls.
  for (size_t i = w->first; i < w->calls.size(); ++i) {
    g_shared->current = i;
    perform_call(w->calls[i], g_shared->obs[i]);
  }
  g_shared->all_done = 1;  // the main thread ends the process; we may not make any syscall
  for (;;) asm volatile("pause");
}

[[noreturn]] void child_main(WorkerArgs args) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // no core files from SIGSYS/SIGILL deaths
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  alarm(30);
  struct sigaction sa {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSYS, &sa, nullptr);
  prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
  pthread_t worker;
  if (pthread_create(&worker, nullptr, worker_main, &args) != 0) _exit(90);
  // The worker cannot signal us (every syscall it makes is filtered): poll its progress.
  // It ends by being killed (process: we die too; thread: tryjoin succeeds), by failing to
  // load (it returns), or by finishing (all_done).
  for (;;) {
    if (g_shared->all_done) _exit(kExitAllDone);
    if (pthread_tryjoin_np(worker, nullptr) == 0) _exit(kExitWorkerGone);
    timespec pause{0, 20000};
    nanosleep(&pause, nullptr);
  }
}

struct SharedMapping {
  Shared* shared = nullptr;
  size_t bytes = 0;
  explicit SharedMapping(size_t calls) {
    bytes = sizeof(Shared) + sizeof(LiveObservation) * (calls == 0 ? 1 : calls);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    shared = new (p) Shared();
  }
  ~SharedMapping() { munmap(shared, bytes); }
};

}  // namespace

LiveCall install_call() {
  LiveCall c;
  c.nr = SYS_seccomp;
  c.args[0] = SECCOMP_SET_MODE_FILTER;
  c.args[1] = 0;
  c.args[2] = reinterpret_cast<uint64_t>(&g_install_fprog);
  return c;
}

bool live_kernel_available() {
#if defined(__x86_64__)
  return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
#else
  return false;
#endif
}

std::string describe(const LiveObservation& o) {
  char buf[160];
  switch (o.kind) {
    case LiveObservation::Kind::kNotRun: return "not run";
    case LiveObservation::Kind::kReturned:
      std::snprintf(buf, sizeof buf, "returned %ld (natural %ld)", o.ret, o.natural);
      return buf;
    case LiveObservation::Kind::kTrapped:
      std::snprintf(buf, sizeof buf, "SIGSYS trap si_errno=%d si_syscall=%d", o.trap_errno,
                    o.trap_syscall);
      return buf;
    case LiveObservation::Kind::kThreadKilled: return "thread killed";
    case LiveObservation::Kind::kProcessKilled: return "process killed";
  }
  return "?";
}

LiveRun live_run(std::span<const Program> oldest_first, std::span<const LiveCall> calls) {
  if (oldest_first.size() > 64) throw std::runtime_error("live_run: at most 64 filters");
  LiveRun run;
  SharedMapping map(calls.size());
  Shared* shared = map.shared;
  size_t first = 0;
  do {
    shared->load_finished = 0;
    shared->all_done = 0;
    shared->current = first;
    fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      g_shared = shared;
      child_main(WorkerArgs{oldest_first, calls, first});
    }
    ++run.forks;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
    if (!shared->load_finished) {
      for (size_t f = 0; f < oldest_first.size(); ++f) {
        if (shared->load_errno[f] != 0) {
          run.load_errno = shared->load_errno[f];
          break;
        }
      }
      if (run.load_errno == 0) {
        throw std::runtime_error("live_run: child died (status " + std::to_string(status) +
                                 ") while installing filter " + std::to_string(shared->installing) +
                                 "; did an older filter kill seccomp(2)?");
      }
      return run;
    }
    if (shared->all_done && WIFEXITED(status) && WEXITSTATUS(status) == kExitAllDone) break;
    const size_t at = shared->current;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
      shared->obs[at].kind = LiveObservation::Kind::kProcessKilled;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == kExitWorkerGone) {
      shared->obs[at].kind = LiveObservation::Kind::kThreadKilled;
    } else {
      throw std::runtime_error("live_run: unexpected child status " + std::to_string(status) +
                               " at call " + std::to_string(at));
    }
    first = at + 1;
  } while (first < calls.size());
  run.observations.assign(shared->obs, shared->obs + calls.size());
  return run;
}

std::vector<int> live_load(std::span<const Program> oldest_first) {
  LiveRun r = live_run(oldest_first, {});
  std::vector<int> out(oldest_first.size(), -1);
  if (r.load_errno == 0) {
    for (int& e : out) e = 0;
    return out;
  }
  // live_run reports only the first errno: find which filter failed by growing prefixes.
  for (size_t n = 1; n <= oldest_first.size(); ++n) {
    LiveRun prefix = live_run(oldest_first.first(n), {});
    out[n - 1] = prefix.load_errno;
    if (prefix.load_errno != 0) break;
  }
  return out;
}

uint64_t live_syscall_ip() {
  static uint64_t ip = [] {
    // ld [0]; jeq getppid, trap, allow
    const Program trap_getppid = {
        stmt(LD | W | ABS, kOffNr),
        jump(JMP | JEQ | K, SYS_getppid, 0, 1),
        stmt(RET | K, ret_trap(7)),
        stmt(RET | K, kRetAllow),
    };
    LiveCall call;
    call.nr = SYS_getppid;
    LiveRun r =
        live_run(std::span<const Program>(&trap_getppid, 1), std::span<const LiveCall>(&call, 1));
    if (r.observations.empty() || r.observations[0].kind != LiveObservation::Kind::kTrapped) {
      throw std::runtime_error("could not measure the syscall instruction pointer");
    }
    return r.observations[0].trap_ip;
  }();
  return ip;
}

uint64_t live_int80_ip() {
  static uint64_t ip = [] {
    // ld [0]; jeq 64 (i386 getppid), trap, allow
    const Program trap_getppid = {
        stmt(LD | W | ABS, kOffNr),
        jump(JMP | JEQ | K, 64, 0, 1),
        stmt(RET | K, ret_trap(7)),
        stmt(RET | K, kRetAllow),
    };
    LiveCall call;
    call.nr = 64;
    call.int80 = true;
    try {
      LiveRun r =
          live_run(std::span<const Program>(&trap_getppid, 1), std::span<const LiveCall>(&call, 1));
      if (!r.observations.empty() && r.observations[0].kind == LiveObservation::Kind::kTrapped &&
          r.observations[0].trap_arch == kAuditArchI386)
        return r.observations[0].trap_ip;
    } catch (const std::exception&) {
      // no i386 entry: int 0x80 raises SIGSEGV in the child
    }
    return uint64_t{0};
  }();
  return ip;
}

}  // namespace sysfence::bpf::testing
