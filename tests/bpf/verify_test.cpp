// Each verifier rule, on a program that breaks it and a neighbour that does not; every program
// is also handed to the running kernel, which must refuse (EINVAL) exactly the ones we refuse.
#include <errno.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/live_kernel.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {
namespace {

using testing::live_kernel_available;
using testing::live_load_one;

struct RuleCase {
  std::string name;
  Program prog;
  std::optional<VerifierRule> expected;  // nullopt: the kernel accepts it
  size_t index = 0;                      // instruction named by the violation
};

Program rets(size_t n) { return Program(n, stmt(RET | K, kRetAllow)); }

Program with_prefix(std::initializer_list<Insn> body) {
  Program p(body);
  p.push_back(stmt(RET | K, kRetAllow));
  return p;
}

std::vector<RuleCase> rule_cases() {
  std::vector<RuleCase> c;
  c.push_back({"EmptyProgram", {}, VerifierRule::EmptyProgram, 0});
  c.push_back({"MaxLength4096Accepted", rets(4096), std::nullopt});
  c.push_back({"Length4097Rejected", rets(4097), VerifierRule::TooLong, 0});
  c.push_back({"UnknownOpcode", with_prefix({stmt(0x00ff, 0)}), VerifierRule::UnknownOpcode, 0});
  c.push_back({"RetWithXBitUnknown", {stmt(RET | X, 0)}, VerifierRule::UnknownOpcode, 0});
  c.push_back({"NegWithXBitUnknown", with_prefix({stmt(ALU | NEG | X, 0)}),
               VerifierRule::UnknownOpcode, 0});
  c.push_back(
      {"JaWithXBitUnknown", with_prefix({stmt(JMP | JA | X, 0)}), VerifierRule::UnknownOpcode, 0});
  c.push_back(
      {"LdHalfImmUnknown", with_prefix({stmt(LD | H | IMM, 0)}), VerifierRule::UnknownOpcode, 0});
  c.push_back({"DivByConstantZero", with_prefix({stmt(ALU | DIV | K, 0)}),
               VerifierRule::DivisionByZero, 0});
  c.push_back({"DivByConstantOneAccepted", with_prefix({stmt(ALU | DIV | K, 1)}), std::nullopt});
  c.push_back({"DivByXAccepted", with_prefix({stmt(ALU | DIV | X, 0)}), std::nullopt});
  c.push_back({"ModByConstantZero", with_prefix({stmt(ALU | MOD | K, 0)}),
               VerifierRule::DivisionByZero, 0});
  c.push_back({"ModRefusedBySeccomp", with_prefix({stmt(ALU | MOD | K, 3)}),
               VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back({"ModXRefusedBySeccomp", with_prefix({stmt(ALU | MOD | X, 0)}),
               VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back({"LshBy32", with_prefix({stmt(ALU | LSH | K, 32)}), VerifierRule::ShiftTooLarge, 0});
  c.push_back({"RshBy32", with_prefix({stmt(ALU | RSH | K, 32)}), VerifierRule::ShiftTooLarge, 0});
  c.push_back({"RshByHuge", with_prefix({stmt(ALU | RSH | K, 0x80000000u)}),
               VerifierRule::ShiftTooLarge, 0});
  c.push_back({"LshBy31Accepted", with_prefix({stmt(ALU | LSH | K, 31)}), std::nullopt});
  c.push_back({"StoreM16", with_prefix({stmt(ST, 16)}), VerifierRule::ScratchIndex, 0});
  c.push_back({"StxM16", with_prefix({stmt(STX, 16)}), VerifierRule::ScratchIndex, 0});
  c.push_back(
      {"LoadM16", with_prefix({stmt(ST, 0), stmt(LD | MEM, 16)}), VerifierRule::ScratchIndex, 1});
  c.push_back(
      {"LdxM99", with_prefix({stmt(ST, 0), stmt(LDX | MEM, 99)}), VerifierRule::ScratchIndex, 1});
  c.push_back(
      {"StoreLoadM15Accepted", with_prefix({stmt(ST, 15), stmt(LDX | MEM, 15)}), std::nullopt});
  // len 3: ja at pc 0 may skip at most 1 (k < 3 - 0 - 1).
  c.push_back({"JaToLastAccepted",
               {stmt(JMP | JA, 1), stmt(RET | K, 0), stmt(RET | K, kRetAllow)},
               std::nullopt});
  c.push_back({"JaPastEnd",
               {stmt(JMP | JA, 2), stmt(RET | K, 0), stmt(RET | K, kRetAllow)},
               VerifierRule::JumpOutOfProgram,
               0});
  c.push_back({"JaHugeWraps",
               {stmt(JMP | JA, 0xffffffffu), stmt(RET | K, kRetAllow)},
               VerifierRule::JumpOutOfProgram,
               0});
  c.push_back({"JeqTrueTargetPastEnd",
               {jump(JMP | JEQ | K, 1, 2, 0), stmt(RET | K, 0), stmt(RET | K, kRetAllow)},
               VerifierRule::JumpOutOfProgram,
               0});
  c.push_back({"JgtFalseTargetPastEnd",
               {jump(JMP | JGT | X, 0, 0, 2), stmt(RET | K, 0), stmt(RET | K, kRetAllow)},
               VerifierRule::JumpOutOfProgram,
               0});
  c.push_back({"JsetTargetsAtLastAccepted",
               {jump(JMP | JSET | K, 1, 1, 1), stmt(RET | K, 0), stmt(RET | K, kRetAllow)},
               std::nullopt});
  c.push_back({"LastNotReturn",
               {stmt(RET | K, kRetAllow), stmt(LD | IMM, 1)},
               VerifierRule::LastNotReturn,
               1});
  c.push_back(
      {"LastIsRetAAccepted", {stmt(LD | IMM, kRetAllow), stmt(RET | RVAL_A, 0)}, std::nullopt});
  c.push_back({"LoadBeforeStore", with_prefix({stmt(LD | MEM, 3)}),
               VerifierRule::ScratchNotInitialized, 0});
  c.push_back({"LoadOtherCellThanStored", with_prefix({stmt(ST, 2), stmt(LDX | MEM, 3)}),
               VerifierRule::ScratchNotInitialized, 1});
  // Store only on the fall-through path: the jump path reaches the load uninitialized.
  c.push_back({"StoreOnOnePathOnly",
               with_prefix({jump(JMP | JEQ | K, 0, 1, 0), stmt(ST, 4), stmt(LD | MEM, 4)}),
               VerifierRule::ScratchNotInitialized, 2});
  c.push_back(
      {"StoreOnBothPathsAccepted",
       with_prefix({stmt(ST, 4), jump(JMP | JEQ | K, 0, 1, 0), stmt(ST, 4), stmt(LD | MEM, 4)}),
       std::nullopt});
  c.push_back({"StoreBeforeJaAccepted",
               with_prefix({stmt(STX, 5), stmt(JMP | JA, 1), stmt(RET | K, 0), stmt(LD | MEM, 5)}),
               std::nullopt});
  // The kernel's linear walk does not reset after RET: dead code after a RET inherits the
  // stores that precede it, so this unreachable load passes (in the kernel and here).
  c.push_back({"DeadLoadAfterRetInheritsStores",
               {stmt(ST, 1), stmt(RET | K, kRetAllow), stmt(LD | MEM, 1), stmt(RET | K, 0)},
               std::nullopt});
  c.push_back({"JumpedOverStoreThenLoad",
               with_prefix({stmt(JMP | JA, 1), stmt(ST, 1), stmt(LD | MEM, 1)}),
               VerifierRule::ScratchNotInitialized, 2});
  c.push_back(
      {"LdAbsOffset64", with_prefix({stmt(LD | W | ABS, 64)}), VerifierRule::LoadOutsideData, 0});
  c.push_back({"LdAbsOffset60Accepted", with_prefix({stmt(LD | W | ABS, 60)}), std::nullopt});
  c.push_back(
      {"LdAbsMisaligned", with_prefix({stmt(LD | W | ABS, 2)}), VerifierRule::LoadOutsideData, 0});
  c.push_back({"LdAbsAncillary", with_prefix({stmt(LD | W | ABS, 0xfffff000u)}),
               VerifierRule::LoadOutsideData, 0});
  c.push_back(
      {"LdHalfAbs", with_prefix({stmt(LD | H | ABS, 0)}), VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back(
      {"LdByteAbs", with_prefix({stmt(LD | B | ABS, 0)}), VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back(
      {"LdWordInd", with_prefix({stmt(LD | W | IND, 0)}), VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back(
      {"LdxMsh", with_prefix({stmt(LDX | B | MSH, 0)}), VerifierRule::OpcodeNotForSeccomp, 0});
  c.push_back({"LenLoadsAccepted", with_prefix({stmt(LD | W | LEN, 0), stmt(LDX | W | LEN, 0)}),
               std::nullopt});
  // Rules apply in the kernel's order: the classic checks first, then seccomp's opcode subset.
  c.push_back({"ClassicRuleReportedBeforeSeccompRule",
               with_prefix({stmt(LD | H | ABS, 0), stmt(ALU | DIV | K, 0)}),
               VerifierRule::DivisionByZero, 1});
  // Every opcode seccomp accepts, in one program.
  c.push_back({"EveryAcceptedOpcode",
               {stmt(LD | W | ABS, kOffNr),
                stmt(LD | W | LEN, 0),
                stmt(LDX | W | LEN, 0),
                stmt(LD | IMM, 5),
                stmt(LDX | IMM, 3),
                stmt(ST, 0),
                stmt(STX, 1),
                stmt(LD | MEM, 0),
                stmt(LDX | MEM, 1),
                stmt(ALU | ADD | K, 1),
                stmt(ALU | ADD | X, 0),
                stmt(ALU | SUB | K, 1),
                stmt(ALU | SUB | X, 0),
                stmt(ALU | MUL | K, 3),
                stmt(ALU | MUL | X, 0),
                stmt(ALU | DIV | K, 3),
                stmt(ALU | DIV | X, 0),
                stmt(ALU | AND | K, 0xff),
                stmt(ALU | AND | X, 0),
                stmt(ALU | OR | K, 1),
                stmt(ALU | OR | X, 0),
                stmt(ALU | XOR | K, 1),
                stmt(ALU | XOR | X, 0),
                stmt(ALU | LSH | K, 1),
                stmt(ALU | LSH | X, 0),
                stmt(ALU | RSH | K, 1),
                stmt(ALU | RSH | X, 0),
                stmt(ALU | NEG, 0),
                stmt(MISC | TAX, 0),
                stmt(MISC | TXA, 0),
                stmt(JMP | JA, 0),
                jump(JMP | JEQ | K, 1, 0, 0),
                jump(JMP | JEQ | X, 0, 0, 0),
                jump(JMP | JGT | K, 1, 0, 0),
                jump(JMP | JGT | X, 0, 0, 0),
                jump(JMP | JGE | K, 1, 0, 0),
                jump(JMP | JGE | X, 0, 0, 0),
                jump(JMP | JSET | K, 1, 0, 0),
                jump(JMP | JSET | X, 0, 1, 0),
                stmt(RET | RVAL_A, 0),
                stmt(RET | K, kRetAllow)},
               std::nullopt});
  // Unused fields are ignored by the kernel.
  c.push_back({"JunkInUnusedFieldsAccepted",
               {Insn{MISC | TAX, 9, 9, 1234}, Insn{LD | W | LEN, 1, 2, 3},
                Insn{RET | RVAL_A, 200, 200, 77}},
               std::nullopt});
  return c;
}

class VerifierRule : public ::testing::TestWithParam<RuleCase> {};

TEST_P(VerifierRule, MatchesExpectationAndKernel) {
  const RuleCase& c = GetParam();
  const auto v = find_violation(c.prog);
  if (c.expected) {
    ASSERT_TRUE(v.has_value()) << c.name << " should be rejected";
    EXPECT_EQ(rule_name(v->rule), rule_name(*c.expected)) << v->message;
    EXPECT_EQ(v->index, c.index) << v->message;
    if (!c.prog.empty() && c.prog.size() <= kMaxInsns) {
      EXPECT_NE(v->message.find("instruction " + std::to_string(c.index)), std::string::npos)
          << v->message;
    }
    EXPECT_NE(v->message.find(rule_name(*c.expected)), std::string::npos) << v->message;
    EXPECT_FALSE(verify(c.prog).ok());
  } else {
    EXPECT_FALSE(v.has_value()) << v->message;
    EXPECT_TRUE(verify(c.prog).ok());
  }
  if (!live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  const int err = live_load_one(c.prog);
  EXPECT_EQ(err, c.expected ? EINVAL : 0) << "kernel disagrees on " << c.name;
}

INSTANTIATE_TEST_SUITE_P(Kernel, VerifierRule, ::testing::ValuesIn(rule_cases()),
                         [](const auto& info) { return info.param.name; });

// Every 16-bit opcode: our verdict on a minimal program using it equals the kernel's.
TEST(Verifier, EveryOpcodeAgreesWithKernel) {
  if (!live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  // [st M[4]] [op k=4 jt=0 jf=0] [ret allow] x5: operands every existing opcode accepts
  // (aligned offset, in-range cell, short shift, JA within the program). Opcodes above 0xff
  // never exist in classic BPF: sample a few of them.
  std::vector<uint16_t> codes;
  for (uint16_t c = 0; c < 0x100; ++c) codes.push_back(c);
  for (uint16_t c : {0x100, 0x106, 0x8000, 0xffff}) codes.push_back(c);
  int accepted = 0;
  for (uint16_t code : codes) {
    Program p = {stmt(ST, 4), Insn{code, 0, 0, 4}};
    p.insert(p.end(), 5, stmt(RET | K, kRetAllow));
    const bool ours = verify(p).ok();
    EXPECT_EQ(ours, is_seccomp_opcode(code)) << "opcode 0x" << std::hex << code;
    const int err = live_load_one(p);
    EXPECT_EQ(err, ours ? 0 : EINVAL) << "opcode 0x" << std::hex << code;
    accepted += ours;
  }
  EXPECT_EQ(accepted, 41);  // 9 loads/stores, 19 ALU, 9 jumps, 2 RET, TAX, TXA
}

Program filled(size_t len, Insn body) {
  Program p(len, body);
  if (len >= 2) p.front() = stmt(LDX | IMM, 1);  // no DIV X by zero (it would kill the loader)
  p.back() = stmt(RET | K, kRetAllow);
  return p;
}

// 0 when the kernel accepts a last filter of `len` (`body` instructions + RET) on `older`.
int live_load_last(const std::vector<Program>& older_oldest_first, size_t len, Insn body) {
  std::vector<Program> stack = older_oldest_first;
  stack.push_back(filled(len, body));
  const auto errs = testing::live_load(stack);
  for (size_t i = 0; i + 1 < errs.size(); ++i) EXPECT_EQ(errs[i], 0);
  return errs.back();
}

size_t model_max_last_length(const std::vector<Program>& older_oldest_first, Insn body) {
  size_t lo = 0, hi = kMaxInsns + 1;  // the model accepts lo (0: nothing), refuses hi
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    std::vector<Program> newest_first = {filled(mid, body)};
    newest_first.insert(newest_first.end(), older_oldest_first.rbegin(), older_oldest_first.rend());
    (verify_stack_size(newest_first).ok() ? lo : hi) = mid;
  }
  return lo;
}

TEST(Verifier, KernelInsnCountModel) {
  EXPECT_EQ(kernel_insn_count(Program{stmt(RET | K, 0)}), 5u);
  EXPECT_EQ(kernel_insn_count(Program{stmt(ALU | DIV | X, 0), stmt(RET | K, 0)}), 10u);
  EXPECT_EQ(kernel_insn_count(Program{jump(JMP | JEQ | K, 1, 0, 1), stmt(RET | K, 0)}), 6u);
  EXPECT_EQ(kernel_insn_count(Program{jump(JMP | JSET | K, 1, 0, 1), stmt(RET | K, 0)}), 7u);
  EXPECT_EQ(kernel_insn_count(Program{jump(JMP | JGE | K, 0x80000000u, 1, 1), stmt(RET | K, 0)}),
            8u);
  std::vector<Program> newest_first = {Program(4084, stmt(RET | K, 0))};
  newest_first.insert(newest_first.end(), 3, Program(4096, stmt(RET | K, 0)));
  EXPECT_EQ(stack_cost(newest_first), 32768u);
  EXPECT_TRUE(verify_stack_size(newest_first).ok());
  newest_first[0].push_back(stmt(RET | K, 0));
  EXPECT_FALSE(verify_stack_size(newest_first).ok());
}

// The kernel's stack budget boundary is exactly the model's (accepts the model's maximum length
// for the last filter, refuses one more),
// for instruction mixes whose converted sizes differ.
TEST(Verifier, StackSizeMatchesKernelBoundary) {
  if (!live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  struct Mix {
    std::vector<Program> older;
    Insn body;
  };
  std::vector<Mix> mixes;
  mixes.push_back(
      {std::vector<Program>(3, filled(4096, stmt(RET | K, kRetAllow))), stmt(RET | K, kRetAllow)});
  mixes.push_back({std::vector<Program>(7, filled(4096, stmt(LD | IMM, 0))), stmt(LD | IMM, 0)});
  mixes.push_back({std::vector<Program>(6, filled(4096, jump(JMP | JSET | K, 1, 0, 0))),
                   jump(JMP | JGE | K, 0x80000000u, 0, 0)});
  mixes.push_back(
      {std::vector<Program>(2, filled(3000, stmt(ALU | DIV | X, 0))), stmt(ALU | DIV | X, 0)});
  for (const Mix& m : mixes) {
    SCOPED_TRACE(describe_insn(m.body));
    const size_t model = model_max_last_length(m.older, m.body);
    ASSERT_GT(model, 1u);
    ASSERT_LT(model, kMaxInsns) << "the mix does not reach the stack limit";
    EXPECT_EQ(live_load_last(m.older, model, m.body), 0) << "kernel refuses the model's maximum";
    EXPECT_EQ(live_load_last(m.older, model + 1, m.body), ENOMEM)
        << "kernel accepts one more than the model's maximum";
  }
}

}  // namespace
}  // namespace sysfence::bpf
