// sysfence/report — the async-signal-safe SIGSYS reporter. See include/sysfence/report/sigsys.hpp.
//
// Everything reachable from on_sigsys() below is async-signal-safe: fixed-size static tables
// filled before the handler is installed, stack buffers, write(2), _exit(2), lock-free atomics.
// No std::string, no allocation, no stdio, no locale, no locks.
#include "sysfence/report/sigsys.hpp"

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <span>
#include <string_view>

#include "sysfence/arch/arch.hpp"

namespace sysfence::report {
namespace {

constexpr int kSysSeccomp = 1;  // si_code of a seccomp SIGSYS (SYS_SECCOMP)

// ---- Tables, filled once in normal context (prepare), read by the handler --------------------

struct ArgNames {
  const std::string_view* names = nullptr;
  uint8_t count = 0;
  bool known = false;  // false: print arg0..arg5
};

struct Tab {
  uint32_t audit_arch = 0;
  uint32_t nr_bit = 0;
  std::string_view name;
  bool args64 = true;
  const arch::SyscallEntry* entries = nullptr;
  size_t count = 0;
  size_t arg_base = 0;  // index of entries[0]'s names in g_args
};

constexpr size_t kMaxTabs = 8;
constexpr size_t kMaxEntries = 8192;
constexpr int kMaxErrno = 4095;
constexpr int kErrnoNames = 134;  // glibc knows names up to EHWPOISON (133)

Tab g_tabs[kMaxTabs];
size_t g_ntabs = 0;
ArgNames g_args[kMaxEntries];
const char* g_errno_names[kErrnoNames];
std::atomic<int> g_state{0};  // 0 empty, 1 filling, 2 ready

void fill_tables() noexcept {
  size_t used = 0;
  g_ntabs = 0;
  for (const arch::ArchInfo& ai : arch::all_arches()) {
    if (g_ntabs == kMaxTabs) break;
    const auto sys = arch::syscalls(ai.arch);
    Tab& t = g_tabs[g_ntabs++];
    t.audit_arch = ai.audit_arch;
    t.nr_bit = ai.nr_bit;
    t.name = ai.name;
    t.args64 = ai.args_are_64bit;
    t.entries = sys.data();
    t.count = sys.size();
    t.arg_base = used;
    for (size_t i = 0; i < sys.size(); ++i) {
      if (used == kMaxEntries) {
        t.count = i;  // out of room: later entries print as syscall_N
        break;
      }
      const auto names = arch::syscall_arg_names(ai.arch, sys[i].name);
      ArgNames& a = g_args[used++];
      a.names = names.data();
      a.count = static_cast<uint8_t>(names.size() > 6 ? 6 : names.size());
      // An empty span with a data pointer is a known syscall without arguments (getpid);
      // a null span is "no names known": show all six registers rather than hide them.
      a.known = names.data() != nullptr;
    }
  }
  for (int e = 0; e < kErrnoNames; ++e) g_errno_names[e] = e == 0 ? nullptr : strerrorname_np(e);
}

// Fills the tables once. Called in normal context; a concurrent second caller waits.
void prepare() noexcept {
  if (g_state.load(std::memory_order_acquire) == 2) return;
  int expected = 0;
  if (g_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    fill_tables();
    g_state.store(2, std::memory_order_release);
    return;
  }
  while (g_state.load(std::memory_order_acquire) != 2) sched_yield();
}

bool ready() noexcept { return g_state.load(std::memory_order_acquire) == 2; }

const Tab* find_tab(uint32_t audit_arch, int32_t nr) noexcept {
  if (!ready()) return nullptr;
  const Tab* plain = nullptr;
  for (size_t i = 0; i < g_ntabs; ++i) {
    const Tab& t = g_tabs[i];
    if (t.audit_arch != audit_arch) continue;
    if (t.nr_bit != 0) {
      if ((static_cast<uint32_t>(nr) & t.nr_bit) != 0) return &t;
    } else if (!plain) {
      plain = &t;
    }
  }
  return plain;
}

// Index of nr in t's entries (sorted by number), or -1.
long find_entry(const Tab& t, int32_t nr) noexcept {
  size_t lo = 0, hi = t.count;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (t.entries[mid].nr < nr)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < t.count && t.entries[lo].nr == nr) return static_cast<long>(lo);
  return -1;
}

// ---- Formatting without the library --------------------------------------------------------

struct Out {
  char* buf;
  size_t cap;  // usable bytes (size - 1 for the NUL)
  size_t len = 0;
  bool cut = false;

  void put(char c) noexcept {
    if (len < cap)
      buf[len++] = c;
    else
      cut = true;
  }
  void put(const char* s, size_t n) noexcept {
    for (size_t i = 0; i < n; ++i) put(s[i]);
  }
  void put(const char* s) noexcept { put(s, strlen(s)); }
  void put(std::string_view s) noexcept { put(s.data(), s.size()); }
  void dec(uint64_t v) noexcept {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (n > 0) put(tmp[--n]);
  }
  void sdec(int64_t v) noexcept {
    if (v < 0) {
      put('-');
      dec(static_cast<uint64_t>(0) - static_cast<uint64_t>(v));
    } else {
      dec(static_cast<uint64_t>(v));
    }
  }
  void hex(uint64_t v) noexcept {
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
      tmp[n++] = digits[v & 0xf];
      v >>= 4;
    } while (v != 0);
    put("0x", 2);
    while (n > 0) put(tmp[--n]);
  }
  void oct(uint64_t v) noexcept {
    char tmp[22];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + (v & 7));
      v >>= 3;
    } while (v != 0);
    put('0');
    while (n > 0) put(tmp[--n]);
  }
  // NUL-terminates; a cut line ends in "...\n".
  size_t finish() noexcept {
    if (cut && cap >= 4) {
      len = cap;
      buf[len - 4] = '.';
      buf[len - 3] = '.';
      buf[len - 2] = '.';
      buf[len - 1] = '\n';
    }
    buf[len] = '\0';
    return len;
  }
};

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

enum class Style { Auto, Hex, Oct };

Style style_for(std::string_view n) noexcept {
  if (n == "mode" || ends_with(n, "_mode")) return Style::Oct;
  // Pointers and flag sets, by suffix or by exact name (names from man section 2).
  static constexpr std::string_view kHexSuffixes[] = {
      "buf", "bufp",  "buffer", "path", "pathname", "filename", "addr",  "address",
      "ptr", "flags", "prot",   "mask", "iov",      "_tid",     "value", "attr",
  };
  static constexpr std::string_view kHexNames[] = {
      "name",   "act",         "oldact",      "oact",      "set",      "oset",      "oldset",
      "tp",     "tv",          "tz",          "ru",        "rusage",   "uts",       "tloc",
      "loc",    "msg",         "msgp",        "msgvec",    "iovec",    "vec",       "fds",
      "ufds",   "readfds",     "writefds",    "exceptfds", "info",     "infop",     "uinfo",
      "u_info", "args",        "uargs",       "cl_args",   "optval",   "start",     "stack",
      "ss",     "old_ss",      "event",       "events",    "param",    "params",    "uaddr2",
      "tls",    "tidptr",      "statbuf",     "statxbuf",  "times",    "tmo_p",     "abs_timeout",
      "rlim",   "old_limit",   "new_limit",   "wstatus",   "pipefd",   "sevp",      "sops",
      "dirp",   "hdrp",        "datap",       "argp",      "sv",       "usage",     "mnt_ids",
      "ns_ids", "oflag",       "argv",        "envp",      "cmdline",  "rseq",      "iocb",
      "iocbpp", "old_address", "new_address", "shmaddr",   "src_addr", "dest_addr",
  };
  for (std::string_view s : kHexNames)
    if (n == s) return Style::Hex;
  for (std::string_view s : kHexSuffixes)
    if (ends_with(n, s)) return Style::Hex;
  return Style::Auto;
}

void put_value(Out& o, uint64_t v, bool args64, Style st) noexcept {
  if (!args64) v &= 0xffffffffu;
  switch (st) {
    case Style::Hex: o.hex(v); return;
    case Style::Oct: o.oct(v); return;
    case Style::Auto: break;
  }
  if (v < 0x10000) {
    o.dec(v);
    return;
  }
  const int64_t s =
      args64 ? static_cast<int64_t>(v) : static_cast<int32_t>(static_cast<uint32_t>(v));
  if (s < 0 && s >= -kMaxErrno) {
    o.sdec(s);
    return;
  }
  o.hex(v);
}

size_t format_line(const BlockedCall& c, char* buf, size_t size, int returned_errno) noexcept {
  if (size == 0) return 0;
  Out o{buf, size - 1};
  o.put("sysfence: blocked ");
  const Tab* t = find_tab(c.arch, c.nr);
  const long idx = t ? find_entry(*t, c.nr) : -1;
  const bool args64 = t ? t->args64 : true;
  if (idx >= 0) {
    o.put(t->entries[idx].name);
  } else {
    o.put("syscall_");
    o.sdec(c.nr);
  }
  o.put('(');
  const ArgNames* an = idx >= 0 ? &g_args[t->arg_base + static_cast<size_t>(idx)] : nullptr;
  const bool named = an && an->known;
  const int nargs = named ? an->count : 6;
  for (int i = 0; i < nargs; ++i) {
    if (i) o.put(", ");
    if (named) {
      o.put(an->names[i]);
    } else {
      o.put("arg");
      o.put(static_cast<char>('0' + i));
    }
    o.put('=');
    put_value(o, c.args[i], args64, named ? style_for(an->names[i]) : Style::Auto);
  }
  o.put(") on ");
  if (t) {
    o.put(t->name);
  } else {
    o.put("arch ");
    o.hex(c.arch);
  }
  o.put(" at ");
  o.hex(c.call_addr);
  if (returned_errno != 0) {
    o.put(", returning ");
    const char* en = (returned_errno > 0 && returned_errno < kErrnoNames && ready())
                         ? g_errno_names[returned_errno]
                         : nullptr;
    if (en) {
      o.put(en);
      o.put(" (");
      o.sdec(returned_errno);
      o.put(')');
    } else {
      o.put("errno ");
      o.sdec(returned_errno);
    }
  }
  o.put('\n');
  return o.finish();
}

// ---- The handler ---------------------------------------------------------------------------

std::atomic<int> g_on_trap{0};
std::atomic<int> g_exit_status{kDefaultExitStatus};
std::atomic<int> g_errno_value{ENOSYS};
std::atomic<bool> g_from_data{false};
std::atomic<int> g_fd{2};
std::atomic<bool> g_quiet{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

struct sigaction g_old;
bool g_installed = false;

void write_all(int fd, const char* p, size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

#if defined(__x86_64__) || defined(__aarch64__)
constexpr bool kCanReturnErrno = true;
#else
constexpr bool kCanReturnErrno = false;
#endif

// exit_group(status), then exit(status), as raw syscalls: glibc's _exit may be intercepted
// (sanitizers run exit hooks there, with syscalls the filter does not allow). Deliberately not
// [[noreturn]]: ASan precedes calls to noreturn functions with __asan_handle_no_return, which
// calls sigaltstack(2) -- a syscall the filter traps.
void exit_now(int status) noexcept {
#if defined(__x86_64__)
  asm volatile("syscall" : : "a"(SYS_exit_group), "D"(status) : "rcx", "r11", "memory");
  asm volatile("syscall" : : "a"(SYS_exit), "D"(status) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
  {
    register long x0 asm("x0") = status;
    register long x8 asm("x8") = SYS_exit_group;
    asm volatile("svc 0" : "+r"(x0) : "r"(x8) : "memory");
  }
  {
    register long x0 asm("x0") = status;
    register long x8 asm("x8") = SYS_exit;
    asm volatile("svc 0" : "+r"(x0) : "r"(x8) : "memory");
  }
#else
  _exit(status);
#endif
}

void set_return_value(void* ucontext, int64_t value) noexcept {
  auto* u = static_cast<ucontext_t*>(ucontext);
#if defined(__x86_64__)
  u->uc_mcontext.gregs[REG_RAX] = static_cast<greg_t>(value);
#elif defined(__aarch64__)
  u->uc_mcontext.regs[0] = static_cast<uint64_t>(value);
#else
  (void)u;
  (void)value;
#endif
}

void on_sigsys(int, siginfo_t* si, void* ucontext) {
  const int saved_errno = errno;
  BlockedCall c;
  const bool from_seccomp = decode_sigsys(si, ucontext, &c);
  const bool exit_mode = g_on_trap.load(std::memory_order_relaxed) == 0;
  int err = 0;
  if (!exit_mode && from_seccomp) {
    err = g_errno_value.load(std::memory_order_relaxed);
    if (g_from_data.load(std::memory_order_relaxed) && c.trap_data > 0 && c.trap_data <= kMaxErrno)
      err = c.trap_data;
  }
  if (!g_quiet.load(std::memory_order_relaxed)) {
    char line[kMaxLineLength];
    size_t n;
    if (from_seccomp) {
      n = format_line(c, line, sizeof line, err);
    } else {
      Out o{line, sizeof line - 1};
      o.put("sysfence: SIGSYS not from seccomp (si_code=");
      o.sdec(si->si_code);
      o.put(", sender pid ");
      o.sdec(si->si_pid);
      o.put(")\n");
      n = o.finish();
    }
    write_all(g_fd.load(std::memory_order_relaxed), line, n);
  }
  if (exit_mode) exit_now(g_exit_status.load(std::memory_order_relaxed));
  if (from_seccomp) set_return_value(ucontext, -static_cast<int64_t>(err));
  errno = saved_errno;
}

Error report_error(std::string msg, std::string hint = {}, int e = 0) {
  Error err =
      Error::make(e ? ErrorCode::System : ErrorCode::Unspecified, std::move(msg), std::move(hint));
  err.sys_errno = e;
  return err;
}

}  // namespace

bool decode_sigsys(const siginfo_t* si, const void* ucontext, BlockedCall* out) noexcept {
  *out = BlockedCall{};
  if (si->si_signo != SIGSYS || si->si_code != kSysSeccomp) return false;
  out->arch = si->si_arch;
  out->nr = si->si_syscall;
  out->call_addr = reinterpret_cast<uintptr_t>(si->si_call_addr);
  out->trap_data = static_cast<uint16_t>(si->si_errno);
  if (!ucontext) return true;
  const auto* u = static_cast<const ucontext_t*>(ucontext);
#if defined(__x86_64__)
  const greg_t* g = u->uc_mcontext.gregs;
  if (out->arch == 0x40000003u) {  // kAuditArchI386: int 0x80 from a 64-bit process
    const int regs[6] = {REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP};
    for (int i = 0; i < 6; ++i) out->args[i] = static_cast<uint32_t>(g[regs[i]]);
  } else {
    const int regs[6] = {REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9};
    for (int i = 0; i < 6; ++i) out->args[i] = static_cast<uint64_t>(g[regs[i]]);
  }
#elif defined(__aarch64__)
  for (int i = 0; i < 6; ++i) out->args[i] = u->uc_mcontext.regs[i];
#else
  (void)u;
#endif
  return true;
}

size_t format_blocked_call(const BlockedCall& call, char* buf, size_t size,
                           int returned_errno) noexcept {
  // From a signal handler this is a no-op once install_sigsys_reporter() ran.
  prepare();
  return format_line(call, buf, size, returned_errno);
}

std::string format_blocked_call(const BlockedCall& call, int returned_errno) {
  char buf[kMaxLineLength];
  const size_t n = format_blocked_call(call, buf, sizeof buf, returned_errno);
  return std::string(buf, n);
}

Result<void> install_sigsys_reporter(const ReporterOptions& opts) {
  if (opts.exit_status < 0 || opts.exit_status > 255)
    return report_error("exit_status " + std::to_string(opts.exit_status) + " is not 0..255",
                        "the default is 159 (128 + SIGSYS)", EINVAL);
  if (opts.on_trap == OnTrap::ReturnErrno && (opts.errno_value < 1 || opts.errno_value > kMaxErrno))
    return report_error("errno_value " + std::to_string(opts.errno_value) + " is not 1..4095",
                        "use a positive errno such as EPERM or ENOSYS", EINVAL);
  if (opts.on_trap == OnTrap::ReturnErrno && !kCanReturnErrno)
    return report_error("OnTrap::ReturnErrno is not implemented for this architecture",
                        "use OnTrap::Exit", ENOTSUP);
  if (opts.fd < 0)
    return report_error("fd " + std::to_string(opts.fd) + " is not a descriptor", "", EBADF);

  prepare();
  g_on_trap.store(opts.on_trap == OnTrap::Exit ? 0 : 1);
  g_exit_status.store(opts.exit_status);
  g_errno_value.store(opts.errno_value);
  g_from_data.store(opts.errno_from_trap_data);
  g_fd.store(opts.fd);
  g_quiet.store(opts.quiet);

  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO | (opts.on_altstack ? SA_ONSTACK : 0);
  sigemptyset(&sa.sa_mask);
  struct sigaction old;
  if (sigaction(SIGSYS, &sa, &old) != 0) {
    const int e = errno;
    return report_error(std::string("sigaction(SIGSYS) failed: ") + std::strerror(e), "", e);
  }
  if (!g_installed) {
    g_old = old;
    g_installed = true;
  }
  // A blocked SIGSYS would make the kernel kill the process instead of calling the handler.
  sigset_t sys;
  sigemptyset(&sys);
  sigaddset(&sys, SIGSYS);
  pthread_sigmask(SIG_UNBLOCK, &sys, nullptr);
  return Ok{};
}

Result<void> remove_sigsys_reporter() {
  if (!g_installed)
    return report_error("the SIGSYS reporter is not installed", "call install_sigsys_reporter()",
                        EINVAL);
  if (sigaction(SIGSYS, &g_old, nullptr) != 0) {
    const int e = errno;
    return report_error(std::string("sigaction(SIGSYS) failed: ") + std::strerror(e), "", e);
  }
  g_installed = false;
  return Ok{};
}

}  // namespace sysfence::report
