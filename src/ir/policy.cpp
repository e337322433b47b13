// sysfence/ir — ValidatedPolicy::build: validation and per-arch resolution of a PolicySpec.
//
// Every check here produces an Error that says what is wrong, where (the rule's or the
// comparison's SourceLoc) and what would fix it. Checks that depend on the arch (value widths,
// names absent from a table) run once per target arch the rule applies to.
#include <algorithm>
#include <map>
#include <tuple>
#include <cstdio>
#include <string>
#include <utility>

#include "sysfence/ir/policy.hpp"
#include "sysfence/diagnostics.hpp"
#include "sysfence/ir/condition.hpp"
#include "sysfence/support/format.hpp"
#include "sysfence/ir/lint.hpp"

namespace sysfence::ir {

namespace {

constexpr uint64_t kLow32 = 0xffffffffULL;
constexpr uint32_t kX32Bit = arch::kX32SyscallBit;

const char* op_text(CmpOp op) {
  switch (op) {
    case CmpOp::Eq: return "==";
    case CmpOp::Ne: return "!=";
    case CmpOp::Lt: return "<";
    case CmpOp::Le: return "<=";
    case CmpOp::Gt: return ">";
    case CmpOp::Ge: return ">=";
    case CmpOp::MaskedEq: return "&";
  }
  return "?";
}

std::string cmp_text(const ArgCmp& c) {
  std::string a = "arg" + std::to_string(c.arg);
  if (c.op == CmpOp::MaskedEq) return "(" + a + " & " + hex(c.mask) + ") == " + hex(c.value);
  return a + " " + op_text(c.op) + " " + hex(c.value);
}

std::string rule_name(const Rule& r, size_t index) {
  std::string s = "rule #" + std::to_string(index + 1);
  if (!r.syscall.empty()) {
    s += " ('" + r.syscall + "')";
  } else if (r.nr) {
    s += " (syscall number " + std::to_string(*r.nr) + ")";
  }
  return s;
}

const SourceLoc& loc_of(const ArgCmp& c, const Rule& r) { return c.loc.known() ? c.loc : r.loc; }

Error make_error(std::string msg, const SourceLoc& where, std::string hint = {},
                 ErrorCode code = ErrorCode::InvalidPolicy) {
  return Error::make(code, std::move(msg), std::move(hint), where);
}

bool compares_low32(const ArgCmp& c, arch::Arch a) {
  return c.width == Width::Bits32 || !arch::info(a).args_are_64bit;
}

// Smallest x >= from with (x & m) == v (v ⊆ m), within `bits`; nullopt when none exists.
std::optional<uint64_t> next_masked(uint64_t from, uint64_t m, uint64_t v, uint64_t max) {
  if (from > max) return std::nullopt;
  // Candidates are v | f with f a subset of the free bits F; v | f == v + f grows with f.
  const uint64_t free = ~m & max;
  if (v >= from) return v;
  const uint64_t t = from - v;  // smallest f ⊆ free with f >= t
  uint64_t f;
  if ((t & ~free) == 0) {
    f = t;
  } else {
    int j = 63;
    while (((t & ~free) >> j & 1) == 0) --j;  // highest bit of t outside the free bits
    int p = j + 1;
    while (p < 64 && !(((free >> p) & 1) && !((t >> p) & 1))) ++p;
    if (p >= 64) return std::nullopt;
    const uint64_t above = p == 63 ? 0 : (t >> (p + 1)) << (p + 1);
    f = above | (1ULL << p);
  }
  const uint64_t x = v | f;
  if (x > max) return std::nullopt;
  return x;
}

// Why the comparisons in `cs` (all on one argument, one width) can never hold together, or ""
// when some value satisfies them all. Exact for every mix of the seven operators.
std::string contradiction(const std::vector<EffectiveCmp>& cs, uint64_t max) {
  uint64_t lo = 0, hi = max, m = 0, v = 0;
  std::vector<uint64_t> ne;
  for (const EffectiveCmp& c : cs) {
    switch (c.op) {
      case CmpOp::Eq:
        lo = std::max(lo, c.value);
        hi = std::min(hi, c.value);
        break;
      case CmpOp::Ne: ne.push_back(c.value); break;
      case CmpOp::Lt:
        if (c.value == 0) return "no value is below 0 (comparisons are unsigned)";
        hi = std::min(hi, c.value - 1);
        break;
      case CmpOp::Le: hi = std::min(hi, c.value); break;
      case CmpOp::Gt:
        if (c.value >= max) return "no value is above " + hex(max);
        lo = std::max(lo, c.value + 1);
        break;
      case CmpOp::Ge: lo = std::max(lo, c.value); break;
      case CmpOp::MaskedEq: {
        const uint64_t cm = c.mask & max;
        if ((c.value & ~cm) != 0)
          return "the value " + hex(c.value) + " has bits outside the mask " + hex(cm);
        if (((v ^ c.value) & m & cm) != 0) return "two masked comparisons require different bits";
        m |= cm;
        v |= c.value;
        break;
      }
    }
  }
  if (lo > hi) return "the range of allowed values is empty";
  std::sort(ne.begin(), ne.end());
  std::optional<uint64_t> x = next_masked(lo, m, v, max);
  while (x && *x <= hi) {
    if (!std::binary_search(ne.begin(), ne.end(), *x)) return {};
    if (*x == max) break;
    x = next_masked(*x + 1, m, v, max);
  }
  return "no value satisfies all the comparisons on this argument together";
}

// The rule on the multiplexer that stands for `r` on arch `a` (see PolicySpec::multiplexed_calls),
// with the multiplexer's number; nullopt when the name is not multiplexed there or the rule
// does not apply through the multiplexer (a conditional allow).
std::optional<std::pair<int32_t, Rule>> derive_multiplexed(const Rule& r, arch::Arch a,
                                                           const PolicySpec& s) {
  auto m = arch::multiplexed_call(a, r.syscall);
  if (!m) return std::nullopt;
  if (!r.conds.empty()) {
    const bool denies = r.action.more_restrictive_than(Action::log());
    const bool logs_where_default_allows =
        r.action.kind == ActionKind::Log && s.default_action.kind == ActionKind::Allow;
    if (!denies && !logs_where_default_allows) return std::nullopt;
  }
  // The call number as the kernel reads it: socketcall's `int call` whole; ipc's low 16 bits
  // (the upper half carries a version: ipc(SEMGET | 1 << 16, ...) is still semget).
  const bool ipc = m->multiplexer == arch::info(a).ipc_nr;
  Rule d;
  d.syscall = ipc ? "ipc" : "socketcall";
  d.only_arch = a;
  ArgCmp call = ipc ? ArgCmp::masked_eq(0, 0xffff, m->call).as32() : ArgCmp::eq(0, m->call).as32();
  call.loc = r.loc;
  d.conds.push_back(call);
  d.action = r.action;
  d.loc = r.loc;
  d.derived = true;
  return std::make_pair(m->multiplexer, std::move(d));
}

}  // namespace

std::optional<uint32_t> multiplexer_call_decided(const Rule& r, arch::Arch a) {
  if (r.derived || r.conds.size() != 1) return std::nullopt;
  const arch::ArchInfo& ai = arch::info(a);
  const bool socketcall = r.syscall == "socketcall" && ai.socketcall_nr >= 0;
  const bool ipc = r.syscall == "ipc" && ai.ipc_nr >= 0;
  if (!socketcall && !ipc) return std::nullopt;
  const EffectiveCmp c = effective(r.conds.front(), a);
  if (c.arg != 0) return std::nullopt;
  // socketcall reads its call number as a 32-bit int, ipc only its low 16 bits: the rule must
  // compare exactly those bits, no more (`u32(call) == 1`), or it does not cover every form.
  const uint64_t need = ipc ? 0xffff : 0xffffffff;
  const uint64_t mask = c.op == CmpOp::Eq ? ~0ULL : c.mask;
  if (c.op != CmpOp::Eq && c.op != CmpOp::MaskedEq) return std::nullopt;
  const uint64_t seen = c.low32 ? (mask & 0xffffffff) : mask;
  if (seen != need || c.value > need) return std::nullopt;
  return static_cast<uint32_t>(c.value);
}

std::string never_holds(std::span<const ArgCmp> conds, arch::Arch a) {
  for (uint8_t arg = 0; arg < 6; ++arg) {
    std::vector<EffectiveCmp> on_arg;
    bool lows = false, fulls = false, narrowed_by_arch = false;
    for (const ArgCmp& c : conds) {
      if (c.arg != arg) continue;
      on_arg.push_back(effective(c, a));
      (on_arg.back().low32 ? lows : fulls) = true;
      narrowed_by_arch = narrowed_by_arch || (c.width == Width::Bits64 && on_arg.back().low32);
    }
    if (on_arg.empty() || (lows && fulls)) continue;  // mixed widths: not analysed
    std::string why = contradiction(on_arg, lows ? kLow32 : ~0ULL);
    if (why.empty()) continue;
    std::string list;
    for (const ArgCmp& c : conds) {
      if (c.arg != arg) continue;
      if (!list.empty()) list += " && ";
      list += cmp_text(c);
    }
    if (narrowed_by_arch)
      why += " (arguments on " + std::string(arch::info(a).name) + " are 32-bit)";
    return list + " is never true: " + why;
  }
  return {};
}

EffectiveCmp effective(const ArgCmp& c, arch::Arch a) {
  EffectiveCmp e{c.arg, c.op, c.value, c.mask, compares_low32(c, a)};
  if (e.low32) {
    e.value &= kLow32;
    e.mask &= kLow32;
  }
  if (e.op != CmpOp::MaskedEq) e.mask = e.low32 ? kLow32 : ~0ULL;
  return e;
}

Result<ValidatedPolicy> ValidatedPolicy::build(PolicySpec spec) {
  Diagnostics sink;
  std::optional<ValidatedPolicy> p = build(std::move(spec), sink);
  if (!p) return sink.errors.front();  // an unlimited sink keeps every error
  return std::move(*p);
}

struct ValidatedPolicy::State {
  PolicySpec spec;
  std::vector<std::vector<ResolvedRule>> per_arch;  // index: position in spec.arches
  std::vector<Rule> derived;                        // Rule::derived ones; see multiplexed_calls
  std::vector<Error> warnings;
};

std::optional<ValidatedPolicy> ValidatedPolicy::build(PolicySpec spec, Diagnostics& sink) {
  // Failure is tracked here, not by the sink's count: a sink that de-duplicates (or is past its
  // cap) must not let a policy with an error through.
  bool failed = false;
  auto error = [&](Error e) {
    failed = true;
    sink.error(std::move(e));
  };
  auto state = std::make_shared<State>();
  State& p = *state;
  p.spec = std::move(spec);
  PolicySpec& s = p.spec;
  if (s.arches.empty()) s.arches.push_back(arch::native_arch());

  // Arches: no duplicates.
  for (size_t i = 0; i < s.arches.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (s.arches[i] == s.arches[j]) {
        error(make_error("arch '" + std::string(arch::info(s.arches[i]).name) + "' is listed twice",
                         s.loc, "list each arch once"));
      }
    }
  }

  // Actions: errno data must be a valid errno.
  auto check_action = [&](const Action& a, const SourceLoc& where,
                          const std::string& what) -> std::optional<Error> {
    if (a.kind == ActionKind::Errno && a.data > 4095) {
      return make_error(what + ": errno " + std::to_string(a.data) + " is above 4095", where,
                        "use an errno between 0 and 4095 (the kernel's MAX_ERRNO)");
    }
    return std::nullopt;
  };
  if (auto e = check_action(s.default_action, s.loc, "default action")) error(*e);
  if (auto e = check_action(s.bad_arch_action, s.loc, "bad-arch action")) error(*e);
  if (s.unknown_syscall_action) {
    if (auto e = check_action(*s.unknown_syscall_action, s.loc, "unknown-syscall action"))
      error(*e);
  }

  p.per_arch.assign(s.arches.size(), {});
  const bool multi = s.arches.size() > 1;

  struct Pending {
    size_t arch_index;
    size_t position;  // in per_arch_[arch_index], before any insertion
    int32_t nr;
    Rule rule;
    size_t source = 0;  // index of the rule it stands for in s.rules
  };
  std::vector<Pending> pending;
  std::vector<std::optional<int32_t>> target_nr(s.arches.size());  // the rule's number per arch
  // One rule: its first error is returned (the next rule is checked all the same); warnings go
  // to the sink.
  auto check_rule = [&](size_t ri) -> std::optional<Error> {
    Rule& r = s.rules[ri];
    r.derived = false;  // only build() derives rules
    // Named only when something is reported (building the name costs more than the checks).
    auto who = [&r, ri] { return rule_name(r, ri); };
    if (r.action.kind == ActionKind::Errno && r.action.data > 4095)
      return *check_action(r.action, r.loc, who());

    if (r.syscall.empty() && !r.nr) {
      return make_error(who() + " names no syscall", r.loc, "give a syscall name or number");
    }
    for (const ArgCmp& c : r.conds) {
      if (c.arg > 5) {
        return make_error(who() + ": argument index " + std::to_string(c.arg) + " is out of range",
                          loc_of(c, r), "syscalls have arguments 0 to 5");
      }
    }
    // -1 is the number a tracer sets to skip a syscall; filters may match it (libseccomp's
    // SCMP_FLTATR_API_TSKIP). Other negative numbers never reach a filter.
    if (r.syscall.empty() && r.nr && *r.nr < -1) {
      return make_error(who() + ": syscall number " + std::to_string(*r.nr) + " is negative", r.loc,
                        "use the syscall's number on the target arch (>= 0, or -1 for a "
                        "tracer's skip)");
    }
    if (r.syscall.empty() && r.nr && multi && !r.only_arch) {
      return make_error(
          who() + ": a raw syscall number needs an arch in a policy for several arches", r.loc,
          "numbers differ between arches: use the syscall's name, or restrict "
          "the rule to one arch");
    }
    if (!r.syscall.empty()) {
      // Looked up once per target arch; all arches are searched only for the error message.
      bool anywhere = false;
      for (size_t ai = 0; ai < s.arches.size(); ++ai) {
        target_nr[ai] = arch::syscall_number(s.arches[ai], r.syscall);
        anywhere = anywhere || target_nr[ai].has_value();
      }
      for (const arch::ArchInfo& ai : arch::all_arches()) {
        if (anywhere) break;
        if (arch::syscall_number(ai.arch, r.syscall)) anywhere = true;
      }
      if (!anywhere) {
        std::string near = arch::nearest_syscall_name(r.syscall);
        return make_error("unknown syscall '" + r.syscall + "'", r.loc,
                          near.empty() ? "check the spelling; no known syscall is close"
                                       : "did you mean '" + near + "'?",
                          ErrorCode::UnknownName);
      }
    }
    if (r.only_arch &&
        std::find(s.arches.begin(), s.arches.end(), *r.only_arch) == s.arches.end()) {
      Error w = make_error(who() + " is restricted to arch '" +
                               std::string(arch::info(*r.only_arch).name) +
                               "', which the policy does not target; it has no effect",
                           r.loc, "add the arch to the policy or drop the rule");
      p.warnings.push_back(std::move(w));
      return std::nullopt;
    }

    for (size_t ai = 0; ai < s.arches.size(); ++ai) {
      const arch::Arch a = s.arches[ai];
      if (r.only_arch && *r.only_arch != a) continue;
      const std::string aname(arch::info(a).name);
      int32_t nr = 0;
      if (!r.syscall.empty()) {
        const std::optional<int32_t>& n = target_nr[ai];
        if (!n && s.multiplexed_calls && arch::multiplexed_call(a, r.syscall)) {
          // Only through the multiplexer here (i386's semop, send, recv): the derived rule.
          if (auto d = derive_multiplexed(r, a, s))
            pending.push_back({ai, p.per_arch[ai].size(), d->first, std::move(d->second), ri});
          continue;
        }
        if (!n) {
          if (s.missing_syscall == MissingSyscall::Ignore) continue;
          Error e = make_error("syscall '" + r.syscall + "' does not exist on " + aname, r.loc,
                               "the rule is skipped there; restrict it to the arches that have "
                               "it, or remove it");
          if (s.missing_syscall == MissingSyscall::Error) return e;
          p.warnings.push_back(std::move(e));
          continue;
        }
        nr = *n;
      } else {
        nr = *r.nr;
        if (nr == -1) {
          // the tracer's skip: the same number on every arch
        } else if (a == arch::Arch::X32) {
          if (static_cast<uint32_t>(nr) < kX32Bit) nr = static_cast<int32_t>(nr | kX32Bit);
        } else if (a == arch::Arch::X86_64 && static_cast<uint32_t>(nr) >= kX32Bit) {
          return make_error(who() + ": syscall number " + hex(static_cast<uint32_t>(nr)) +
                                " has the x32 bit set, but the rule is for x86_64",
                            r.loc, "put x32 rules on arch x32");
        }
      }
      // Value widths and satisfiability, as the rule applies on this arch.
      for (const ArgCmp& c : r.conds) {
        if (!compares_low32(c, a)) continue;
        if (!fits32(c.value)) {
          const bool arch32 = !arch::info(a).args_are_64bit;
          return make_error(
              who() + ": " + cmp_text(c) + " needs 64 bits, but " +
                  (arch32 ? "arguments on " + aname + " are 32-bit"
                          : std::string("the comparison is 32-bit")),
              loc_of(c, r),
              "use a value that fits in 32 bits (a negative 32-bit number is "
              "fine)" +
                  std::string(arch32 ? ", or restrict the rule to 64-bit arches" : ""));
        }
      }
      if (std::string why = never_holds(r.conds, a); !why.empty()) {
        const ArgCmp* first = &r.conds.front();
        return make_error(
            who() + " can never match" + (multi ? " on " + aname : std::string()) + ": " + why,
            loc_of(*first, r),
            "fix the comparison, or remove the rule if it is not needed" +
                std::string(multi ? "; restrict it to the arches where it can hold" : ""),
            ErrorCode::NeverMatches);
      }
      p.per_arch[ai].push_back(ResolvedRule{nr, &r});
      if (s.multiplexed_calls && !r.syscall.empty()) {
        if (auto d = derive_multiplexed(r, a, s))
          pending.push_back({ai, p.per_arch[ai].size(), d->first, std::move(d->second), ri});
      }
    }
    return std::nullopt;
  };
  for (size_t ri = 0; ri < s.rules.size(); ++ri)
    if (std::optional<Error> e = check_rule(ri)) error(std::move(*e));
  if (failed) return std::nullopt;
  // A rule that names the multiplexer itself decides the call numbers it covers: no rule is
  // derived for them (see PolicySpec::multiplexed_calls). A derived rule that would have denied
  // is reported, since its source rule is then not enforced through the multiplexer.
  if (!pending.empty()) {
    // (arch index, multiplexer number, call) -> the first rule naming the multiplexer that
    // decides it; call UINT64_MAX stands for every call (an unconditional rule).
    std::map<std::tuple<size_t, int32_t, uint64_t>, const Rule*> deciders;
    for (const Rule& e : s.rules) {
      if ((e.syscall != "socketcall" && e.syscall != "ipc") || !e.group.empty()) continue;
      for (size_t ai = 0; ai < s.arches.size(); ++ai) {
        const arch::Arch a = s.arches[ai];
        if (e.only_arch && *e.only_arch != a) continue;
        const std::optional<int32_t> mux = arch::syscall_number(a, e.syscall);
        if (!mux) continue;
        std::optional<uint64_t> call;
        if (e.conds.empty())
          call = UINT64_MAX;
        else if (auto c = multiplexer_call_decided(e, a))
          call = *c;
        if (call) deciders.try_emplace({ai, *mux, *call}, &e);
      }
    }
    std::vector<Pending> kept;
    kept.reserve(pending.size());
    for (Pending& d : pending) {
      const arch::Arch a = s.arches[d.arch_index];
      const uint32_t call = static_cast<uint32_t>(d.rule.conds.front().value);
      const Rule* decider = nullptr;
      for (uint64_t key : {uint64_t{call}, UINT64_MAX}) {
        auto it = deciders.find({d.arch_index, d.nr, key});
        if (it != deciders.end() && (!decider || it->second < decider)) decider = it->second;
      }
      if (!decider) {
        kept.push_back(std::move(d));
        continue;
      }
      if (d.rule.action.more_restrictive_than(decider->action)) {
        const Rule& src = s.rules[d.source];
        Error w = make_error("the rule for '" + src.syscall + "' (" + src.action.to_string() +
                                 ") is not enforced through " + d.rule.syscall + " on " +
                                 std::string(arch::info(a).name) + ": the " + d.rule.syscall +
                                 " rule that names call " + std::to_string(call) + " decides it (" +
                                 decider->action.to_string() + ")",
                             d.rule.loc,
                             "a filter cannot see the arguments behind " + d.rule.syscall +
                                 "; without the " + d.rule.syscall + " rule every such call gets " +
                                 d.rule.action.to_string());
        p.warnings.push_back(std::move(w));
      }
    }
    pending = std::move(kept);
  }
  // The derived rules go right after their source rule (same precedence between equal kinds).
  p.derived.reserve(pending.size());
  for (Pending& d : pending) p.derived.push_back(std::move(d.rule));
  for (size_t i = pending.size(); i-- > 0;) {
    const Pending& d = pending[i];
    auto& v = p.per_arch[d.arch_index];
    const Rule& rule = p.derived[i];
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(d.position), ResolvedRule{d.nr, &rule});
  }
  // Listed as warnings, but (as always) without Severity::Warning: they render without the
  // "warning: " prefix the frontends' own warnings have (kept byte-identical; see issue 13).
  for (const Error& w : p.warnings) sink.warnings.push_back(w);
  return ValidatedPolicy(std::move(state));
}

const PolicySpec& ValidatedPolicy::spec() const { return state_->spec; }
std::span<const arch::Arch> ValidatedPolicy::arches() const { return state_->spec.arches; }
std::span<const Error> ValidatedPolicy::warnings() const { return state_->warnings; }

std::span<const ResolvedRule> ValidatedPolicy::rules_for(arch::Arch a) const {
  const State& st = *state_;
  for (size_t i = 0; i < st.spec.arches.size(); ++i) {
    if (st.spec.arches[i] == a) return st.per_arch[i];
  }
  return {};
}

}  // namespace sysfence::ir
