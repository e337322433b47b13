// sysfence/loader/loader.hpp — putting a classic-BPF program (or strict mode) into the kernel.
//
//   using namespace sysfence;
//   bpf::Program prog = ...;                                  // e.g. from the compiler
//   if (auto r = loader::set_no_new_privs(); !r) die(r.error());
//   loader::FilterOptions opt;
//   opt.flags = loader::kFlagTsync | loader::kFlagLog;
//   auto inst = loader::install_filter(prog, opt);
//   if (!inst) { std::cerr << inst.error().render(); return 1; }  // nothing was installed
//
//   auto k = loader::probe();                                 // what does this kernel offer?
//   if (k && k->flag_supported(loader::kFlagNewListener)) ...
//
// Rules this module keeps:
// - Never less than asked. Before the seccomp(2) call, install_filter() checks the program length
//   (1..4096), that the kernel supports every requested flag, that every action the program can
//   return through `RET K` is available (SECCOMP_GET_ACTION_AVAIL), and flag combinations the kernel
//   would refuse. If anything is missing it returns an Error and installs nothing. It never drops
//   a flag or substitutes an action.
// - seccomp(2) is called directly (syscall(2)), never through a library. prctl(PR_SET_SECCOMP) is
//   used only when seccomp(2) itself returns ENOSYS (kernels before 3.17), and then only for a
//   request without flags (prctl cannot carry flags).
// - Errors carry sys_errno (the errno of the failed call) and a hint saying what would fix them.
//   When the kernel refuses the program itself (EINVAL, it never says why), the message adds the
//   first rule bpf::find_violation() reports, with the instruction index.
// - The program is not verified before the call: the kernel is the authority, the verifier only
//   explains a refusal.
//
// Flag probing (probe_flag): seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL). The kernel checks the
// flags (unknown bit or refused combination: EINVAL) *before* it copies the program from user
// memory (NULL: EFAULT), and before it looks at NO_NEW_PRIVS (EACCES comes after the copy). So
// EFAULT means "the flag is known", EINVAL means "unknown". A zero-length program cannot be used
// for this: it also yields EINVAL. Dependent flags are probed in a legal combination
// (WAIT_KILLABLE_RECV together with NEW_LISTENER, which is probed first). Nothing is installed
// by a probe, and no listener fd is created (the kernel allocates it after copying the program).
//
// Known weaknesses:
// - `RET A` returns a value computed at run time: its action cannot be checked in advance.
// - A filter already installed on the calling thread can answer seccomp(2) itself (e.g. with
//   ERRNO); probes then report what that filter says, not what the kernel supports.
// - LOG and SPEC_ALLOW have no visible effect a test can check from user space (audit log,
//   speculation mitigations); the loader proves only that the kernel accepted them.
// - TSYNC_ESRCH makes the kernel hide which thread blocked the sync; the error then lists the
//   threads whose /proc filter count differs from the caller's, which is a best-effort guess.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <sys/types.h>
#include <vector>

#include "sysfence/bpf/actions.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/loader/notify.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::loader {

// SECCOMP_FILTER_FLAG_* (linux/seccomp.h), same bit values.
inline constexpr uint32_t kFlagTsync = 1u << 0;             // Linux 3.17
inline constexpr uint32_t kFlagLog = 1u << 1;               // Linux 4.14
inline constexpr uint32_t kFlagSpecAllow = 1u << 2;         // Linux 4.17
inline constexpr uint32_t kFlagNewListener = 1u << 3;       // Linux 5.0
inline constexpr uint32_t kFlagTsyncEsrch = 1u << 4;        // Linux 5.7
inline constexpr uint32_t kFlagWaitKillableRecv = 1u << 5;  // Linux 5.19
inline constexpr uint32_t kAllFlags = (1u << 6) - 1;

// "tsync", "log", "spec_allow", "new_listener", "tsync_esrch", "wait_killable_recv";
// "flag(0x40)" for an unknown bit.
std::string flag_name(uint32_t single_flag);
// "tsync|log"; "none" for 0.
std::string flags_to_string(uint32_t flags);

struct FilterOptions {
  uint32_t flags = 0;  // kFlag* bits
  // Call set_no_new_privs() right before installing (after every check passed).
  bool set_no_new_privs = false;
  // Skip the action check (e.g. under a parent filter that answers SECCOMP_GET_ACTION_AVAIL).
  bool check_actions = true;
  // Allow a program that returns USER_NOTIF without kFlagNewListener. The kernel answers such
  // syscalls with ENOSYS (no listener exists for that filter); refused by default.
  bool allow_user_notif_without_listener = false;
};

struct Installed {
  Listener listener;       // valid() only with kFlagNewListener: the notification fd (O_CLOEXEC)
  bool via_prctl = false;  // true when seccomp(2) was missing and prctl() installed it
};

// Installs `prog` on the calling thread (and, with kFlagTsync, on every thread of the process).
// See the rules above. On a TSYNC failure the error message contains "thread <tid>" and
// tsync_blocking_thread() returns that tid.
Result<Installed> install_filter(std::span<const bpf::Insn> prog, const FilterOptions& opts = {});

// Strict mode (SECCOMP_MODE_STRICT): afterwards only read, write, _exit (exit, not exit_group)
// and rt_sigreturn are allowed; any other syscall kills the thread with SIGKILL. Note that glibc's
// exit() and _exit() call exit_group, which strict mode kills: use syscall(SYS_exit, status).
Result<void> install_strict();

// Installs a stack (compiler::compile_stack(): install order, each syscall decided in one filter)
// all or none. Every filter is checked first (as install_filter() does, plus the stack's
// instruction budget); a failure there installs nothing. `opts` applies to every filter, except
// that NEW_LISTENER (and WAIT_KILLABLE_RECV) goes only to the filter that can return USER_NOTIF
// (the first when none can; two that can is an error) and no_new_privs is set once, first.
// The returned Installed is that filter's (its listener). One program: install_filter().
// Fail closed: when the kernel refuses a filter after an earlier one of the stack went in (a
// runtime failure no check can foresee, e.g. ENOMEM from filters installed before the stack,
// whose sizes are unknown), the process would be half confined; install_filters() then writes
// the reason to stderr and ends the process with exit_group(kExitHalfConfined). It never returns
// in that state.
inline constexpr int kExitHalfConfined = 125;
Result<Installed> install_filters(std::span<const bpf::Program> install_order,
                                  const FilterOptions& opts = {});

// The thread id a failed TSYNC install named (Error::tsync_thread(), the payload of an Error
// made by install_filter() with code ErrorCode::TsyncBlocked).
std::optional<pid_t> tsync_blocking_thread(const Error& e);

// Checks install_filter() would do without calling seccomp(2) to install: the length, the flags
// (against `k`), and the actions `prog` can return. Exposed for tools that want to fail early.
struct KernelSupport;
Result<void> check_installable(std::span<const bpf::Insn> prog, const FilterOptions& opts,
                               const KernelSupport& k);

// prctl(PR_SET_NO_NEW_PRIVS, 1) / PR_GET_NO_NEW_PRIVS. Cannot be undone; inherited by children.
Result<void> set_no_new_privs();
Result<bool> get_no_new_privs();
// prctl(PR_SET_DUMPABLE, 0 or 1) / PR_GET_DUMPABLE. Not dumpable: no core, no ptrace attach by
// the same uid without CAP_SYS_PTRACE, /proc/PID files owned by root. get_dumpable() returns
// true for 1 and for 2 (suid_dumpable "root only").
Result<void> set_dumpable(bool dumpable);
Result<bool> get_dumpable();

// ---- Probing -----------------------------------------------------------------------------

// seccomp(SECCOMP_GET_NOTIF_SIZES): the kernel's struct sizes (Linux 5.0).
struct NotifSizes {
  uint16_t notif = 0;       // struct seccomp_notif
  uint16_t notif_resp = 0;  // struct seccomp_notif_resp
  uint16_t data = 0;        // struct seccomp_data
};

// The eight actions known to sysfence, most restrictive first (bpf::kActionTable; `name` is the
// spelling of /proc/sys/kernel/seccomp/actions_avail, `ret` the action bits).
std::span<const bpf::ActionInfo> known_actions();

struct KernelSupport {
  bool seccomp_syscall = false;   // seccomp(2) exists (else only prctl)
  bool filter_mode = false;       // SECCOMP_MODE_FILTER works at all
  bool get_action_avail = false;  // SECCOMP_GET_ACTION_AVAIL exists (Linux 4.14)
  uint32_t flags = 0;             // kFlag* bits the kernel accepts
  std::vector<uint32_t> actions;  // available actions (bpf::kRet*), from GET_ACTION_AVAIL
  // /proc/sys/kernel/seccomp/actions_avail as read (names, in file order); empty if unreadable.
  std::vector<std::string> actions_avail_file;
  std::optional<NotifSizes> notif_sizes;  // absent before Linux 5.0

  bool flag_supported(uint32_t f) const { return (flags & f) == f; }
  bool action_available(uint32_t action) const;
  std::string describe() const;  // multi-line human summary (for `sysfence probe`)
};

// Runs every probe below. Fails only when seccomp is unusable in a way worth reporting.
Result<KernelSupport> probe();
// SECCOMP_GET_ACTION_AVAIL: true available, false EOPNOTSUPP; Error when the operation itself is
// missing (EINVAL before Linux 4.14, ENOSYS before 3.17).
Result<bool> action_available(uint32_t action);
// Is this single flag (or combination) accepted? Method described at the top of this file.
Result<bool> probe_flag(uint32_t flags);
Result<NotifSizes> notif_sizes();
// Parses the contents of /proc/sys/kernel/seccomp/actions_avail ("kill_process ... allow").
std::vector<std::string> parse_actions_avail(std::string_view text);
Result<std::vector<std::string>> read_actions_avail(
    const std::string& path = "/proc/sys/kernel/seccomp/actions_avail");

// ---- Raw access (for tests and the compat layer) ------------------------------------------

// syscall(SYS_seccomp, op, flags, args): returns the raw result (-1 and errno on failure).
long raw_seccomp(unsigned int op, unsigned int flags, void* args);

}  // namespace sysfence::loader

SYSFENCE_API_END
