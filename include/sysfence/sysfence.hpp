// sysfence/sysfence.hpp — the C++ builder API: write a policy in a few lines, compile, install.
//
//   #include <sysfence/sysfence.hpp>
//   using sysfence::arg;
//
//   auto policy = sysfence::Policy::deny_by_default(sysfence::Errno{EPERM})
//                     .allow("read")
//                     .allow("write", arg(0) == 1 || arg(0) == 2)        // stdout, stderr
//                     .allow("openat", (arg(2) & O_ACCMODE) == O_RDONLY)  // read-only opens
//                     .allow("mmap", (arg(2) & PROT_EXEC) == 0)
//                     .allow("kill", arg(1).low32() == 0)                 // int: compare 32 bits
//                     .allow({"exit", "exit_group", "brk", "close", "fstat"})
//                     .kill("ptrace")
//                     .trap("kill")
//                     .unknown_syscalls(sysfence::Errno{ENOSYS});      // newer than the policy
//   if (auto r = policy.install(); !r) { std::cerr << r.error().render(); return 1; }
//
//   auto prog = policy.compile();            // Result<bpf::Program>, to inspect or ship
//   auto ir = policy.build();                // Result<ir::ValidatedPolicy>, validated, with warnings()
//
// Semantics (see sysfence/ir/policy.hpp): a syscall's rules are ORed, the comparisons of one
// rule ANDed; when several rules match, the most restrictive action wins (kill_process >
// kill_thread > trap > errno > user_notif > trace > log > allow); no match: the default action.
// `a || b` on one call gives two rules with the same action. The policy targets the native arch
// unless on_arch() says otherwise; i386 and x32 callers on x86_64 get the bad-arch action
// (kill_process by default) unless targeted.
//
// Comparisons are UNSIGNED and 64-bit: arg(0) < 0 never matches (an error at build()), and a
// negative number is its two's complement (arg(0) == -1 is 0xffffffffffffffff). For an `int`
// argument, whose upper 32 bits the kernel does not define on 64-bit arches, use .low32(). On
// 32-bit arches only the low 32 bits exist; a wider value is an error there.
//
// Errors carry the file:line of the builder call that added the rule (std::source_location).
//
// Conditions say what the policy language says: ==, !=, <, <=, >, >=, (arg & m) == v,
// (arg & m) != v, &&, || and !. They are kept in normal form (an OR of ANDs; negation pushed
// down to the comparisons, sysfence/ir/condition.hpp), one IR rule per AND: `(arg & m) != v`
// becomes one rule per bit of m, and `!` of a long OR multiplies out. A condition that would
// expand past ir::DnfLimits is an error at build().
//
// Known weaknesses: `&&` of two ORs multiplies out without a limit (as written, the caller
// controls it). Names are checked at build(), not at compile time of your program.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <source_location>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/ir/condition.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/loader/loader.hpp"  // install() returns loader::Installed
#include "sysfence/result.hpp"
#include "sysfence/version.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence {

using Action = ir::Action;
using arch::Arch;

// Actions with data, usable wherever an Action is expected: Errno{EPERM}, Trap{}, Trace{7}.
struct Errno {
  uint16_t value;
  operator Action() const { return Action::errno_(value); }  // NOLINT(google-explicit-constructor)
};
struct Trap {
  uint16_t data = 0;
  operator Action() const { return Action::trap(data); }  // NOLINT
};
struct Trace {
  uint16_t msg = 0;
  operator Action() const { return Action::trace(msg); }  // NOLINT
};
inline constexpr Action kAllow = Action::allow();
inline constexpr Action kKillProcess = Action::kill_process();
inline constexpr Action kKillThread = Action::kill_thread();
inline constexpr Action kLog = Action::log();
inline constexpr Action kUserNotif = Action::user_notif();

// A condition: an OR of ANDs of argument comparisons. Built from arg(i) expressions.
class Cond {
 public:
  Cond() = default;  // always true
  explicit Cond(ir::ArgCmp c) : alts_{{c}} {}
  explicit Cond(ir::Dnf alternatives) : alts_(std::move(alternatives)) {}

  friend Cond operator&&(const Cond& a, const Cond& b);
  friend Cond operator||(const Cond& a, const Cond& b);
  // Holds when `c` does not (De Morgan, ir::negate); past ir::DnfLimits the condition is marked
  // too_large() and build() fails.
  friend Cond operator!(const Cond& c);

  // The alternatives (each an AND of comparisons); one alternative with no comparisons: true;
  // none: false.
  const std::vector<std::vector<ir::ArgCmp>>& alternatives() const { return alts_; }
  bool too_large() const { return too_large_; }

 private:
  std::vector<std::vector<ir::ArgCmp>> alts_{{}};
  bool too_large_ = false;
};

template <class T>
concept ArgValue = std::integral<T> || std::is_enum_v<T>;

// Signed values sign-extend to 64 bits, so arg(0) == -1 means all 64 bits set.
template <ArgValue T>
constexpr uint64_t to_arg_value(T v) {
  if constexpr (std::is_enum_v<T>) {
    return to_arg_value(static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  } else {
    return static_cast<uint64_t>(v);
  }
}

class MaskedArg;

// arg(i): syscall argument i (0..5); compare it with ==, !=, <, <=, >, >=, or mask it with &.
class Arg {
 public:
  constexpr explicit Arg(uint8_t index, ir::Width w = ir::Width::Bits64) : i_(index), w_(w) {}
  // Compare only the low 32 bits (for int-typed arguments).
  constexpr Arg low32() const { return Arg(i_, ir::Width::Bits32); }

  template <ArgValue T>
  Cond operator==(T v) const {
    return make(ir::CmpOp::Eq, to_arg_value(v));
  }
  template <ArgValue T>
  Cond operator!=(T v) const {
    return make(ir::CmpOp::Ne, to_arg_value(v));
  }
  template <ArgValue T>
  Cond operator<(T v) const {
    return make(ir::CmpOp::Lt, to_arg_value(v));
  }
  template <ArgValue T>
  Cond operator<=(T v) const {
    return make(ir::CmpOp::Le, to_arg_value(v));
  }
  template <ArgValue T>
  Cond operator>(T v) const {
    return make(ir::CmpOp::Gt, to_arg_value(v));
  }
  template <ArgValue T>
  Cond operator>=(T v) const {
    return make(ir::CmpOp::Ge, to_arg_value(v));
  }
  template <ArgValue T>
  MaskedArg operator&(T mask) const;

  uint8_t index() const { return i_; }
  ir::Width width() const { return w_; }

 private:
  Cond make(ir::CmpOp op, uint64_t v) const {
    ir::ArgCmp c;
    c.arg = i_;
    c.op = op;
    c.value = v;
    c.width = w_;
    return Cond(c);
  }
  uint8_t i_;
  ir::Width w_;
};

// (arg(i) & mask) == value, (arg(i) & mask) != value.
class MaskedArg {
 public:
  MaskedArg(Arg a, uint64_t mask) : a_(a), mask_(mask) {}
  template <ArgValue T>
  Cond operator==(T v) const {
    ir::ArgCmp c = ir::ArgCmp::masked_eq(a_.index(), mask_, to_arg_value(v));
    c.width = a_.width();
    return Cond(c);
  }
  // Some bit of the mask differs from value's: one alternative per bit of the mask.
  template <ArgValue T>
  Cond operator!=(T v) const {
    ir::ArgCmp base;
    base.arg = a_.index();
    base.width = a_.width();
    return Cond(ir::masked_cmp(base, ir::CmpOp::Ne, mask_, to_arg_value(v)));
  }

 private:
  Arg a_;
  uint64_t mask_;
};

template <ArgValue T>
MaskedArg Arg::operator&(T mask) const {
  return MaskedArg(*this, to_arg_value(mask));
}

constexpr Arg arg(uint8_t index) { return Arg(index); }

// A policy under construction. Every adder returns the policy, so calls chain; nothing is
// checked until build() (or compile()/install(), which call it).
class Policy {
 public:
  using Where = std::source_location;

  // Everything not allowed gets `deflt` (kill_process by default; Errno{EPERM} is friendlier).
  static Policy deny_by_default(Action deflt = kKillProcess, Where w = Where::current());
  // Everything not denied is allowed (a denylist: weaker, for hardening existing programs).
  static Policy allow_by_default(Where w = Where::current());

  Policy& allow(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, kAllow, c, w);
  }
  Policy&& allow(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) && {
    return std::move(on(syscall, kAllow, c, w));
  }
  Policy& allow(std::initializer_list<std::string_view> syscalls, Where w = Where::current()) &;
  Policy&& allow(std::initializer_list<std::string_view> syscalls, Where w = Where::current()) && {
    return std::move(allow(syscalls, w));
  }
  Policy& kill(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, kKillProcess, c, w);
  }
  Policy&& kill(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) && {
    return std::move(on(syscall, kKillProcess, c, w));
  }
  Policy& kill_thread(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, kKillThread, c, w);
  }
  Policy&& kill_thread(std::string_view syscall, const Cond& c = {},
                       Where w = Where::current()) && {
    return std::move(on(syscall, kKillThread, c, w));
  }
  Policy& trap(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, Trap{}, c, w);
  }
  Policy&& trap(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) && {
    return std::move(on(syscall, Trap{}, c, w));
  }
  // The syscall fails with `e` (e.g. Errno{EPERM}).
  Policy& deny(std::string_view syscall, Errno e, const Cond& c = {},
               Where w = Where::current()) & {
    return on(syscall, e, c, w);
  }
  Policy&& deny(std::string_view syscall, Errno e, const Cond& c = {},
                Where w = Where::current()) && {
    return std::move(on(syscall, e, c, w));
  }
  Policy& log(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, kLog, c, w);
  }
  Policy&& log(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) && {
    return std::move(on(syscall, kLog, c, w));
  }
  Policy& notify(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) & {
    return on(syscall, kUserNotif, c, w);
  }
  Policy&& notify(std::string_view syscall, const Cond& c = {}, Where w = Where::current()) && {
    return std::move(on(syscall, kUserNotif, c, w));
  }
  // Any action: .on("ioctl", Errno{ENOTTY}, arg(1) == TIOCSTI).
  Policy& on(std::string_view syscall, Action a, const Cond& c = {}, Where w = Where::current()) &;
  Policy&& on(std::string_view syscall, Action a, const Cond& c = {},
              Where w = Where::current()) && {
    return std::move(on(syscall, a, c, w));
  }
  // A raw syscall number on one arch (as in seccomp_data.nr; x32 numbers may omit bit 30).
  Policy& on_number(int32_t nr, Arch a, Action act, const Cond& c = {},
                    Where w = Where::current()) &;
  Policy&& on_number(int32_t nr, Arch a, Action act, const Cond& c = {},
                     Where w = Where::current()) && {
    return std::move(on_number(nr, a, act, c, w));
  }

  // Target arches (default: the native one). Each call adds arches; x86_64 does NOT open i386
  // or x32: list them to let those callers in.
  Policy& on_arch(std::initializer_list<Arch> arches) &;
  Policy&& on_arch(std::initializer_list<Arch> arches) && { return std::move(on_arch(arches)); }
  // What callers from an arch the policy does not target get (default kill_process).
  Policy& on_bad_arch(Action a) &;
  Policy&& on_bad_arch(Action a) && { return std::move(on_bad_arch(a)); }
  // What syscall numbers that no table names get (e.g. Errno{ENOSYS}); default: the default.
  Policy& unknown_syscalls(Action a) &;
  Policy&& unknown_syscalls(Action a) && { return std::move(unknown_syscalls(a)); }
  // What a name absent on one target arch does (default: a warning, the rule is skipped there).
  Policy& missing_syscalls(ir::MissingSyscall m) &;
  Policy&& missing_syscalls(ir::MissingSyscall m) && { return std::move(missing_syscalls(m)); }

  // Validates (see ir::ValidatedPolicy::build for the errors).
  Result<ir::ValidatedPolicy> build() const;
  Result<bpf::Program> compile(const compiler::Options& o = {}) const;
  // Compiles and installs on the calling thread (see loader::install_filter). Sets
  // NO_NEW_PRIVS first unless `opts` says otherwise. Nothing is installed on an error. A policy
  // past 4096 instructions is installed as stacked filters (compiler::compile_stack,
  // loader::install_filters: all or none; compile() returns an error for it).
  Result<loader::Installed> install() const;
  Result<loader::Installed> install(const loader::FilterOptions& opts,
                                    const compiler::Options& o = {}) const;

  const ir::PolicySpec& spec() const { return spec_; }

 private:
  explicit Policy(Action deflt, Where w);
  static SourceLoc loc(const Where& w);
  void note_too_large(std::string_view syscall, const Cond& c, Where w);
  ir::PolicySpec spec_;
  std::vector<Error> errors_;  // found while adding (a condition too large), reported by build()
};

}  // namespace sysfence

SYSFENCE_API_END
