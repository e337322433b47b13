// Random policies and inputs for the randomized tests (seeded, reproducible).
//
//   std::mt19937_64 rng(seed);
//   RandomPolicyOptions o;                    // what to generate
//   PolicySpec s = random_policy(rng, o);
//   SeccompData d = random_input(rng, policy, s);
//
// Inputs lean on boundaries: compared values ±1, high words 0 / 1 / 0xffffffff, sign-extended
// negatives, x32 numbers, the wrong arch, nr == -1, numbers past the table.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace sysfence::testing {

struct RandomPolicyOptions {
  std::vector<arch::Arch> arch_pool = {arch::Arch::X86_64,  arch::Arch::I386, arch::Arch::X32,
                                       arch::Arch::AArch64, arch::Arch::Arm,  arch::Arch::RiscV64};
  size_t max_arches = 3;
  size_t max_syscalls = 24;
  size_t max_rules_per_syscall = 3;
  size_t max_conds = 3;
  bool one_action_per_syscall = false;  // libseccomp cannot express overlapping actions
  bool distinct_args_per_rule = false;  // libseccomp: one comparison per argument in a rule
  bool allow_low32 = true;
  bool allow_unknown_action = true;
  bool action_differs_from_default = false;  // libseccomp refuses rules with the default action
  bool trap_data = true;                     // libseccomp's SCMP_ACT_TRAP carries no data
  // Values with a zero high word whenever x32 or a 32-bit arch is targeted (libseccomp compares
  // only the low word of x32 arguments, and does not take a sign-extended negative as its low
  // word on 32-bit arches; callers then also clear the high words of x32 inputs).
  bool x32_narrow = false;
  // Names to draw from; empty: all names of the chosen arches.
  std::vector<std::string> names;
};

inline uint64_t pick(std::mt19937_64& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }

inline ir::Action random_action(std::mt19937_64& rng, bool trap_data = true) {
  switch (pick(rng, 9)) {
    case 0: return ir::Action::kill_process();
    case 1: return ir::Action::kill_thread();
    case 2: return ir::Action::trap(trap_data ? static_cast<uint16_t>(pick(rng, 3)) : 0);
    case 3: return ir::Action::errno_(static_cast<uint16_t>(1 + pick(rng, 40)));
    case 4: return ir::Action::user_notif();
    case 5: return ir::Action::trace(static_cast<uint16_t>(pick(rng, 5)));
    case 6: return ir::Action::log();
    default: return ir::Action::allow();
  }
}

inline uint64_t random_value(std::mt19937_64& rng, bool fits32) {
  uint64_t v;
  switch (pick(rng, 8)) {
    case 0: v = 0; break;
    case 1: v = pick(rng, 16); break;
    case 2: v = 0xffffffffULL - pick(rng, 3); break;
    case 3: v = static_cast<uint64_t>(-static_cast<int64_t>(1 + pick(rng, 5))); break;  // negative
    case 4: v = (pick(rng, 3) << 32) | pick(rng, 1000); break;
    case 5: v = rng(); break;
    case 6: v = 1ULL << pick(rng, 64); break;
    default: v = pick(rng, 0x10000); break;
  }
  if (fits32) {
    const uint64_t hi = v >> 32;
    if (!(hi == 0 || (hi == 0xffffffffULL && (v & 0x80000000ULL)))) v &= 0xffffffffULL;
  }
  return v;
}

inline ir::ArgCmp random_cmp(std::mt19937_64& rng, uint8_t argi, bool fits32, bool low32) {
  ir::ArgCmp c;
  c.arg = argi;
  c.op = static_cast<ir::CmpOp>(pick(rng, 7));
  if (low32) c.width = ir::Width::Bits32;
  const bool narrow = fits32 || low32;
  c.value = random_value(rng, narrow);
  if (c.op == ir::CmpOp::MaskedEq) {
    uint64_t m;
    switch (pick(rng, 5)) {
      case 0: m = 1ULL << pick(rng, narrow ? 32 : 64); break;
      case 1: m = 0xff; break;
      case 2: m = 0xffffffff00000000ULL; break;
      case 3: m = ~0ULL; break;
      default: m = rng(); break;
    }
    if (narrow) m &= 0xffffffffULL;
    c.mask = m;
    c.value = rng() & m;
    if (pick(rng, 3) == 0) c.value = 0;
  }
  if (c.op == ir::CmpOp::Lt && c.value == 0) c.value = 1;
  if (c.op == ir::CmpOp::Gt && c.value == (narrow ? 0xffffffffULL : ~0ULL)) c.value -= 1;
  if (narrow && (c.value >> 32) != 0) {
    // A sign-extended negative: comparisons see its low word; keep ordered ops sane.
    if (c.op == ir::CmpOp::Gt && (c.value & 0xffffffffULL) == 0xffffffffULL) c.value -= 1;
  }
  return c;
}

// Builds random specs until one passes Policy::build (contradictions are rejected there).
inline ir::ValidatedPolicy random_policy(std::mt19937_64& rng, const RandomPolicyOptions& o) {
  for (;;) {
    ir::PolicySpec s;
    std::vector<arch::Arch> pool = o.arch_pool;
    std::shuffle(pool.begin(), pool.end(), rng);
    s.arches.assign(pool.begin(), pool.begin() + static_cast<long>(1 + pick(rng, o.max_arches)));
    bool any32 = false, x32 = false;
    for (arch::Arch a : s.arches) {
      any32 = any32 || !arch::info(a).args_are_64bit;
      // x32 and mips n32: 64-bit registers, but libseccomp compares them as 32-bit ABIs.
      x32 =
          x32 || a == arch::Arch::X32 || a == arch::Arch::Mips64N32 || a == arch::Arch::Mips64N32El;
    }
    s.default_action = random_action(rng, o.trap_data);
    s.bad_arch_action = random_action(rng, o.trap_data);
    if (o.allow_unknown_action && pick(rng, 3) == 0)
      s.unknown_syscall_action = random_action(rng, o.trap_data);
    s.missing_syscall = ir::MissingSyscall::Ignore;
    std::vector<std::string> names = o.names;
    if (names.empty()) {
      for (arch::Arch a : s.arches)
        for (const auto& e : arch::syscalls(a)) names.emplace_back(e.name);
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
    }
    const size_t nsys = 1 + pick(rng, o.max_syscalls);
    std::vector<std::string> used_names;
    for (size_t i = 0; i < nsys && !names.empty(); ++i) {
      const std::string name = names[pick(rng, names.size())];
      if (o.one_action_per_syscall) {
        if (std::find(used_names.begin(), used_names.end(), name) != used_names.end()) continue;
        used_names.push_back(name);
      }
      ir::Action act = random_action(rng, o.trap_data);
      while (o.action_differs_from_default && act == s.default_action)
        act = random_action(rng, o.trap_data);
      const size_t nrules = 1 + pick(rng, o.max_rules_per_syscall);
      for (size_t r = 0; r < nrules; ++r) {
        if (!o.one_action_per_syscall && r > 0) {
          act = random_action(rng, o.trap_data);
          while (o.action_differs_from_default && act == s.default_action)
            act = random_action(rng, o.trap_data);
        }
        ir::Rule rule = ir::Rule::on(name, act);
        const size_t nc = pick(rng, o.max_conds + 1);
        std::vector<uint8_t> used;
        for (size_t c = 0; c < nc; ++c) {
          auto a = static_cast<uint8_t>(pick(rng, 6));
          if (o.distinct_args_per_rule) {
            if (std::find(used.begin(), used.end(), a) != used.end()) continue;
            used.push_back(a);
          }
          const bool low32 = o.allow_low32 && pick(rng, 4) == 0;
          ir::ArgCmp cmp = random_cmp(rng, a, any32, low32);
          if (o.x32_narrow && (x32 || any32)) {
            cmp.value &= 0xffffffffULL;
            cmp.mask &= 0xffffffffULL;
          }
          rule.conds.push_back(cmp);
        }
        s.rules.push_back(std::move(rule));
      }
    }
    auto p = ir::ValidatedPolicy::build(std::move(s));
    if (p) return *p;
  }
}

// Argument values near what the policy compares against.
inline uint64_t random_arg(std::mt19937_64& rng, const std::vector<uint64_t>& interesting) {
  uint64_t v;
  if (!interesting.empty() && pick(rng, 4) != 0) {
    v = interesting[pick(rng, interesting.size())];
    switch (pick(rng, 6)) {
      case 0: v += 1; break;
      case 1: v -= 1; break;
      case 2: v ^= 1ULL << pick(rng, 64); break;
      case 3: v ^= 0xffffffff00000000ULL; break;
      default: break;
    }
  } else {
    v = random_value(rng, false);
  }
  return v;
}

inline bpf::SeccompData random_input(std::mt19937_64& rng, const ir::ValidatedPolicy& p) {
  std::vector<uint64_t> interesting;
  for (const ir::Rule& r : p.spec().rules) {
    for (const ir::ArgCmp& c : r.conds) {
      interesting.push_back(c.value);
      if (c.op == ir::CmpOp::MaskedEq) interesting.push_back(c.value | ~c.mask);
    }
  }
  const auto arches = p.arches();
  const arch::Arch a = arches[pick(rng, arches.size())];
  const auto& ai = arch::info(a);
  bpf::SeccompData d;
  d.arch = ai.audit_arch;
  const auto rules = p.rules_for(a);
  switch (pick(rng, 12)) {
    case 0: d.nr = -1; break;
    case 1: d.nr = static_cast<int32_t>(0x40000000U | pick(rng, 600)); break;  // x32 range
    case 2: d.nr = static_cast<int32_t>(pick(rng, 1100)); break;
    case 3: d.nr = static_cast<int32_t>(rng()); break;
    case 4: {  // wrong arch
      const auto all = arch::all_arches();
      d.arch =
          pick(rng, 5) == 0 ? static_cast<uint32_t>(rng()) : all[pick(rng, all.size())].audit_arch;
      d.nr = static_cast<int32_t>(pick(rng, 500));
      break;
    }
    case 5: {
      const auto t = arch::syscalls(a);
      d.nr = t[pick(rng, t.size())].nr;
      break;
    }
    default:
      if (!rules.empty()) {
        d.nr = rules[pick(rng, rules.size())].nr;
      } else {
        d.nr = static_cast<int32_t>(pick(rng, 500)) | static_cast<int32_t>(ai.nr_bit);
      }
  }
  for (uint64_t& x : d.args) x = random_arg(rng, interesting);
  d.instruction_pointer = rng();
  return d;
}

}  // namespace sysfence::testing
