// sysfence/sandbox/sandbox.hpp — the layers around the seccomp filter: Landlock (files, TCP ports,
// scopes), namespaces and mounts, resource limits, capabilities and ids, environment.
//
//   using namespace sysfence;
//   sandbox::Spec s;
//   s.paths.push_back({"/usr", sandbox::FsAccess::ReadExec});
//   s.paths.push_back({"/tmp/out", sandbox::FsAccess::ReadWrite});
//   s.connect_tcp.push_back(443);
//   s.rlimits.push_back(*sandbox::parse_rlimit("nofile=256"));
//   auto sb = sandbox::Sandbox::make(std::move(s));       // validated here (result-or-error)
//   if (!sb) { std::cerr << sb.error().render(); return 2; }
//   auto plan = sandbox::prepare(*sb);                     // probes the kernel: what will hold
//   if (!plan) { std::cerr << plan.error().render(); return 1; }   // strict mode and it can't
//   for (auto& line : plan->describe()) std::cout << line << '\n';
//   sandbox::SpawnOptions opts;
//   opts.filters = {seccomp_program};                      // installed last, before execve
//   auto child = sandbox::spawn(*plan, "/usr/bin/env", {"env"}, opts);
//   if (!child) { std::cerr << child.error().render(); return 1; }   // no child at all
//   int status = child->wait();                            // /usr/bin/env ran in every layer...
//   if (auto& f = child->failure()) std::cerr << f->text;  // ...unless a step failed: nothing ran
//
// Three steps:
//  - Sandbox::make() checks the Spec alone (no system calls): ports 1..65535, rlimit soft <= hard,
//    absolute mount targets, no --uid together with a user namespace, ...
//  - prepare() asks the kernel what it offers (Landlock ABI, user namespaces, capabilities) and
//    turns the Sandbox into a Plan: exactly what the child will enforce. In best-effort mode what
//    the kernel cannot do is dropped and named in Plan::not_enforced (one line); in strict mode
//    (Landlock strict) prepare() fails instead. The Plan is what `run --report`/`--json` print:
//    the child fails closed, so when the program runs, every layer of the Plan holds.
//  - spawn() starts the program: fork (vfork without layers) or fork_child, enter() (the Plan,
//    failing closed: any step that fails ends the child, which reports the stage, errno and
//    text), NO_NEW_PRIVS, PR_SET_DUMPABLE 0, the seccomp filters last, execve. It can hand the
//    last filter's listener over (a supervisor, `run --report`), also from a PID namespace.
//    `sysfence run` is a flag parser over it. enter() alone is for a caller with its own fork.
//
// Order inside enter() (each step's reason in docs/sandbox.md):
//   (fork_child: clone into the PID namespace, the child is PID 1) PR_SET_PDEATHSIG; the id maps
//   and unshare(the others); with a PID namespace: PID 1 becomes init (reaps, forwards signals,
//   exits with the program's status) and forks the program below it; mounts (/ private, binds,
//   tmpfs: a working directory below one is bound back at its path; a fresh /proc); loopback up;
//   hostname; rlimits;
//   chdir; NO_NEW_PRIVS; Landlock (rule fds are opened after the mounts); capabilities and ids;
//   PR_SET_PDEATHSIG again (an id change clears it); setsid; descriptors marked close-on-exec;
//   then the caller installs seccomp and calls execve.
//
// Known weaknesses:
//  - Landlock cannot restrict every file operation (chdir, stat, chmod/chown, and on ABI < 2 a
//    rename across directories is always denied); UDP and other non-TCP sockets are not covered
//    by Landlock's network rules (only a network namespace stops them).
//  - Taking the listener (hand_over_listener) needs ptrace rights over the program: root, or an
//    unprivileged caller with SpawnOptions::dumpable (the program is not dumpable otherwise).
//  - Mounts change the host paths' view only inside the new mount namespace; there is no
//    pivot_root into a new root.
#pragma once

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/loader/notify.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::sandbox {

// ---- The specification (what the user asked for) -------------------------------------------

enum class FsAccess : uint8_t { Read, ReadExec, ReadWrite, ReadWriteExec };
std::string_view fs_access_name(FsAccess a);  // "ro", "rox", "rw", "rwx"

struct PathRule {
  std::string path;
  FsAccess access = FsAccess::Read;
  SourceLoc where = {};
};

enum class LandlockMode : uint8_t { BestEffort, Strict, Off };

struct Rlimit {
  int resource = 0;   // RLIMIT_*
  uint64_t soft = 0;  // RLIM_INFINITY for "unlimited"
  uint64_t hard = 0;
  SourceLoc where = {};
};
// "nofile=256", "as=512M:1G", "core=0", "cpu=unlimited". Without ":HARD" the hard limit is SOFT
// too (a limit the program could raise again would not confine it). Suffixes K, M, G, T (1024).
Result<Rlimit> parse_rlimit(std::string_view text);
std::string_view rlimit_name(int resource);  // "nofile"; "" when unknown

// Namespace bits are the kernel's CLONE_NEW* values.
// "user,pid,net,ipc,uts,mount,cgroup" or "all" (also "mnt", "network").
Result<uint32_t> parse_namespaces(std::string_view text);
std::string namespaces_to_string(uint32_t clone_flags);  // "user,pid,net"

// "all", "net_admin", "CAP_NET_ADMIN", "12".
Result<int> parse_capability(std::string_view text);
std::string capability_name(int cap);  // "net_admin"

struct MountSpec {
  enum class Kind : uint8_t { Tmpfs, Bind, RoBind } kind = Kind::Tmpfs;
  std::string source;  // empty for tmpfs
  std::string target;
  SourceLoc where = {};
};

struct Spec {
  // Landlock.
  std::vector<PathRule> paths;  // once any is given, every other path is denied
  LandlockMode landlock = LandlockMode::BestEffort;
  bool fs_deny_all = false;           // handle file access even with no rule (deny everything)
  std::vector<uint16_t> connect_tcp;  // allowed TCP connect ports (Landlock ABI 4)
  std::vector<uint16_t> bind_tcp;     // allowed TCP bind ports
  bool net_none = false;              // new network namespace (loopback only), or Landlock
                                      // denying all TCP when namespaces are unavailable
  std::optional<bool> scope_abstract_unix;  // unset: on whenever Landlock is in use (ABI 6)
  std::optional<bool> scope_signal;
  // Namespaces and mounts.
  uint32_t unshare = 0;   // CLONE_NEW* bits; user is added when needed
  bool map_root = false;  // inside a user namespace, be root (else: yourself)
  std::vector<MountSpec> mounts;
  std::optional<std::string> hostname;  // needs the uts namespace (added when missing)
  // Resources (core=0 is added unless given).
  std::vector<Rlimit> rlimits;
  // Privilege.
  std::vector<int> cap_keep;  // everything else is dropped from every set
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // Environment.
  bool clearenv = false;
  std::vector<std::pair<std::string, std::string>> setenv;
  std::optional<std::string> chdir;
  std::vector<int> keep_fds;  // besides 0, 1, 2
  bool new_session = false;   // setsid(): no TIOCSTI into the caller's terminal
  // Seccomp rules the sandbox adds to the policy: chmod/fchmod/fchmodat(2)/open/openat/creat
  // with S_ISUID or S_ISGID in the mode fail with EPERM (openat2 passes its mode in memory,
  // where a filter cannot look: NO_NEW_PRIVS and nosuid mounts are the answer there).
  // Note: arguments checked on openat make it uncacheable by the kernel's seccomp cache, so the
  // CLI sets this only when some sandbox layer was asked for (a plain `run` keeps its filter).
  bool no_setuid_files = true;

  // Anything asked beyond a plain `run` (which still gets core=0, no capabilities, NNP)?
  bool asks_for_layers() const {
    return landlock_in_use() || net_none || unshare != 0 || !mounts.empty() || hostname ||
           !rlimits.empty() || !cap_keep.empty() || uid || gid || clearenv || !setenv.empty() ||
           chdir || !keep_fds.empty() || new_session || scope_abstract_unix.value_or(false) ||
           scope_signal.value_or(false);
  }

  bool landlock_in_use() const {
    return !paths.empty() || fs_deny_all || !connect_tcp.empty() || !bind_tcp.empty();
  }
};

class Sandbox {
 public:
  static Result<Sandbox> make(Spec spec);
  const Spec& spec() const { return spec_; }

 private:
  explicit Sandbox(Spec s) : spec_(std::move(s)) {}
  Spec spec_;
};

// ---- Named profiles ------------------------------------------------------------------------------

// The names of the embedded profiles (policies/profiles/NAME.policy: sandbox statements, see
// statements.hpp; profile_text() gives the text to parse).
std::vector<std::string> profile_names();

// ---- What the kernel offers ------------------------------------------------------------------

struct KernelFeatures {
  int landlock_abi = 0;          // 0: Landlock missing or disabled
  int landlock_errno = 0;        // why it is 0 (ENOSYS: not built, EOPNOTSUPP: disabled at boot)
  bool user_namespaces = false;  // an unprivileged user namespace could be created
  bool root = false;             // CAP_SYS_ADMIN in the current user namespace
  int cap_last = 40;             // /proc/sys/kernel/cap_last_cap
};
KernelFeatures probe_kernel();
int landlock_abi();  // the first field alone (cheap: one syscall)

// ---- The plan: exactly what enter() enforces ---------------------------------------------------

struct Plan {
  Sandbox sandbox;
  KernelFeatures kernel;
  // Landlock, reduced to what the kernel's ABI handles.
  bool landlock = false;
  uint64_t handled_fs = 0;
  uint64_t handled_net = 0;
  uint64_t scoped = 0;
  std::vector<std::pair<std::string, uint64_t>> fs_rules;  // path, allowed access (masked)
  std::vector<std::pair<uint16_t, uint64_t>> net_rules;    // port, allowed access
  // Namespaces actually unshared (user added when needed).
  uint32_t unshare = 0;
  bool user_ns_added = false;
  std::vector<Rlimit> rlimits;  // with the core=0 default
  bool drop_caps = true;
  std::vector<std::string> env;  // the program's environment ("K=V"), from the base given
  std::string not_enforced;      // "" or one line: what this kernel could not enforce

  // One line per layer: "landlock: ABI 7; read /usr; read-write /tmp/x; ...".
  std::vector<std::string> describe() const;
  // The same as a JSON object (layers -> strings), for `run --report --json`-style output.
  std::string describe_json() const;
};

// `base_env` is the environment the program would otherwise get (NULL-terminated, e.g. environ).
Result<Plan> prepare(const Sandbox& sb, char** base_env = nullptr);

// The policy with the sandbox's own seccomp rules added (see Spec::no_setuid_files): one merged
// filter, not a second one stacked on it.
Result<ir::ValidatedPolicy> with_sandbox_rules(const ir::ValidatedPolicy& base, const Plan& plan);
// The same rules on their own terms: `base` plus errno EPERM for every call that would set
// S_ISUID/S_ISGID on a file (what with_sandbox_rules adds when Spec::no_setuid_files is set).
// The CLI's build-time precompiled default uses it, so `run --profile ...` compiles nothing.
Result<ir::ValidatedPolicy> with_setuid_file_rules(const ir::ValidatedPolicy& base);

// ---- Carrying it out ---------------------------------------------------------------------------

// Runs in a freshly forked (fork_child), single-threaded child. For a Spec that asks for no layers
// (!asks_for_layers(): the defaults core=0, no capabilities, NO_NEW_PRIVS, descriptors) it only
// makes system calls and allocates nothing, so it may run in a vfork child. May fork (PID namespace): the processes above
// the one that returns never return (they wait and exit with the program's status). Returns in
// the process that must exec. `runner` is the pid of the process the child must die with.
Result<void> enter(const Plan& plan, pid_t runner);

// The fork for enter(): with a PID namespace in the plan, clone() straight into it (and into
// the user namespace that owns it, when the plan has one): the child is PID 1 and enter() makes
// it the namespace's init, with nothing waiting above it. Without one, a plain fork(). Returns
// like fork(): 0 in the child, its pid in the caller, -1 with errno. The caller waits for that
// pid; with a PID namespace its status is the program's exit status, or 128+N when a signal N
// killed the program (an init cannot die by its own signal).
pid_t fork_child(const Plan& plan);

// ---- The confined spawn ---------------------------------------------------------------------

enum class SpawnStage : uint8_t { SetUp, Filter, Exec };
std::string_view spawn_stage_name(SpawnStage s);  // "set-up", "filter", "execve"

// Why nothing ran: the step that failed in the child, its errno, the rendered diagnostic
// (empty for Exec: the errno says it).
struct SpawnFailure {
  SpawnStage stage = SpawnStage::SetUp;
  int err = 0;
  std::string text;
};

struct SpawnOptions {
  // Installed last, in this order, just before execve (a stack goes in all or none: a refusal
  // after its first filter ends the child with loader::kExitHalfConfined). Empty: no seccomp.
  std::vector<bpf::Program> filters;
  uint32_t seccomp_flags = 0;  // loader::kFlag* (NEW_LISTENER: set hand_over_listener instead)
  bool dumpable = false;       // false: PR_SET_DUMPABLE 0 between the set-up and execve
  // Install the last filter with NEW_LISTENER and hand the listener to the caller
  // (Spawned::take_listener): the program waits, spinning, until the caller holds it.
  bool hand_over_listener = false;
  // The child's signal mask (a caller that blocks signals around spawn() to install handlers
  // that need the pid gives the mask from before). Null: inherited.
  const sigset_t* child_sigmask = nullptr;
};

// A confined program started by spawn(). The caller waits on pid() (wait(), or a supervisor
// that reaps it and reports the status with set_status()); failure() says whether it got as far
// as execve. Destroying it closes its descriptors; it never kills or waits.
class Spawned {
 public:
  Spawned(Spawned&& o) noexcept;
  Spawned& operator=(Spawned&&) = delete;
  Spawned(const Spawned&) = delete;
  Spawned& operator=(const Spawned&) = delete;
  ~Spawned();

  // The child to wait on: the program itself, or, with a PID namespace, its init (which exits
  // with the program's status, 128+N when a signal N killed it; wait() and set_status() give
  // the program's own wait status instead, signal included).
  pid_t pid() const { return pid_; }
  int pidfd();  // a pidfd of pid() (opened on first use; -1 when the kernel has none)
  // Blocks until the program runs (its execve succeeded) or the child failed before it: the
  // error carries failure()'s text and errno.
  Result<void> started();
  // With SpawnOptions::hand_over_listener: blocks until the program has installed its filter,
  // then takes the listener (pidfd_getfd on a pidfd the program sent of itself, so it works
  // from inside a PID namespace too) and lets the program exec. Error when the child ended first.
  Result<loader::Listener> take_listener();
  // The process that execs, in the caller's PID namespace (known after take_listener(); else
  // pid() without a PID namespace, -1 with one).
  pid_t program_pid() const { return program_pid_; }
  // waitpid (EINTR retried), once only: the program's wait status (with a PID namespace the one
  // its init saw, so WIFSIGNALED/WTERMSIG say whether a signal killed the program).
  int wait();
  // The caller reaped pid() itself and passes pid()'s status; a later wait() returns the
  // program's, as above.
  void set_status(int status);
  // After the child ended (or started() returned): why nothing ran, or nullopt (it exec'd).
  const std::optional<SpawnFailure>& failure();

  struct Shared;  // the page the child shares with the caller (spawn.cpp)

 private:
  friend Result<Spawned> spawn(const Plan& plan, const std::string& path,
                               const std::vector<std::string>& argv, const SpawnOptions& opts);
  Spawned() = default;
  pid_t pid_ = -1;
  int pipe_ = -1;
  int pidfd_sock_ = -1;
  int pidfd_ = -1;
  int program_pidfd_ = -1;
  pid_t program_pid_ = -1;
  Shared* shared_ = nullptr;
  int status_ = 0;
  bool reaped_ = false;
  std::optional<SpawnFailure> failure_;
};

// fork (vfork when the Plan asks for no layers and no listener: nothing to copy) or
// fork_child (PID namespace) + PR_SET_PDEATHSIG + enter() + NO_NEW_PRIVS + PR_SET_DUMPABLE 0 +
// the filters + execve(path, argv, plan.env). Returns as soon as the child exists; Error only
// when it could not be made. Nothing runs unless every step succeeded (fail closed).
Result<Spawned> spawn(const Plan& plan, const std::string& path,
                      const std::vector<std::string>& argv, const SpawnOptions& opts);

// The first form: one filter (no PR_SET_DUMPABLE 0), and back only when the program runs (its
// execve succeeded) or with the error that stopped it (nothing ran). The caller waits for pid.
struct Child {
  pid_t pid = -1;
};
Result<Child> spawn(const Plan& plan, const std::string& path, const std::vector<std::string>& argv,
                    const bpf::Program* filter = nullptr, uint32_t seccomp_flags = 0);

// Landlock access bits (uapi values; written out here so older headers still build).
namespace ll {
inline constexpr uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2,
                          kReadDir = 1ull << 3, kRemoveDir = 1ull << 4, kRemoveFile = 1ull << 5,
                          kMakeChar = 1ull << 6, kMakeDir = 1ull << 7, kMakeReg = 1ull << 8,
                          kMakeSock = 1ull << 9, kMakeFifo = 1ull << 10, kMakeBlock = 1ull << 11,
                          kMakeSym = 1ull << 12, kRefer = 1ull << 13, kTruncate = 1ull << 14,
                          kIoctlDev = 1ull << 15;
inline constexpr uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
inline constexpr uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;
// The bits a rule on a file (not a directory) can allow; the others apply beneath directories.
inline constexpr uint64_t kFileOnlyBits = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;
// Every file access bit the given ABI knows.
uint64_t fs_bits_for_abi(int abi);
// The bits an `fs` rule of that access allows (before masking by what the kernel handles).
uint64_t access_bits(FsAccess a);
}  // namespace ll

}  // namespace sysfence::sandbox

SYSFENCE_API_END
