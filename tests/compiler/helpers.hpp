// Test helpers for tests/compiler: build + compile + emulate, and a reference evaluator.
//
//   auto prog = compile_ok(spec);                      // ASSERT-style: fails the test on error
//   uint32_t r = run(prog, kAuditArchX86_64, 0);      // the filter's return value
//   uint32_t want = reference(policy, data);           // what the policy means, evaluated directly
//
// reference() is written independently of the compiler (no BPF, no shared lowering code): it
// reads the IR and applies the semantics stated in sysfence/ir/policy.hpp literally. Randomized
// tests compare the two.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/diff/diff.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::testing {

inline ir::ValidatedPolicy build_ok(ir::PolicySpec spec) {
  auto p = ir::ValidatedPolicy::build(std::move(spec));
  if (!p) {
    ADD_FAILURE() << "Policy::build failed: " << p.error().render();
    std::abort();
  }
  return *p;
}

// The test oracle every compiled program goes through: proven equivalent (on every input, by
// sysfence/diff) to the policy's meaning as diff::FilterGraph::reference() lowers it, naively
// and independently of the compiler.
inline void expect_equivalent_to_reference(const ir::ValidatedPolicy& p, const bpf::Program& prog) {
  auto g = diff::FilterGraph::from_program(prog);
  if (!g) {
    ADD_FAILURE() << "diff cannot read the compiled program: " << g.error().render();
    return;
  }
  const diff::FilterGraph ref = diff::FilterGraph::reference(p);
  auto d = diff::compare({&*g, 1}, {&ref, 1});
  if (!d) {
    ADD_FAILURE() << "diff cannot decide the compiled program: " << d.error().render();
    return;
  }
  if (!d->differences.empty()) {
    const diff::Difference& x = d->differences.front();
    ADD_FAILURE() << d->differences.size()
                  << " region(s) where the compiled program differs from the policy; e.g. arch 0x"
                  << std::hex << x.example.arch << std::dec << " nr " << x.example.nr << " args "
                  << x.example.args[0] << "," << x.example.args[1] << "," << x.example.args[2]
                  << ": compiled 0x" << std::hex << x.ret_a << ", policy 0x" << x.ret_b << std::dec;
  }
}

inline bpf::VerifiedProgram compile_ok(const ir::ValidatedPolicy& p,
                                       const compiler::Options& o = {}) {
  auto prog = compiler::compile(p, o);
  if (!prog) {
    ADD_FAILURE() << "compile failed: " << prog.error().render();
    std::abort();
  }
  expect_equivalent_to_reference(p, *prog);
  auto v = bpf::VerifiedProgram::make(*prog);
  if (!v) {
    ADD_FAILURE() << "the compiled program does not verify: " << v.error().render();
    std::abort();
  }
  return *v;
}

inline bpf::VerifiedProgram compile_ok(ir::PolicySpec spec, const compiler::Options& o = {}) {
  return compile_ok(build_ok(std::move(spec)), o);
}

inline uint32_t run(const bpf::VerifiedProgram& p, uint32_t audit, int32_t nr, uint64_t a0 = 0,
                    uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
                    uint64_t a5 = 0) {
  return bpf::emulate(p, bpf::SeccompData::make(audit, nr, a0, a1, a2, a3, a4, a5)).ret;
}

inline int32_t nr_of(arch::Arch a, const char* name) {
  auto n = arch::syscall_number(a, name);
  if (!n) {
    ADD_FAILURE() << name << " not on " << arch::info(a).name;
    return -2;
  }
  return *n;
}

// ---- reference semantics -------------------------------------------------------------------

inline bool ref_cmp(const ir::ArgCmp& c, arch::Arch a, const uint64_t* args) {
  const bool low = c.width == ir::Width::Bits32 || !arch::info(a).args_are_64bit;
  uint64_t x = args[c.arg], v = c.value, m = c.mask;
  if (low) {
    x &= 0xffffffffULL;
    v &= 0xffffffffULL;
    m &= 0xffffffffULL;
  }
  switch (c.op) {
    case ir::CmpOp::Eq: return x == v;
    case ir::CmpOp::Ne: return x != v;
    case ir::CmpOp::Lt: return x < v;
    case ir::CmpOp::Le: return x <= v;
    case ir::CmpOp::Gt: return x > v;
    case ir::CmpOp::Ge: return x >= v;
    case ir::CmpOp::MaskedEq: return (x & m) == v;
  }
  return false;
}

// Which targeted arch a call belongs to; nullopt: bad arch. `door_open` is set when the call
// comes through a door of the policy but as nr == -1 (which belongs to no arch's table).
inline std::optional<arch::Arch> ref_arch(const ir::ValidatedPolicy& p, const bpf::SeccompData& d) {
  auto targeted = [&](arch::Arch a) {
    for (arch::Arch t : p.arches())
      if (t == a) return true;
    return false;
  };
  if (d.arch == bpf::kAuditArchX86_64) {
    const auto nr = static_cast<uint32_t>(d.nr);
    if (nr == 0xffffffffU) {
      if (targeted(arch::Arch::X86_64)) return arch::Arch::X86_64;
      if (targeted(arch::Arch::X32)) return arch::Arch::X32;
      return std::nullopt;
    }
    const arch::Arch a = nr >= 0x40000000U ? arch::Arch::X32 : arch::Arch::X86_64;
    if (targeted(a)) return a;
    return std::nullopt;
  }
  for (arch::Arch t : p.arches())
    if (arch::info(t).audit_arch == d.arch) return t;
  return std::nullopt;
}

inline uint32_t reference(const ir::ValidatedPolicy& p, const bpf::SeccompData& d) {
  const ir::PolicySpec& s = p.spec();
  auto a = ref_arch(p, d);
  if (!a) return s.bad_arch_action.to_ret();
  const ir::Rule* best = nullptr;
  bool any_rule = false;
  for (const ir::ResolvedRule& rr : p.rules_for(*a)) {
    if (rr.nr != d.nr) continue;
    any_rule = true;
    bool all = true;
    for (const ir::ArgCmp& c : rr.rule->conds) all = all && ref_cmp(c, *a, d.args);
    if (!all) continue;
    // Most restrictive kind wins; between equal kinds the earlier rule (spec order).
    if (!best || static_cast<int>(rr.rule->action.kind) < static_cast<int>(best->action.kind))
      best = rr.rule;
  }
  if (best) return best->action.to_ret();
  if (any_rule || arch::syscall_name(*a, d.nr)) return s.default_action.to_ret();
  return (s.unknown_syscall_action ? *s.unknown_syscall_action : s.default_action).to_ret();
}

inline std::string describe(const ir::ValidatedPolicy& p) {
  std::string out = "default " + p.spec().default_action.to_string() + ", bad arch " +
                    p.spec().bad_arch_action.to_string();
  if (p.spec().unknown_syscall_action)
    out += ", unknown " + p.spec().unknown_syscall_action->to_string();
  out += ", arches";
  for (auto a : p.arches()) out += " " + std::string(arch::info(a).name);
  out += "\n";
  for (const ir::Rule& r : p.spec().rules) {
    out += "  " + r.syscall + " -> " + r.action.to_string();
    for (const ir::ArgCmp& c : r.conds) {
      char buf[96];
      std::snprintf(buf, sizeof buf, " [a%d op%d v=%llx m=%llx w%d]", c.arg, static_cast<int>(c.op),
                    static_cast<unsigned long long>(c.value),
                    static_cast<unsigned long long>(c.mask),
                    c.width == ir::Width::Bits32 ? 32 : 64);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

}  // namespace sysfence::testing
