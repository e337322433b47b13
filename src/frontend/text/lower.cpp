// Internal to the text frontend: see lower.hpp.
#include "frontend/text/lower.hpp"

#include <algorithm>
#include <map>
#include <span>

#include "frontend/names.hpp"
#include "sysfence/arch/constants.hpp"
#include "sysfence/frontend/groups.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/ir/condition.hpp"
#include "sysfence/support/format.hpp"

namespace sysfence::frontend::text {
namespace {

using ir::ArgCmp;
using ir::Width;

using ir::Dnf;
using Clause = ir::Conjunction;

struct LowerCtx {
  Diag& d;
  Arch arch;
  std::string_view syscall;
  std::span<const std::string_view> arg_names;
};

std::optional<uint64_t> define_value(const Define& def, LowerCtx& cx);

// The value of an expression on cx.arch. Recursion follows only the nesting the parser limits
// (parentheses, `~`, `-`); a define's value is computed once per arch (define_value).
std::optional<uint64_t> eval(const VExpr& v, LowerCtx& cx) {
  switch (v.kind) {
    case VExpr::Num: return v.num;
    case VExpr::DefineRef: return define_value(*v.def, cx);
    case VExpr::Name: {
      if (auto k = detail::constant_value(cx.arch, v.name)) return *k;
      if (detail::constant_known(v.name)) {
        cx.d.error(v.pos, "constant " + quote(v.name) + " is not defined on " +
                              std::string(arch::info(cx.arch).name));
      } else {
        std::string near = detail::nearest_constant(v.name);
        cx.d.error(v.pos, ErrorCode::UnknownName, "unknown constant " + quote(v.name),
                   near.empty() ? "define it with `define " + v.name + " = <value>`"
                                : "did you mean " + quote(near) + "?");
      }
      return std::nullopt;
    }
    case VExpr::Not: {
      auto a = eval(*v.a, cx);
      if (!a) return std::nullopt;
      return ~*a;
    }
    case VExpr::Neg: {
      auto a = eval(*v.a, cx);
      if (!a) return std::nullopt;
      return ~*a + 1;
    }
    case VExpr::Or: {
      uint64_t acc = 0;
      bool ok = true;
      for (const VPtr& item : v.items) {
        auto x = eval(*item, cx);
        if (x)
          acc |= *x;
        else
          ok = false;
      }
      if (!ok) return std::nullopt;
      return acc;
    }
  }
  return std::nullopt;
}

void collect_defines(const VExpr& v, std::vector<const Define*>& out) {
  if (v.kind == VExpr::DefineRef) out.push_back(v.def);
  if (v.a) collect_defines(*v.a, out);
  for (const VPtr& item : v.items) collect_defines(*item, out);
}

// Evaluates `def` and the defines it depends on, each once per arch, in definition order (a
// define refers only to earlier ones), so neither time nor stack depth grows with how the
// defines refer to each other: `define D70 = D69 | D69` costs what `define D70 = 1` does.
std::optional<uint64_t> define_value(const Define& def, LowerCtx& cx) {
  if (auto it = def.value_on.find(cx.arch); it != def.value_on.end()) return it->second;
  std::vector<const Define*> todo;
  std::vector<const Define*> stack{&def};
  std::set<const Define*> seen{&def};
  while (!stack.empty()) {
    const Define* d = stack.back();
    stack.pop_back();
    todo.push_back(d);
    std::vector<const Define*> refs;
    collect_defines(*d->value, refs);
    for (const Define* r : refs)
      if (!r->value_on.count(cx.arch) && seen.insert(r).second) stack.push_back(r);
  }
  std::sort(todo.begin(), todo.end(),
            [](const Define* x, const Define* y) { return x->index < y->index; });
  for (const Define* d : todo) d->value_on[cx.arch] = eval(*d->value, cx);
  return def.value_on[cx.arch];
}

std::optional<Dnf> lower(const BExpr& e, bool neg, LowerCtx& cx);

// acc op b within the limits of one rule (kMaxClauses, kMaxComparisons); the error is put at
// `at`, the operator that makes it too large.
bool combine(Dnf& acc, Dnf b, bool conj, LowerCtx& cx, Pos at) {
  const ir::DnfLimits limits{kMaxClauses, kMaxComparisons};
  const ir::DnfOverflow o =
      conj ? ir::dnf_and(acc, b, limits) : ir::dnf_or(acc, std::move(b), limits);
  if (o == ir::DnfOverflow::None) return true;
  cx.d.error(
      at, ErrorCode::LimitExceeded,
      o == ir::DnfOverflow::Conjunctions
          ? "condition expands into more than " + std::to_string(kMaxClauses) + " rules"
          : "condition expands into more than " + std::to_string(kMaxComparisons) + " comparisons",
      "simplify it, or split it over several rules");
  return false;
}

// One comparison `lhs op v` (op possibly negated already) as a DNF.
std::optional<Dnf> lower_cmp(const Operand& lhs, CmpOp op, uint64_t v, Pos vpos, LowerCtx& cx) {
  int idx = lhs.arg;
  if (idx >= 0) {
    // A page that names an argument `argK` (prctl's and keyctl's arg2..arg5 are their second to
    // fifth arguments) makes `argK` mean two registers: an error, never a silent guess.
    const std::string written = "arg" + std::to_string(idx);
    auto it = std::find(cx.arg_names.begin(), cx.arg_names.end(), written);
    if (it != cx.arg_names.end() && it - cx.arg_names.begin() != idx) {
      const auto real = it - cx.arg_names.begin();
      cx.d.error(lhs.pos,
                 quote(written) + " is ambiguous for " + quote(cx.syscall) +
                     ": its man page calls argument #" + std::to_string(real + 1) +
                     " (register arg" + std::to_string(real) + ") " + quote(written) + ", but " +
                     written + " is register #" + std::to_string(idx + 1),
                 "write `arg" + std::to_string(real) + "` for the man page's " + written +
                     " (registers count from arg0); " + quote(cx.syscall) +
                     "'s first argument is " +
                     quote(cx.arg_names.empty() ? "arg0" : std::string(cx.arg_names[0])));
      return std::nullopt;
    }
  }
  if (idx < 0) {
    if (auto regs = arch::wide_arg_registers(cx.arch, cx.syscall, lhs.name)) {
      cx.d.error(lhs.pos,
                 "argument " + quote(lhs.name) + " of " + quote(cx.syscall) +
                     " is 64-bit and takes two registers on " +
                     std::string(arch::info(cx.arch).name) + " (arg" + std::to_string(regs->first) +
                     " and arg" + std::to_string(regs->second) + ")",
                 "compare arg" + std::to_string(regs->first) + " (low word) and arg" +
                     std::to_string(regs->second) +
                     " (high word), or put the rule in an arch section for 64-bit arches");
      return std::nullopt;
    }
    auto it = std::find(cx.arg_names.begin(), cx.arg_names.end(), lhs.name);
    if (lhs.name.empty() || it == cx.arg_names.end()) {
      std::string list;
      for (size_t i = 0; i < cx.arg_names.size(); ++i) {
        if (cx.arg_names[i].empty()) continue;
        list += (list.empty() ? "" : ", ") + std::string(cx.arg_names[i]) + " (arg" +
                std::to_string(i) + ")";
      }
      cx.d.error(lhs.pos, ErrorCode::UnknownName,
                 "syscall " + quote(cx.syscall) + " has no argument named " + quote(lhs.name),
                 list.empty() ? "its argument names are unknown: use arg0..arg5"
                              : "its arguments are " + list);
      return std::nullopt;
    }
    idx = static_cast<int>(it - cx.arg_names.begin());
  }
  std::optional<uint64_t> mask;
  if (lhs.mask) {
    mask = eval(*lhs.mask, cx);
    if (!mask) return std::nullopt;
  }
  bool narrow = lhs.w32 || !arch::info(cx.arch).args_are_64bit;
  if (narrow) {
    std::string where = lhs.w32 ? "the 32-bit argument"
                                : "a 32-bit argument on " + std::string(arch::info(cx.arch).name);
    if (!ir::fits32(v)) {
      cx.d.error(vpos, "value " + hex(v) + " does not fit in " + where,
                 "only the low 32 bits are compared there");
      return std::nullopt;
    }
    if (mask && !ir::fits32(*mask)) {
      cx.d.error(lhs.mask->pos, "mask " + hex(*mask) + " does not fit in " + where);
      return std::nullopt;
    }
  }
  ArgCmp base;
  base.arg = static_cast<uint8_t>(idx);
  base.width = lhs.w32 ? Width::Bits32 : Width::Bits64;
  base.loc = cx.d.loc(lhs.pos);
  if (!mask) {
    ArgCmp c = base;
    c.op = op;
    c.value = v;
    return Dnf{{c}};
  }
  uint64_t m = *mask;
  if (op != CmpOp::Eq && op != CmpOp::Ne) {
    cx.d.error(lhs.pos, "a masked argument can only be compared with == or !=",
               "ordering comparisons (<, <=, >, >=) apply to the whole argument");
    return std::nullopt;
  }
  return ir::masked_cmp(base, op, m, v);
}

std::optional<Dnf> lower(const BExpr& e, bool neg, LowerCtx& cx) {
  switch (e.kind) {
    case BExpr::Not: return lower(*e.a, !neg, cx);
    case BExpr::And:
    case BExpr::Or: {
      bool conj = (e.kind == BExpr::And) != neg;  // De Morgan
      Dnf acc = conj ? Dnf{{}} : Dnf{};
      for (size_t i = 0; i < e.kids.size(); ++i) {
        auto k = lower(*e.kids[i], neg, cx);
        if (!k) return std::nullopt;
        const Pos at = e.op_pos[i];  // the operator that makes it too large
        if (!combine(acc, std::move(*k), conj, cx, at)) return std::nullopt;
      }
      return acc;
    }
    case BExpr::Test: return lower_cmp(e.lhs, neg ? CmpOp::Eq : CmpOp::Ne, 0, e.pos, cx);
    case BExpr::Cmp: {
      auto v = eval(*e.values[0], cx);
      if (!v) return std::nullopt;
      return lower_cmp(e.lhs, neg ? ir::negate(e.op) : e.op, *v, e.values[0]->pos, cx);
    }
    case BExpr::In: {
      bool any = e.negated_in == neg;  // `in` (or `!(not in)`): OR of ==; else AND of !=
      Dnf acc = any ? Dnf{} : Dnf{{}};
      for (const VPtr& vp : e.values) {
        auto v = eval(*vp, cx);
        if (!v) return std::nullopt;
        auto one = lower_cmp(e.lhs, any ? CmpOp::Eq : CmpOp::Ne, *v, vp->pos, cx);
        if (!one) return std::nullopt;
        if (!combine(acc, std::move(*one), !any, cx, e.pos)) return std::nullopt;
      }
      return acc;
    }
  }
  return std::nullopt;
}

struct Uncond {
  Action action;
  Pos pos;
  bool direct;
};

class Lowering {
 public:
  Lowering(Diag& d, const ParseState& st, std::vector<Arch> targets, ir::MissingSyscall missing)
      : d_(d), st_(st), targets_(std::move(targets)), missing_(missing) {}

  std::vector<ir::Rule> run() {
    for (const RuleStmt& r : st_.rules) lower_rule(r);
    return std::move(out_);
  }

 private:
  Diag& d_;
  const ParseState& st_;
  std::vector<Arch> targets_;
  ir::MissingSyscall missing_;
  std::vector<ir::Rule> out_;
  std::map<std::pair<std::string, Arch>, Uncond> uncond_;

  void lower_rule(const RuleStmt& r) {
    std::vector<Arch> arches;
    for (Arch a : r.section.empty() ? targets_ : r.section) {
      if (std::find(targets_.begin(), targets_.end(), a) == targets_.end()) {
        d_.warn(r.section_pos, "section for " + std::string(arch::info(a).name) +
                                   ", which the policy does not target, has no effect");
        continue;
      }
      arches.push_back(a);
    }
    if (arches.empty()) return;
    for (const NameRef& n : r.names) {
      if (!n.name.empty() && n.name[0] == '@') {
        const SyscallGroup* g = find_group(n.name);
        if (!g) {
          std::string near = nearest_group_name(n.name);
          d_.error(
              n.pos, ErrorCode::UnknownName, "unknown syscall group " + quote(n.name),
              near.empty() ? "`sysfence groups` lists them" : "did you mean " + quote(near) + "?");
          continue;
        }
        for (std::string_view m : g->syscalls) lower_name(r, m, n.pos, arches, false, n.name);
        continue;
      }
      const std::span<const std::string_view> all = arch::all_syscall_names();  // sorted
      if (!std::binary_search(all.begin(), all.end(), std::string_view(n.name))) {
        std::string near = arch::nearest_syscall_name(n.name);
        d_.error(n.pos, ErrorCode::UnknownName, "unknown syscall " + quote(n.name),
                 near.empty() ? "`sysfence resolve` lists the names of an arch"
                              : "did you mean " + quote(near) + "?");
        continue;
      }
      lower_name(r, n.name, n.pos, arches, true);
    }
  }

  void lower_name(const RuleStmt& r, std::string_view name, Pos at, const std::vector<Arch>& arches,
                  bool direct, std::string_view group = {}) {
    std::vector<Arch> have, lack;
    // A socket or IPC call that an arch has only through its multiplexer (i386's semop) is
    // there too: Policy::build gives it the multiplexer's rule.
    for (Arch a : arches)
      (arch::syscall_number(a, name) || arch::multiplexed_call(a, name) ? have : lack).push_back(a);
    if (direct && !lack.empty()) {
      std::string msg = "syscall " + quote(name) + " does not exist on " + arch_list_text(lack);
      if (missing_ == ir::MissingSyscall::Error) {
        d_.error(at, msg, "put the rule in an arch section, or write `missing-syscall warn`");
        return;
      }
      if (missing_ == ir::MissingSyscall::Warn)
        d_.warn(at, msg + "; the rule does not apply there");
    }
    if (have.empty()) return;
    std::vector<Dnf> per;
    std::vector<Arch> never;
    std::string why_never;
    for (Arch a : have) {
      Dnf dnf{{}};
      if (r.cond) {
        LowerCtx cx{d_, a, name, arch::syscall_arg_names(a, name)};
        auto l = lower(*r.cond, false, cx);
        if (!l) return;
        std::string why;
        dnf = ir::drop_never(std::move(*l), a, why);
        if (dnf.empty()) {
          never.push_back(a);
          if (why_never.empty()) why_never = why;
        }
      }
      per.push_back(std::move(dnf));
    }
    if (!never.empty()) {
      // One rule for every frontend and arch: a condition that can never hold is a mistake
      // (a deny rule that never matches protects nothing). Name the arches when it holds on
      // some other target arch.
      const bool everywhere = never.size() == have.size();
      d_.error(r.cond->pos, ErrorCode::NeverMatches,
               "condition can never be true" +
                   (everywhere ? std::string() : " on " + arch_list_text(never)) +
                   "; the rule for " + quote(name) + " would have no effect" +
                   (why_never.empty() ? std::string() : ": " + why_never),
               everywhere ? "fix the condition, or remove the rule"
                          : "put the rule in an `arch` section for the arches where it can hold");
      return;
    }
    bool all_same =
        std::all_of(per.begin(), per.end(), [&](const Dnf& x) { return ir::same_dnf(x, per[0]); });
    bool shared = all_same && have.size() == targets_.size();
    for (size_t i = 0; i < have.size(); ++i) {
      if (per[i].size() == 1 && per[i][0].empty()) check_conflict(r, name, at, have[i], direct);
      if (shared && i > 0) continue;
      for (const Clause& cl : per[i]) {
        ir::Rule rule;
        rule.syscall = std::string(name);
        if (!shared) rule.only_arch = have[i];
        rule.conds = cl;
        rule.action = r.action;
        rule.loc = d_.loc(at);
        rule.group = std::string(group);
        out_.push_back(std::move(rule));
      }
    }
  }

  void check_conflict(const RuleStmt& r, std::string_view name, Pos at, Arch a, bool direct) {
    auto key = std::make_pair(std::string(name), a);
    auto it = uncond_.find(key);
    if (it == uncond_.end()) {
      uncond_.emplace(key, Uncond{r.action, at, direct});
      return;
    }
    const Uncond& prev = it->second;
    if (prev.action == r.action) return;
    if (prev.direct && direct) {
      Error e = d_.make(at,
                        "syscall " + quote(name) + " is given " + action_to_text(r.action) +
                            " here but " + action_to_text(prev.action) + " earlier",
                        "a syscall gets one unconditional action; remove one of the rules");
      e.notes.push_back({"earlier rule for " + quote(name) + " is here", d_.loc(prev.pos)});
      d_.error(std::move(e));
      return;
    }
    // With a group involved, the more restrictive action applies. That is the idiom for carving
    // an exception out of a group (`@process: allow` then `clone3: errno ENOSYS`), so only a
    // rule written for the syscall itself that loses is worth a warning.
    // (Same kind, different data: the earlier rule's data wins, as in the IR.)
    bool now_wins = r.action.more_restrictive_than(prev.action);
    const Action& win = now_wins ? r.action : prev.action;
    bool loser_direct = now_wins ? prev.direct : direct;
    if (!loser_direct) return;
    Error e = d_.make(at, "syscall " + quote(name) + " is given " + action_to_text(r.action) +
                              " here and " + action_to_text(prev.action) +
                              " earlier; the more restrictive " + action_to_text(win) + " applies");
    e.notes.push_back({"earlier rule for " + quote(name) + " is here", d_.loc(prev.pos)});
    d_.warn(std::move(e));
  }
};

}  // namespace

std::vector<ir::Rule> lower_rules(Diag& d, const ParseState& st, std::vector<Arch> targets,
                                  ir::MissingSyscall missing) {
  d.default_code = ErrorCode::InvalidPolicy;
  std::vector<ir::Rule> rules = Lowering(d, st, std::move(targets), missing).run();
  d.default_code = ErrorCode::Syntax;
  return rules;
}

}  // namespace sysfence::frontend::text
