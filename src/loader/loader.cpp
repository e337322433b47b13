// sysfence/loader — seccomp(2) installation, probing, NO_NEW_PRIVS and DUMPABLE controls.
// See include/sysfence/loader/loader.hpp for the rules and the probing method.
#include "sysfence/loader/loader.hpp"
#include "sysfence/support/format.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"
#include "sysfence/loader/status.hpp"

static_assert(sizeof(sysfence::bpf::Insn) == sizeof(struct sock_filter));
static_assert(SECCOMP_FILTER_FLAG_TSYNC == sysfence::loader::kFlagTsync);
static_assert(SECCOMP_FILTER_FLAG_LOG == sysfence::loader::kFlagLog);
static_assert(SECCOMP_FILTER_FLAG_SPEC_ALLOW == sysfence::loader::kFlagSpecAllow);
static_assert(SECCOMP_FILTER_FLAG_NEW_LISTENER == sysfence::loader::kFlagNewListener);
#ifdef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
static_assert(SECCOMP_FILTER_FLAG_TSYNC_ESRCH == sysfence::loader::kFlagTsyncEsrch);
#endif
#ifdef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
static_assert(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV == sysfence::loader::kFlagWaitKillableRecv);
#endif

namespace sysfence::loader {
namespace {

constexpr unsigned kOpSetStrict = 0;       // SECCOMP_SET_MODE_STRICT
constexpr unsigned kOpSetFilter = 1;       // SECCOMP_SET_MODE_FILTER
constexpr unsigned kOpGetActionAvail = 2;  // SECCOMP_GET_ACTION_AVAIL
constexpr unsigned kOpGetNotifSizes = 3;   // SECCOMP_GET_NOTIF_SIZES

using bpf::ActionInfo;
constexpr const auto& kActions = bpf::kActionTable;

struct FlagInfo {
  uint32_t bit;
  const char* name;
  const char* since;
};
constexpr FlagInfo kFlags[] = {
    {kFlagTsync, "tsync", "3.17"},           {kFlagLog, "log", "4.14"},
    {kFlagSpecAllow, "spec_allow", "4.17"},  {kFlagNewListener, "new_listener", "5.0"},
    {kFlagTsyncEsrch, "tsync_esrch", "5.7"}, {kFlagWaitKillableRecv, "wait_killable_recv", "5.19"},
};

std::string action_since(uint32_t action) {
  const ActionInfo* a = bpf::action_info_for_ret(action);
  return std::string(a ? a->since : "3.5");
}

std::string errno_text(int e) {
  const char* name = strerrorname_np(e);
  std::string s = name ? name : ("errno " + std::to_string(e));
  s += " (";
  s += std::strerror(e);
  s += ")";
  return s;
}

// "msg: EPERM (Operation not permitted)": the errno's name too, which the loader's readers
// (seccomp(2) failures) look up.
Error sys_error(std::string msg, int e, std::string hint = {}) {
  Error err =
      Error::make(ErrorCode::System, std::move(msg) + ": " + errno_text(e), std::move(hint));
  err.sys_errno = e;
  return err;
}

Error plain_error(std::string msg, std::string hint = {}, int e = 0) {
  Error err =
      Error::make(e ? ErrorCode::System : ErrorCode::Unspecified, std::move(msg), std::move(hint));
  err.sys_errno = e;
  return err;
}

std::string hex32(uint32_t v) { return hex32_padded(v); }

// The actions a program can return through RET K, action bits only, in first-seen order.
std::vector<uint32_t> returned_actions(std::span<const bpf::Insn> prog, bool* has_ret_a) {
  std::vector<uint32_t> out;
  *has_ret_a = false;
  for (const bpf::Insn& in : prog) {
    if (bpf::class_of(in.code) != bpf::RET) continue;
    if ((in.code & 0x18) == bpf::RVAL_A) {
      *has_ret_a = true;
      continue;
    }
    const uint32_t a = bpf::action_of(in.k);
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

bool known_action(uint32_t a) { return bpf::action_info_for_ret(a) != nullptr; }

std::string action_label(uint32_t a) {
  const ActionInfo* i = bpf::action_info_for_ret(a);
  return i ? std::string(i->name) : std::string();
}

// The actions every kernel with seccomp filters has had since 3.5/3.8.
bool pre_4_14_action(uint32_t a) {
  const ActionInfo* i = bpf::action_info_for_ret(a);
  return i != nullptr && i->since == "3.5";
}

// Checks that need no kernel: length, flag bits and combinations, USER_NOTIF without listener.
Result<void> static_checks(std::span<const bpf::Insn> prog, const FilterOptions& opts) {
  if (prog.empty())
    return plain_error("the program is empty; the kernel needs 1 to 4096 instructions",
                       "compile a policy first (at least one RET)", EINVAL);
  if (prog.size() > bpf::kMaxInsns)
    return plain_error("the program has " + std::to_string(prog.size()) +
                           " instructions; the kernel accepts at most 4096 per filter",
                       "merge syscall ranges in the policy or split it into stacked filters",
                       EINVAL);
  const uint32_t f = opts.flags;
  if (f & ~kAllFlags)
    return plain_error("unknown seccomp filter flag bits " + hex32(f & ~kAllFlags),
                       "use the loader::kFlag* constants", EINVAL);
  if ((f & kFlagTsync) && (f & kFlagNewListener) && !(f & kFlagTsyncEsrch))
    return plain_error(
        "TSYNC together with NEW_LISTENER needs TSYNC_ESRCH: otherwise a positive return value "
        "could be a listener fd or a failing thread id",
        "add loader::kFlagTsyncEsrch", EINVAL);
  if ((f & kFlagWaitKillableRecv) && !(f & kFlagNewListener))
    return plain_error("WAIT_KILLABLE_RECV only makes sense with NEW_LISTENER",
                       "add loader::kFlagNewListener or drop kFlagWaitKillableRecv", EINVAL);
  bool ret_a = false;
  const auto actions = returned_actions(prog, &ret_a);
  for (uint32_t a : actions) {
    if (!known_action(a))
      return plain_error("the program returns an unknown action " + hex32(a) +
                             " (the kernel would run it as kill_process)",
                         "return one of the SECCOMP_RET_* actions", EINVAL);
  }
  if (!opts.allow_user_notif_without_listener && !(f & kFlagNewListener) &&
      std::find(actions.begin(), actions.end(), bpf::kRetUserNotif) != actions.end())
    return plain_error(
        "the program returns USER_NOTIF but no listener was requested: the kernel would fail "
        "those syscalls with ENOSYS",
        "add loader::kFlagNewListener, or set allow_user_notif_without_listener", EINVAL);
  return Ok{};
}

Result<void> kernel_checks(std::span<const bpf::Insn> prog, const FilterOptions& opts,
                           const KernelSupport& k) {
  if (!k.filter_mode)
    return plain_error("this kernel has no seccomp filter mode (CONFIG_SECCOMP_FILTER)",
                       "use a kernel built with CONFIG_SECCOMP_FILTER=y", EINVAL);
  if (opts.flags != 0 && !k.seccomp_syscall)
    return plain_error("seccomp(2) is missing (Linux < 3.17) and prctl() cannot pass flags " +
                           flags_to_string(opts.flags),
                       "install without flags, or use Linux >= 3.17", ENOSYS);
  for (const FlagInfo& fi : kFlags) {
    if ((opts.flags & fi.bit) && !k.flag_supported(fi.bit))
      return plain_error(std::string("this kernel does not support the seccomp flag ") + fi.name +
                             " (added in Linux " + fi.since + "); nothing was installed",
                         std::string("drop the flag, or run on Linux >= ") + fi.since, EINVAL);
  }
  if (opts.check_actions) {
    bool ret_a = false;
    for (uint32_t a : returned_actions(prog, &ret_a)) {
      if (!k.action_available(a))
        return plain_error("this kernel does not support the action " + action_label(a) +
                               " (added in Linux " + action_since(a) + "); nothing was installed",
                           "choose another action in the policy, or run on a newer kernel",
                           EOPNOTSUPP);
    }
  }
  return Ok{};
}

// Threads of this process whose seccomp state differs from the caller's (for TSYNC_ESRCH).
std::vector<pid_t> threads_with_other_filters() {
  std::vector<pid_t> out;
  const pid_t self_tid = static_cast<pid_t>(syscall(SYS_gettid));
  auto mine = read_status(0, self_tid);
  if (!mine) return out;
  DIR* d = opendir("/proc/self/task");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    pid_t tid = 0;
    const std::string_view name(e->d_name);
    if (std::from_chars(name.data(), name.data() + name.size(), tid).ec != std::errc{}) continue;
    if (tid == self_tid) continue;
    auto st = read_status(0, tid);
    if (!st) continue;
    if (st->mode != mine->mode || st->filters != mine->filters) out.push_back(tid);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

Error install_errno_error(int e, const FilterOptions& opts, std::span<const bpf::Insn> prog) {
  const size_t len = prog.size();
  switch (e) {
    case EACCES: {
      auto nnp = get_no_new_privs();
      return sys_error("seccomp(SECCOMP_SET_MODE_FILTER) refused", e,
                       (nnp && !*nnp)
                           ? "no_new_privs is off and the process lacks CAP_SYS_ADMIN: call "
                             "loader::set_no_new_privs() first (or set "
                             "FilterOptions::set_no_new_privs)"
                           : "the process needs no_new_privs or CAP_SYS_ADMIN");
    }
    case EINVAL: {
      // The kernel does not say why; the verifier applies the same rules and names the culprit.
      std::string why;
      if (auto v = bpf::find_violation(prog)) why = ": " + v->message;
      return sys_error("the kernel rejected the filter (" + std::to_string(len) +
                           " instructions, flags " + flags_to_string(opts.flags) + ")" + why,
                       e,
                       "run bpf::verify() on the program: the kernel refuses illegal opcodes, "
                       "unaligned or out-of-range loads, backward jumps and paths without RET; "
                       "strict mode also cannot be combined with filters");
    }
    case ENOMEM:
      return sys_error(
          "the kernel could not add the filter", e,
          "the filter stack would exceed the kernel's 32768-instruction budget (counted "
          "after conversion to eBPF; bpf::verify_stack_size checks it in advance): "
          "merge filters instead of stacking them");
    case EBUSY:
      return sys_error("the kernel refused a second listener", e,
                       "a filter in this thread's stack already has a listener; only one "
                       "NEW_LISTENER filter per stack");
    case ESRCH: {
      std::string msg =
          "TSYNC failed: another thread could not be synchronized to the new filter (TSYNC_ESRCH "
          "hides which one)";
      const auto others = threads_with_other_filters();
      if (!others.empty()) {
        msg += "; threads whose seccomp state differs from this one's:";
        for (pid_t t : others) msg += " " + std::to_string(t);
      }
      msg += "; nothing was installed";
      return sys_error(msg, e,
                       "install the filter before starting threads, or from a thread whose "
                       "filter stack every other thread shares");
    }
    case EFAULT:
      return sys_error("the kernel could not read the program", e, "a bad program pointer");
    default: return sys_error("seccomp(SECCOMP_SET_MODE_FILTER) failed", e);
  }
}

Result<Installed> install_via_prctl(std::span<const bpf::Insn> prog) {
  struct sock_fprog fprog;
  fprog.len = static_cast<unsigned short>(prog.size());
  fprog.filter = reinterpret_cast<struct sock_filter*>(const_cast<bpf::Insn*>(prog.data()));
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) != 0) {
    const int e = errno;
    return install_errno_error(e, FilterOptions{}, prog);
  }
  Installed out;
  out.via_prctl = true;
  return out;
}

}  // namespace

long raw_seccomp(unsigned int op, unsigned int flags, void* args) {
  return syscall(SYS_seccomp, op, flags, args);
}

std::string flag_name(uint32_t f) {
  for (const FlagInfo& fi : kFlags)
    if (fi.bit == f) return fi.name;
  return "flag(" + hex32(f) + ")";
}

std::string flags_to_string(uint32_t flags) {
  if (flags == 0) return "none";
  std::string s;
  for (uint32_t bit = 1; bit != 0; bit <<= 1) {
    if (!(flags & bit)) continue;
    if (!s.empty()) s += "|";
    s += flag_name(bit);
  }
  return s;
}

std::span<const ActionInfo> known_actions() { return kActions; }

bool KernelSupport::action_available(uint32_t action) const {
  const uint32_t a = bpf::action_of(action);
  return std::find(actions.begin(), actions.end(), a) != actions.end();
}

std::string KernelSupport::describe() const {
  std::string s;
  s += "seccomp(2) syscall: " + std::string(seccomp_syscall ? "yes" : "no (prctl only)") + "\n";
  s += "filter mode: " + std::string(filter_mode ? "yes" : "no") + "\n";
  s += "flags:";
  for (const FlagInfo& fi : kFlags)
    s += std::string(" ") + fi.name + (flag_supported(fi.bit) ? "=yes" : "=no");
  s += "\nactions (GET_ACTION_AVAIL" + std::string(get_action_avail ? "" : ", assumed") + "):";
  for (const ActionInfo& ai : kActions)
    s += " " + std::string(ai.name) + (action_available(ai.ret) ? "=yes" : "=no");
  s += "\nactions_avail:";
  if (actions_avail_file.empty()) s += " (unreadable)";
  for (const auto& n : actions_avail_file) s += " " + n;
  s += "\nnotif sizes: ";
  if (notif_sizes)
    s += "seccomp_notif=" + std::to_string(notif_sizes->notif) +
         " seccomp_notif_resp=" + std::to_string(notif_sizes->notif_resp) +
         " seccomp_data=" + std::to_string(notif_sizes->data);
  else
    s += "unavailable";
  s += "\n";
  return s;
}

Result<bool> action_available(uint32_t action) {
  uint32_t a = bpf::action_of(action);
  if (raw_seccomp(kOpGetActionAvail, 0, &a) == 0) return true;
  const int e = errno;
  if (e == EOPNOTSUPP) return false;
  if (e == EINVAL)
    return sys_error("SECCOMP_GET_ACTION_AVAIL is missing (Linux < 4.14)", e,
                     "assume only kill_thread, trap, errno, trace and allow");
  if (e == ENOSYS) return sys_error("seccomp(2) is missing (Linux < 3.17)", e);
  return sys_error("SECCOMP_GET_ACTION_AVAIL failed", e);
}

Result<bool> probe_flag(uint32_t flags) {
  if (flags & ~kAllFlags) return false;
  uint32_t f = flags;
  if (f & kFlagWaitKillableRecv) f |= kFlagNewListener;  // its only legal company
  if ((f & kFlagTsync) && (f & kFlagNewListener)) f |= kFlagTsyncEsrch;
  // NULL program: EFAULT once the flags passed the kernel's checks, EINVAL if they did not.
  if (raw_seccomp(kOpSetFilter, f, nullptr) == 0)
    return plain_error("seccomp(SET_MODE_FILTER, NULL) succeeded: something intercepts seccomp(2)");
  const int e = errno;
  if (e == EFAULT) return true;
  if (e == EINVAL) return false;
  if (e == ENOSYS) return false;  // no seccomp(2): no flag can be passed
  return sys_error("probing seccomp flags " + flags_to_string(flags) + " failed", e,
                   "a seccomp filter on this thread may be answering seccomp(2)");
}

Result<NotifSizes> notif_sizes() {
  struct seccomp_notif_sizes s;
  std::memset(&s, 0, sizeof s);
  if (raw_seccomp(kOpGetNotifSizes, 0, &s) != 0) {
    const int e = errno;
    return sys_error("SECCOMP_GET_NOTIF_SIZES failed", e,
                     e == EINVAL ? "user notification needs Linux >= 5.0" : "");
  }
  NotifSizes out;
  out.notif = s.seccomp_notif;
  out.notif_resp = s.seccomp_notif_resp;
  out.data = s.seccomp_data;
  return out;
}

std::vector<std::string> parse_actions_avail(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n' && text[j] != '\t') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

Result<std::vector<std::string>> read_actions_avail(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    return sys_error("cannot open " + path, e,
                     e == ENOENT ? "the kernel predates Linux 4.14 or /proc is not mounted" : "");
  }
  std::string text;
  char buf[512];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      close(fd);
      return sys_error("cannot read " + path, e);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return parse_actions_avail(text);
}

Result<KernelSupport> probe() {
  KernelSupport k;
  uint32_t allow = bpf::kRetAllow;
  if (raw_seccomp(kOpGetActionAvail, 0, &allow) == 0) {
    k.seccomp_syscall = true;
    k.get_action_avail = true;
  } else if (errno == ENOSYS) {
    k.seccomp_syscall = false;
  } else {
    k.seccomp_syscall = true;  // the syscall exists, the operation does not (EINVAL)
  }

  if (k.seccomp_syscall) {
    auto f0 = probe_flag(0);
    if (!f0) return f0.error();
    k.filter_mode = *f0;
    if (k.filter_mode) {
      for (const FlagInfo& fi : kFlags) {
        // A flag that needs another one is probed only once that one is known to work.
        if (fi.bit == kFlagWaitKillableRecv && !(k.flags & kFlagNewListener)) continue;
        auto r = probe_flag(fi.bit);
        if (!r) return r.error();
        if (*r) k.flags |= fi.bit;
      }
    }
  } else {
    errno = 0;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, nullptr, 0, 0) != 0 && errno == EFAULT)
      k.filter_mode = true;
  }

  for (const ActionInfo& ai : kActions) {
    if (k.get_action_avail) {
      auto r = action_available(ai.ret);
      if (!r) return r.error();
      if (*r) k.actions.push_back(ai.ret);
    } else if (k.filter_mode && pre_4_14_action(ai.ret)) {
      k.actions.push_back(ai.ret);
    }
  }
  if (auto names = read_actions_avail()) k.actions_avail_file = std::move(*names);
  if (auto s = notif_sizes()) k.notif_sizes = *s;
  return k;
}

Result<void> check_installable(std::span<const bpf::Insn> prog, const FilterOptions& opts,
                               const KernelSupport& k) {
  if (auto r = static_checks(prog, opts); !r) return r;
  return kernel_checks(prog, opts, k);
}

namespace {

// Every check install_filter() makes before seccomp(2), probing only what `opts` needs.
Result<KernelSupport> prepare(std::span<const bpf::Insn> prog, const FilterOptions& opts) {
  if (auto r = static_checks(prog, opts); !r) return r.error();

  // Probe only what this request needs.
  KernelSupport k;
  uint32_t allow = bpf::kRetAllow;
  if (raw_seccomp(kOpGetActionAvail, 0, &allow) == 0) {
    k.seccomp_syscall = k.get_action_avail = true;
  } else {
    k.seccomp_syscall = errno != ENOSYS;
  }
  if (k.seccomp_syscall) {
    auto f0 = probe_flag(0);
    if (!f0) return f0.error();
    k.filter_mode = *f0;
    for (const FlagInfo& fi : kFlags) {
      if (!(opts.flags & fi.bit)) continue;
      auto r = probe_flag(fi.bit);
      if (!r) return r.error();
      if (*r) k.flags |= fi.bit;
    }
  } else {
    k.filter_mode = true;  // prctl will tell
  }
  if (opts.check_actions) {
    bool ret_a = false;
    for (uint32_t a : returned_actions(prog, &ret_a)) {
      if (k.get_action_avail) {
        auto r = action_available(a);
        if (!r) return r.error();
        if (*r) k.actions.push_back(a);
      } else if (pre_4_14_action(a)) {
        k.actions.push_back(a);
      }
    }
  }
  if (auto r = kernel_checks(prog, opts, k); !r) return r.error();
  return k;
}

// The seccomp(2) call itself, after prepare().
Result<Installed> attach(std::span<const bpf::Insn> prog, const FilterOptions& opts,
                         const KernelSupport& k) {
  if (opts.set_no_new_privs) {
    if (auto r = set_no_new_privs(); !r) return r.error();
  }
  if (!k.seccomp_syscall) return install_via_prctl(prog);

  struct sock_fprog fprog;
  fprog.len = static_cast<unsigned short>(prog.size());
  fprog.filter = reinterpret_cast<struct sock_filter*>(const_cast<bpf::Insn*>(prog.data()));
  const long rc = raw_seccomp(kOpSetFilter, opts.flags, &fprog);
  if (rc < 0) {
    const int e = errno;
    if (e == ENOSYS && opts.flags == 0) return install_via_prctl(prog);
    return install_errno_error(e, opts, prog);
  }
  Installed out;
  if (opts.flags & kFlagNewListener) {
    out.listener.reset(static_cast<int>(rc));
    return out;
  }
  if (rc > 0) {
    // Only TSYNC returns a positive value without NEW_LISTENER: the thread that blocked it.
    Error err = plain_error(
        "TSYNC failed: thread " + std::to_string(rc) +
            " cannot be synchronized to the new filter (its filter stack is not an ancestor of "
            "this thread's, or it is in strict mode); nothing was installed",
        "install the filter before starting threads, or from a thread whose filter stack every "
        "other thread shares",
        ESRCH);
    err.code = ErrorCode::TsyncBlocked;
    err.payload = TsyncThread{static_cast<pid_t>(rc)};
    return err;
  }
  return out;
}

bool returns_user_notif(std::span<const bpf::Insn> prog) {
  bool ret_a = false;
  const auto actions = returned_actions(prog, &ret_a);
  return std::find(actions.begin(), actions.end(), bpf::kRetUserNotif) != actions.end();
}

// A stack is on the thread only in part: its syscalls decided by the missing filters run
// unconfined. Nothing may continue: say so on stderr (write(2)) and end the process.
[[noreturn]] void die_half_confined(size_t installed, size_t total, const Error& why) {
  const std::string msg =
      "sysfence: fatal: " + std::to_string(installed) + " of " + std::to_string(total) +
      " stacked filters installed, then the kernel refused the next one (" + why.message +
      "); a half-confined process must not continue: exiting with status " +
      std::to_string(kExitHalfConfined) + "\n";
  (void)!::write(STDERR_FILENO, msg.data(), msg.size());
  syscall(SYS_exit_group, kExitHalfConfined);
  // exit_group refused by the installed filters: a one-instruction KILL_PROCESS filter, then
  // any syscall; failing that, abort, and never return.
  struct sock_filter kill = {static_cast<uint16_t>(BPF_RET | BPF_K), 0, 0, bpf::kRetKillProcess};
  struct sock_fprog fprog = {1, &kill};
  raw_seccomp(kOpSetFilter, 0, &fprog);
  syscall(SYS_getpid);
  std::abort();
}

}  // namespace

Result<Installed> install_filter(std::span<const bpf::Insn> prog, const FilterOptions& opts) {
  auto k = prepare(prog, opts);
  if (!k) return k.error();
  return attach(prog, opts, *k);
}

Result<Installed> install_filters(std::span<const bpf::Program> install_order,
                                  const FilterOptions& opts) {
  if (install_order.empty())
    return plain_error("no filter to install", "compile a policy first", EINVAL);
  if (install_order.size() == 1) return install_filter(install_order.front(), opts);

  // The listener goes to the one filter that can return USER_NOTIF (to the first when none
  // does); no_new_privs is set before the first.
  size_t listener_at = 0;
  size_t notifying = 0;
  for (size_t i = 0; i < install_order.size(); ++i) {
    if (returns_user_notif(install_order[i])) {
      listener_at = i;
      ++notifying;
    }
  }
  if (notifying > 1)
    return plain_error(std::to_string(notifying) +
                           " filters of the stack return USER_NOTIF; one listener serves one "
                           "filter; nothing was installed",
                       "keep the notify rules in one filter", EINVAL);
  std::vector<FilterOptions> each(install_order.size(), opts);
  for (size_t i = 0; i < each.size(); ++i) {
    if (i != listener_at) each[i].flags &= ~(kFlagNewListener | kFlagWaitKillableRecv);
    if (i > 0) each[i].set_no_new_privs = false;
  }
  // Everything that can be checked, for every filter, before the first is installed.
  std::vector<bpf::Program> newest_first(install_order.rbegin(), install_order.rend());
  if (auto r = bpf::verify_stack_size(newest_first); !r) {
    Error e = r.error();
    e.message += "; nothing was installed";
    return e;
  }
  std::vector<KernelSupport> ks;
  for (size_t i = 0; i < install_order.size(); ++i) {
    auto k = prepare(install_order[i], each[i]);
    if (!k) {
      Error e = k.error();
      e.message = "stacked filter " + std::to_string(i + 1) + " of " +
                  std::to_string(install_order.size()) + ": " + e.message;
      return e;
    }
    ks.push_back(std::move(*k));
  }
  Installed out;
  for (size_t i = 0; i < install_order.size(); ++i) {
    auto r = attach(install_order[i], each[i], ks[i]);
    if (!r) {
      if (i == 0) return r.error();  // nothing installed yet
      die_half_confined(i, install_order.size(), r.error());
    }
    if (i == listener_at) out = std::move(*r);
  }
  return out;
}

std::optional<pid_t> tsync_blocking_thread(const Error& e) { return e.tsync_thread(); }

Result<void> install_strict() {
  if (raw_seccomp(kOpSetStrict, 0, nullptr) == 0) return Ok{};
  int e = errno;
  if (e == ENOSYS) {
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) == 0) return Ok{};
    e = errno;
  }
  if (e == EINVAL)
    return sys_error("cannot enter strict mode", e,
                     "this thread already has seccomp filters (modes cannot be mixed), or the "
                     "kernel lacks CONFIG_SECCOMP");
  return sys_error("cannot enter strict mode", e);
}

Result<void> set_no_new_privs() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) return Ok{};
  const int e = errno;
  return sys_error("prctl(PR_SET_NO_NEW_PRIVS, 1) failed", e,
                   e == EINVAL ? "the kernel predates Linux 3.5" : "");
}

Result<bool> get_no_new_privs() {
  const int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
  if (r < 0) {
    const int e = errno;
    return sys_error("prctl(PR_GET_NO_NEW_PRIVS) failed", e);
  }
  return r == 1;
}

Result<void> set_dumpable(bool dumpable) {
  if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) == 0) return Ok{};
  const int e = errno;
  return sys_error(std::string("prctl(PR_SET_DUMPABLE, ") + (dumpable ? "1" : "0") + ") failed", e);
}

Result<bool> get_dumpable() {
  const int r = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (r < 0) {
    const int e = errno;
    return sys_error("prctl(PR_GET_DUMPABLE) failed", e);
  }
  return r != 0;
}

}  // namespace sysfence::loader
