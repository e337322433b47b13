// Policy IR: Policy::build validation (errors, warnings, hints, locations), per-arch resolution,
// copies, and Action's conversions and precedence.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "helpers.hpp"

namespace sysfence {
namespace {

using arch::Arch;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

PolicySpec one_rule(Rule r, std::vector<Arch> arches = {Arch::X86_64}) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.arches = std::move(arches);
  s.rules.push_back(std::move(r));
  return s;
}

Error build_error(PolicySpec s) {
  auto p = ir::ValidatedPolicy::build(std::move(s));
  if (p) {
    ADD_FAILURE() << "build() accepted the policy";
    return {};
  }
  return p.error();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(Action, RetRoundTrip) {
  const Action all[] = {Action::kill_process(), Action::kill_thread(), Action::trap(3),
                        Action::errno_(EPERM),  Action::user_notif(),  Action::trace(9),
                        Action::log(),          Action::allow()};
  const uint32_t rets[] = {0x80000000U, 0x00000000U, 0x00030003U, 0x00050001U,
                           0x7fc00000U, 0x7ff00009U, 0x7ffc0000U, 0x7fff0000U};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_EQ(all[i].to_ret(), rets[i]);
    auto back = Action::from_ret(rets[i]);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, all[i]);
    for (size_t j = 0; j < std::size(all); ++j)
      EXPECT_EQ(all[i].more_restrictive_than(all[j]), i < j) << i << " vs " << j;
  }
  EXPECT_FALSE(Action::from_ret(0x00010000U));
  EXPECT_FALSE(Action::from_ret(0x7ffe0000U));
  EXPECT_EQ(Action::errno_(1).to_string(), "errno(1)");
  EXPECT_EQ(Action::trace(7).to_string(), "trace(7)");
  EXPECT_EQ(Action::allow().to_string(), "allow");
  EXPECT_EQ(Action::kill_process().to_string(), "kill_process");
  EXPECT_EQ((Action{ir::ActionKind::Allow, 0x2a}).to_string(), "allow+0x2a");
  EXPECT_FALSE(Action::errno_(1).more_restrictive_than(Action::errno_(2)));
}

TEST(Build, UnknownSyscallSuggestsNearestName) {
  Rule r = Rule::on("opnat", Action::allow());
  r.loc.file = "p.policy";
  r.loc.line = 4;
  r.loc.col = 3;
  Error e = build_error(one_rule(r));
  EXPECT_TRUE(contains(e.message, "unknown syscall 'opnat'")) << e.message;
  EXPECT_TRUE(contains(e.hint, "openat")) << e.hint;
  EXPECT_EQ(e.where.line, 4);
  EXPECT_TRUE(contains(e.render(), "p.policy(4:3)")) << e.render();
}

TEST(Build, ArgIndexAboveFive) {
  ArgCmp c = ArgCmp::eq(6, 0);
  c.loc.line = 9;
  Error e = build_error(one_rule(Rule::on("read", Action::allow(), {c})));
  EXPECT_TRUE(contains(e.message, "argument index 6")) << e.message;
  EXPECT_EQ(e.where.line, 9);  // the comparison's own location
  EXPECT_FALSE(e.hint.empty());
}

TEST(Build, ValueTooWideFor32BitArch) {
  Error e = build_error(
      one_rule(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 0x100000000ULL)}), {Arch::I386}));
  EXPECT_TRUE(contains(e.message, "needs 64 bits")) << e.message;
  EXPECT_TRUE(contains(e.message, "i386")) << e.message;
  // Same rule for x86_64 alone is fine; for the pair it is an error.
  EXPECT_TRUE(ir::ValidatedPolicy::build(
      one_rule(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 0x100000000ULL)}))));
  build_error(one_rule(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 0x100000000ULL)}),
                       {Arch::X86_64, Arch::Arm}));
  // Width::Bits32 on a 64-bit arch: the same check.
  e = build_error(one_rule(Rule::on("read", Action::allow(), {ArgCmp::gt(0, 1ULL << 40).as32()})));
  EXPECT_TRUE(contains(e.message, "32-bit")) << e.message;
}

// build() with a sink reports every rule's error (the Result form, the first of them), with
// codes; warnings only when the policy builds.
TEST(Build, SinkCollectsEveryError) {
  PolicySpec s;
  s.arches = {Arch::X86_64};
  s.rules.push_back(Rule::on("opnat", Action::allow()));
  s.rules.push_back(Rule::on("read", Action::allow()));
  s.rules.push_back(Rule::on("write", Action::allow(), {ArgCmp::gt(0, 5), ArgCmp::lt(0, 3)}));
  s.rules.push_back(Rule::on("close", Action::allow(), {ArgCmp::eq(7, 0)}));
  Diagnostics sink;
  EXPECT_FALSE(ir::ValidatedPolicy::build(s, sink));
  ASSERT_EQ(sink.errors.size(), 3u);
  EXPECT_EQ(sink.errors[0].code, ErrorCode::UnknownName);
  EXPECT_EQ(sink.errors[1].code, ErrorCode::NeverMatches);
  EXPECT_EQ(sink.errors[2].code, ErrorCode::InvalidPolicy);
  EXPECT_TRUE(contains(sink.errors[2].message, "argument index 7")) << sink.errors[2].message;
  auto first = ir::ValidatedPolicy::build(s);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().render(false), sink.errors[0].render(false));
  // A warning (a name absent on one arch) reaches the sink when the policy builds.
  PolicySpec w;
  w.arches = {Arch::X86_64, Arch::AArch64};
  w.rules.push_back(Rule::on("open", Action::allow()));
  Diagnostics ok;
  auto p = ir::ValidatedPolicy::build(w, ok);
  ASSERT_TRUE(p);
  EXPECT_TRUE(ok.errors.empty());
  ASSERT_EQ(ok.warnings.size(), 1u);
  EXPECT_EQ(p->warnings().size(), 1u);
  // A sink that de-duplicates and already holds the same error still fails the build.
  Diagnostics dedup(Diagnostics::Limits{100, 100, true});
  PolicySpec bad;
  bad.arches = {Arch::X86_64};
  bad.rules.push_back(Rule::on("opnat", Action::allow()));
  EXPECT_FALSE(ir::ValidatedPolicy::build(bad, dedup));
  EXPECT_FALSE(ir::ValidatedPolicy::build(bad, dedup));
  EXPECT_EQ(dedup.errors.size(), 1u);
}

TEST(Build, SignExtendedNegativeIsFineOn32Bit) {
  auto p = ir::ValidatedPolicy::build(one_rule(
      Rule::on("read", Action::allow(), {ArgCmp::eq(0, static_cast<uint64_t>(-1))}), {Arch::Arm}));
  ASSERT_TRUE(p) << p.error().render();
  auto e = ir::effective(p->rules_for(Arch::Arm)[0].rule->conds[0], Arch::Arm);
  EXPECT_TRUE(e.low32);
  EXPECT_EQ(e.value, 0xffffffffULL);
  // 0xffffffff00000001 is not a sign-extended 32-bit number.
  build_error(one_rule(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 0xffffffff00000001ULL)}),
                       {Arch::Arm}));
}

TEST(Build, ErrnoAbove4095) {
  Error e = build_error(one_rule(Rule::on("read", Action::errno_(4096))));
  EXPECT_TRUE(contains(e.message, "4096")) << e.message;
  PolicySpec s = one_rule(Rule::on("read", Action::allow()));
  s.default_action = Action::errno_(5000);
  e = build_error(s);
  EXPECT_TRUE(contains(e.message, "default action")) << e.message;
  s.default_action = Action::errno_(4095);
  EXPECT_TRUE(ir::ValidatedPolicy::build(s));
}

TEST(Build, RulesThatCanNeverMatch) {
  const std::vector<std::vector<ArgCmp>> never = {
      {ArgCmp::lt(0, 0)},
      {ArgCmp::gt(0, ~0ULL)},
      {ArgCmp::masked_eq(1, 0x3, 0x4)},
      {ArgCmp::eq(0, 1), ArgCmp::eq(0, 2)},
      {ArgCmp::lt(0, 5), ArgCmp::gt(0, 10)},
      {ArgCmp::ge(0, 5), ArgCmp::le(0, 4)},
      {ArgCmp::eq(0, 3), ArgCmp::ne(0, 3)},
      {ArgCmp::ge(0, 3), ArgCmp::le(0, 4), ArgCmp::ne(0, 3), ArgCmp::ne(0, 4)},
      {ArgCmp::masked_eq(0, 0xf, 0x1), ArgCmp::masked_eq(0, 0x3, 0x2)},
      {ArgCmp::masked_eq(0, 0xf0, 0x10), ArgCmp::lt(0, 0x10)},
      {ArgCmp::masked_eq(0, 0x1, 0x1), ArgCmp::ge(0, 6), ArgCmp::le(0, 6)},
      {ArgCmp::gt(0, 0xffffffff).as32()},
  };
  for (const auto& conds : never) {
    Error e = build_error(one_rule(Rule::on("read", Action::allow(), conds)));
    EXPECT_TRUE(contains(e.message, "can never match")) << e.message;
  }
  const std::vector<std::vector<ArgCmp>> fine = {
      {ArgCmp::lt(0, 1)},
      {ArgCmp::masked_eq(1, 0x3, 0x3)},
      {ArgCmp::eq(0, 1), ArgCmp::eq(1, 2)},
      {ArgCmp::ge(0, 3), ArgCmp::le(0, 5), ArgCmp::ne(0, 3), ArgCmp::ne(0, 4)},
      {ArgCmp::masked_eq(0, 0xf0, 0x10), ArgCmp::lt(0, 0x11)},
      {ArgCmp::masked_eq(0, 0x1, 0x1), ArgCmp::ge(0, 6), ArgCmp::le(0, 7)},
      {ArgCmp::gt(0, 0xffffffff)},
      {ArgCmp::ne(0, 0), ArgCmp::ne(0, ~0ULL)},
  };
  for (const auto& conds : fine) {
    auto p = ir::ValidatedPolicy::build(one_rule(Rule::on("read", Action::allow(), conds)));
    EXPECT_TRUE(p) << p.error().render();
  }
  // Never matching only on the 32-bit arch (the low word of 2^32 + 1 and of 1 are equal): the
  // value is too wide there anyway, which is the error reported.
  build_error(
      one_rule(Rule::on("read", Action::allow(), {ArgCmp::eq(0, 1), ArgCmp::ne(0, 0x100000001ULL)}),
               {Arch::I386}));
}

TEST(Build, RawNumbers) {
  Rule r;
  r.nr = 39;
  r.action = Action::allow();
  auto p = ir::ValidatedPolicy::build(one_rule(r));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->rules_for(Arch::X86_64)[0].nr, 39);
  // Several arches: the number needs an arch.
  Error e = build_error(one_rule(r, {Arch::X86_64, Arch::I386}));
  EXPECT_TRUE(contains(e.message, "needs an arch")) << e.message;
  r.only_arch = Arch::I386;
  p = ir::ValidatedPolicy::build(one_rule(r, {Arch::X86_64, Arch::I386}));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->rules_for(Arch::X86_64).empty());
  EXPECT_EQ(p->rules_for(Arch::I386)[0].nr, 39);
  // x32 numbers get bit 30 when it is missing; x86_64 numbers must not have it.
  r.only_arch = Arch::X32;
  p = ir::ValidatedPolicy::build(one_rule(r, {Arch::X32}));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->rules_for(Arch::X32)[0].nr, 0x40000000 | 39);
  r.only_arch.reset();
  r.nr = 0x40000000 | 39;
  build_error(one_rule(r));
  r.nr = -3;
  build_error(one_rule(r));
  Rule none;
  none.action = Action::allow();
  e = build_error(one_rule(none));
  EXPECT_TRUE(contains(e.message, "names no syscall")) << e.message;
}

TEST(Build, DuplicateArches) {
  Error e = build_error(one_rule(Rule::on("read", Action::allow()), {Arch::Arm, Arch::Arm}));
  EXPECT_TRUE(contains(e.message, "listed twice")) << e.message;
}

TEST(Build, NamesMissingOnSomeArch) {
  // "open" exists on x86_64 but not on aarch64.
  PolicySpec s = one_rule(Rule::on("open", Action::allow()), {Arch::X86_64, Arch::AArch64});
  auto p = ir::ValidatedPolicy::build(s);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->warnings().size(), 1u);
  EXPECT_TRUE(contains(p->warnings()[0].message, "aarch64")) << p->warnings()[0].message;
  EXPECT_EQ(p->rules_for(Arch::X86_64).size(), 1u);
  EXPECT_TRUE(p->rules_for(Arch::AArch64).empty());
  s.missing_syscall = ir::MissingSyscall::Ignore;
  p = ir::ValidatedPolicy::build(s);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->warnings().empty());
  s.missing_syscall = ir::MissingSyscall::Error;
  build_error(s);
}

TEST(Build, NativeArchByDefaultAndCopiesRebind) {
  PolicySpec s;
  s.rules = {Rule::on("read", Action::allow()), Rule::on("write", Action::log())};
  auto p = ir::ValidatedPolicy::build(s);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->arches().size(), 1u);
  EXPECT_EQ(p->arches()[0], arch::native_arch());
  ir::ValidatedPolicy copy = *p;
  ir::ValidatedPolicy assigned = copy;
  assigned = *p;
  for (const ir::ValidatedPolicy* q : {&copy, &assigned}) {
    auto rs = q->rules_for(arch::native_arch());
    ASSERT_EQ(rs.size(), 2u);
    EXPECT_EQ(rs[0].rule, &q->spec().rules[0]);
    EXPECT_EQ(rs[1].rule, &q->spec().rules[1]);
  }
}

}  // namespace
}  // namespace sysfence
