// sysfence/ir/policy.hpp — the policy IR every frontend builds and the compiler reads.
//
//   using namespace sysfence::ir;
//   PolicySpec s;
//   s.default_action = Action::errno_(EPERM);
//   s.arches = {sysfence::arch::Arch::X86_64};
//   s.rules.push_back(Rule::on("read", Action::allow()));
//   s.rules.push_back(Rule::on("write", Action::allow(), {ArgCmp::eq(0, 1)}));
//   sysfence::Result<ValidatedPolicy> p = ValidatedPolicy::build(std::move(s));   // validated here
//   if (!p) std::cerr << p.error().render();
//
// Frontends (text language, OCI JSON, the C++ builder, the libseccomp C API) fill a PolicySpec;
// ValidatedPolicy::build validates it and resolves syscall names per target arch. A
// ValidatedPolicy is immutable.
//
// Semantics (docs/policy-language.md, "Several rules for one syscall" and "Arches and constants"):
//  * A syscall's rules are ORed; a rule's comparisons are ANDed.
//  * When several rules of one syscall match, the most restrictive action wins, with the kernel's
//    order between filters: kill_process > kill_thread > trap > errno > user_notif > trace > log
//    > allow. Between two rules with the same action kind, the earlier rule's data wins.
//  * No rule matches: the default action. A syscall number that no target arch's table names
//    gets `unknown_syscall_action` when set (ENOSYS is the right answer for "newer than this
//    policy"), else the default action.
//  * Calls from an arch the policy does not target get `bad_arch_action`. On x86_64 the i386
//    door (int 0x80, kAuditArchI386) and the x32 door (kAuditArchX86_64 with bit 30 in nr) are
//    separate arches: each is open only when listed in `arches`.
//  * Comparisons are unsigned. On a 32-bit arch (i386, x32 args are 64-bit, arm) and for
//    Width::Bits32 only the low 32 bits of the argument are compared; a value with high bits set
//    is an error there, except a sign-extended negative 32-bit number (high word 0xffffffff and
//    bit 31 set), which is taken as its low word.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/actions.hpp"
#include "sysfence/diagnostics.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::ir {

// The eight actions, most restrictive first (their one table: sysfence/bpf/actions.hpp).
using bpf::ActionKind;

struct Action {
  ActionKind kind = ActionKind::KillProcess;
  uint16_t data = 0;  // errno (<= 4095) for Errno, message for Trace, si_errno for Trap

  static constexpr Action kill_process() { return {ActionKind::KillProcess, 0}; }
  static constexpr Action kill_thread() { return {ActionKind::KillThread, 0}; }
  static constexpr Action trap(uint16_t d = 0) { return {ActionKind::Trap, d}; }
  static constexpr Action errno_(uint16_t e) { return {ActionKind::Errno, e}; }
  static constexpr Action user_notif() { return {ActionKind::UserNotif, 0}; }
  static constexpr Action trace(uint16_t msg = 0) { return {ActionKind::Trace, msg}; }
  static constexpr Action log() { return {ActionKind::Log, 0}; }
  static constexpr Action allow() { return {ActionKind::Allow, 0}; }

  uint32_t to_ret() const;                                  // SECCOMP_RET_* | data
  static std::optional<Action> from_ret(uint32_t ret);      // nullopt for an unknown action
  static Action from_ret_or(uint32_t ret, Action unknown);  // the same, without the optional
  std::string to_string() const;                            // "errno(1)", "allow", ...
  // Kernel precedence: true when *this wins over `other` (more restrictive).
  bool more_restrictive_than(const Action& other) const;

  friend constexpr bool operator==(const Action&, const Action&) = default;
};

enum class CmpOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge, MaskedEq };
enum class Width : uint8_t { Bits64, Bits32 };

struct ArgCmp {
  uint8_t arg = 0;  // 0..5
  CmpOp op = CmpOp::Eq;
  uint64_t value = 0;     // MaskedEq: (arg & mask) == value
  uint64_t mask = ~0ULL;  // used by MaskedEq only
  Width width = Width::Bits64;
  SourceLoc loc;

  static ArgCmp eq(uint8_t a, uint64_t v) { return {a, CmpOp::Eq, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp ne(uint8_t a, uint64_t v) { return {a, CmpOp::Ne, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp lt(uint8_t a, uint64_t v) { return {a, CmpOp::Lt, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp le(uint8_t a, uint64_t v) { return {a, CmpOp::Le, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp gt(uint8_t a, uint64_t v) { return {a, CmpOp::Gt, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp ge(uint8_t a, uint64_t v) { return {a, CmpOp::Ge, v, ~0ULL, Width::Bits64, {}}; }
  static ArgCmp masked_eq(uint8_t a, uint64_t m, uint64_t v) {
    return {a, CmpOp::MaskedEq, v, m, Width::Bits64, {}};
  }
  ArgCmp as32() const {
    ArgCmp c = *this;
    c.width = Width::Bits32;
    return c;
  }
};

// A comparison as the compiler applies it on one arch (see effective()). `low32`: only the low
// word of the argument is compared, and value/mask fit in 32 bits.
struct EffectiveCmp {
  uint8_t arg = 0;
  CmpOp op = CmpOp::Eq;
  uint64_t value = 0;
  uint64_t mask = ~0ULL;
  bool low32 = false;
};

// How `c` applies on arch `a`: on a 32-bit arch, and for Width::Bits32, value and mask are cut
// to their low word (a sign-extended negative 32-bit value is taken as its low word). Only
// meaningful for comparisons that ValidatedPolicy::build accepted.
EffectiveCmp effective(const ArgCmp& c, arch::Arch a);

// Why the ANDed comparisons `conds` can never all hold on arch `a`, as text naming the
// comparisons ("arg1 > 0xffffffff is never true: no value is above 0xffffffff (arguments on i386
// are 32-bit)"), or "" when some argument values satisfy them all. Exact for every mix of
// operators on one argument and one width; an argument compared at both widths is not analysed
// (taken as satisfiable). Every frontend uses this one rule: ValidatedPolicy::build rejects a rule that
// can never match, the text language drops such conjunctions of a condition and rejects a
// condition that has none left.
std::string never_holds(std::span<const ArgCmp> conds, arch::Arch a);

struct Rule {
  std::string syscall;                  // name, resolved per target arch
  std::optional<int32_t> nr;            // a raw number instead of a name (needs only_arch when
                                        // the policy targets several arches)
  std::optional<arch::Arch> only_arch;  // restrict the rule to one target arch
  std::vector<ArgCmp> conds;            // ANDed; empty: unconditional
  Action action;
  SourceLoc loc;
  // Set by ValidatedPolicy::build on the rules it derives (the multiplexed form of a socket or IPC call,
  // see PolicySpec::multiplexed_calls); frontends leave it false. Lints skip derived rules.
  bool derived = false;
  // The group the rule came from when a frontend expanded one ("@mount" in the text language);
  // empty for a rule that names its syscall. Lints treat a group's rules as one statement.
  std::string group;

  static Rule on(std::string name, Action a, std::vector<ArgCmp> c = {}) {
    Rule r;
    r.syscall = std::move(name);
    r.action = a;
    r.conds = std::move(c);
    return r;
  }
};

// What a syscall name does on an arch that lacks it.
enum class MissingSyscall : uint8_t { Error, Warn, Ignore };

// A sandbox statement of the text language (`fs read /usr`, `net connect tcp 443`, `limit
// nofile 256`, ...): kept as written, with its location; the sandbox module gives it meaning
// (sysfence/sandbox/statements.hpp). The syscall pipeline ignores it.
struct SandboxStatement {
  std::string keyword;   // "fs", "net", "limit", ...
  std::string args;      // the rest of the line, as written (comments and trailing blanks cut)
  SourceLoc where;       // the keyword
  SourceLoc args_where;  // the first character of args
};

struct PolicySpec {
  Action default_action = Action::kill_process();
  Action bad_arch_action = Action::kill_process();
  std::optional<Action> unknown_syscall_action;  // e.g. errno(ENOSYS)
  std::vector<arch::Arch> arches;                // empty: the native arch
  std::vector<Rule> rules;
  // A name known on some target arch but absent on another: warn by default. A name known on
  // no arch at all is always an error (with the nearest name suggested).
  MissingSyscall missing_syscall = MissingSyscall::Warn;
  // Socket and System V IPC calls reachable through a multiplexer (socketcall, ipc: on i386,
  // arch::multiplexed_call) get a derived rule on the multiplexer, keyed on its call number, so
  // that `socket: ...` also governs socketcall(SYS_SOCKET, ...). The filter cannot see the inner
  // call's arguments there, so the derived rule is the restrictive reading of the rule: an
  // unconditional rule applies to that call number as it is; a conditional rule whose action
  // denies (anything but allow and log) applies to every call of that number; a conditional
  // allow (or log, unless the default is allow) does not apply through the multiplexer. The
  // libseccomp C API, which has its own (libseccomp's) rules for this, turns it off.
  bool multiplexed_calls = true;
  SourceLoc loc;                          // where the policy itself came from
  std::vector<SandboxStatement> sandbox;  // sandbox statements, in source order
};

// One rule as it applies to one arch after validation: the syscall number on that arch.
struct ResolvedRule {
  int32_t nr;
  const Rule* rule;  // points into the ValidatedPolicy's shared, immutable state
};

// A PolicySpec after validation: immutable. Copies share one state (cheap; the pointers in
// ResolvedRule stay valid for as long as any copy lives).
class ValidatedPolicy {
 public:
  // Validates and resolves. Errors: unknown syscall (nearest name suggested), arg index > 5,
  // value too wide for a 32-bit arch, errno > 4095, a rule that can never match, a raw number
  // without an arch in a multi-arch policy, duplicate arches, x32/i386 listed without x86_64 is
  // fine (they are arches of their own).
  static Result<ValidatedPolicy> build(PolicySpec spec);
  // The same, reporting every error (each rule is checked; a rule's first error is reported)
  // and, on success, the warnings into `sink`; nullopt when there was an error. The frontends
  // use this form with the sink they collect their own diagnostics in.
  static std::optional<ValidatedPolicy> build(PolicySpec spec, Diagnostics& sink);

  const PolicySpec& spec() const;
  std::span<const arch::Arch> arches() const;
  // Rules that apply on `a`, in spec order, with their numbers on `a`.
  std::span<const ResolvedRule> rules_for(arch::Arch a) const;
  // Non-fatal findings from build(), e.g. a name absent on one target arch.
  std::span<const Error> warnings() const;

 private:
  struct State;
  explicit ValidatedPolicy(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;  // never null (there is no moved-from state: a move copies)
};

}  // namespace sysfence::ir

SYSFENCE_API_END
