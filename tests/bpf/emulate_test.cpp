// Table-driven emulator semantics, the stack precedence, and refusal of unverified programs.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

struct EmuCase {
  std::string name;
  Program prog;
  SeccompData data;
  uint32_t ret;
  size_t executed;
};

SeccompData x86(int32_t nr, uint64_t a0 = 0, uint64_t a1 = 0) {
  return SeccompData::make(kAuditArchX86_64, nr, a0, a1);
}

std::vector<EmuCase> emu_cases() {
  std::vector<EmuCase> c;
  const Insn ret_a = stmt(RET | RVAL_A, 0);
  c.push_back({"RetK", {stmt(RET | K, 0x12345678)}, x86(0), 0x12345678, 1});
  c.push_back({"AStartsZero", {ret_a}, x86(5), 0, 1});
  c.push_back({"XStartsZero", {stmt(MISC | TXA, 0), ret_a}, x86(5), 0, 2});
  c.push_back({"LoadNr", {stmt(LD | W | ABS, kOffNr), ret_a}, x86(231), 231, 2});
  c.push_back({"LoadNegativeNrIsUnsigned",
               {stmt(LD | W | ABS, kOffNr), jump(JMP | JGT | K, 1000, 0, 1), stmt(RET | K, 1),
                stmt(RET | K, 2)},
               x86(-1),
               1,
               3});
  c.push_back({"LoadArch", {stmt(LD | W | ABS, kOffArch), ret_a}, x86(0), kAuditArchX86_64, 2});
  {
    SeccompData d = x86(0);
    d.instruction_pointer = 0x1122334455667788ull;
    c.push_back({"LoadIpLow", {stmt(LD | W | ABS, kOffIpLo), ret_a}, d, 0x55667788u, 2});
    c.push_back({"LoadIpHigh", {stmt(LD | W | ABS, kOffIpHi), ret_a}, d, 0x11223344u, 2});
  }
  {
    SeccompData d = x86(0);
    d.args[5] = 0xdeadbeefcafef00dull;
    c.push_back({"LoadArg5Low", {stmt(LD | W | ABS, arg_lo(5)), ret_a}, d, 0xcafef00du, 2});
    c.push_back({"LoadArg5High", {stmt(LD | W | ABS, arg_hi(5)), ret_a}, d, 0xdeadbeefu, 2});
  }
  {
    // A big-endian ABI (no __AUDIT_ARCH_LE bit; s390x here): the kernel's seccomp_data holds
    // u64s in big-endian order, so the high word is at 16 + 8i and the low word at 16 + 8i + 4.
    SeccompData d = SeccompData::make(0x80000016u, 3);
    d.args[5] = 0xdeadbeefcafef00dull;
    d.instruction_pointer = 0x1122334455667788ull;
    c.push_back({"BigEndianArg5HighFirst", {stmt(LD | W | ABS, 56), ret_a}, d, 0xdeadbeefu, 2});
    c.push_back({"BigEndianArg5LowSecond", {stmt(LD | W | ABS, 60), ret_a}, d, 0xcafef00du, 2});
    c.push_back(
        {"BigEndianArgHelpers", {stmt(LD | W | ABS, arg_lo(5, true)), ret_a}, d, 0xcafef00du, 2});
    c.push_back({"BigEndianIpHighFirst", {stmt(LD | W | ABS, kOffIpLo), ret_a}, d, 0x11223344u, 2});
    c.push_back({"BigEndianNrAndArchUnchanged", {stmt(LD | W | ABS, kOffNr), ret_a}, d, 3u, 2});
    // mipsel (0x40000008) is little-endian: as x86.
    d.arch = 0x40000008u;
    c.push_back({"MipselArg5LowFirst", {stmt(LD | W | ABS, 56), ret_a}, d, 0xcafef00du, 2});
  }
  c.push_back({"LenIs64", {stmt(LD | W | LEN, 0), ret_a}, x86(0), 64, 2});
  c.push_back({"LdxLenIs64", {stmt(LDX | W | LEN, 0), stmt(MISC | TXA, 0), ret_a}, x86(0), 64, 3});
  c.push_back(
      {"AddWraps", {stmt(LD | IMM, 0xffffffff), stmt(ALU | ADD | K, 2), ret_a}, x86(0), 1, 3});
  c.push_back({"SubWraps", {stmt(ALU | SUB | K, 1), ret_a}, x86(0), 0xffffffff, 2});
  c.push_back({"MulWraps",
               {stmt(LD | IMM, 0x10000), stmt(ALU | MUL | K, 0x10001), ret_a},
               x86(0),
               0x10000,
               3});
  c.push_back({"DivUnsigned",
               {stmt(LD | IMM, 0xfffffffe), stmt(ALU | DIV | K, 2), ret_a},
               x86(0),
               0x7fffffff,
               3});
  c.push_back({"DivByXZeroReturnsZero",
               {stmt(LD | IMM, 7), stmt(ALU | DIV | X, 0), stmt(RET | K, kRetAllow)},
               x86(0),
               0,
               2});
  c.push_back({"DivByX",
               {stmt(LD | IMM, 100), stmt(LDX | IMM, 7), stmt(ALU | DIV | X, 0), ret_a},
               x86(0),
               14,
               4});
  c.push_back({"AndOrXor",
               {stmt(LD | IMM, 0xf0f0), stmt(ALU | AND | K, 0xff00), stmt(ALU | OR | K, 0x3),
                stmt(ALU | XOR | K, 0x1), ret_a},
               x86(0),
               0xf002,
               5});
  c.push_back({"Neg", {stmt(LD | IMM, 1), stmt(ALU | NEG, 0), ret_a}, x86(0), 0xffffffff, 3});
  c.push_back({"LshK", {stmt(LD | IMM, 0x80000001), stmt(ALU | LSH | K, 1), ret_a}, x86(0), 2, 3});
  c.push_back({"RshK", {stmt(LD | IMM, 0x80000000), stmt(ALU | RSH | K, 31), ret_a}, x86(0), 1, 3});
  c.push_back({"LshXMasksTo31",
               {stmt(LD | IMM, 1), stmt(LDX | IMM, 33), stmt(ALU | LSH | X, 0), ret_a},
               x86(0),
               2,
               4});
  c.push_back({"RshXBy32IsNoShift",
               {stmt(LD | IMM, 0x80), stmt(LDX | IMM, 32), stmt(ALU | RSH | X, 0), ret_a},
               x86(0),
               0x80,
               4});
  c.push_back({"ScratchMemory",
               {stmt(LD | IMM, 11), stmt(ST, 3), stmt(LDX | IMM, 22), stmt(STX, 15),
                stmt(LD | MEM, 15), stmt(LDX | MEM, 3), stmt(ALU | SUB | X, 0), ret_a},
               x86(0),
               11,
               8});
  c.push_back(
      {"TaxTxa",
       {stmt(LD | IMM, 9), stmt(MISC | TAX, 0), stmt(LD | IMM, 0), stmt(MISC | TXA, 0), ret_a},
       x86(0),
       9,
       5});
  c.push_back({"JaSkips", {stmt(JMP | JA, 1), stmt(RET | K, 1), stmt(RET | K, 2)}, x86(0), 2, 2});
  const Program cmp = {stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, 10, 0, 1),
                       stmt(RET | K, 1),           jump(JMP | JGE | K, 20, 0, 1),
                       stmt(RET | K, 2),           jump(JMP | JGT | K, 5, 0, 1),
                       stmt(RET | K, 3),           stmt(RET | K, 4)};
  c.push_back({"JeqTaken", cmp, x86(10), 1, 3});
  c.push_back({"JgeTakenAtBoundary", cmp, x86(20), 2, 4});
  c.push_back({"JgtNotTakenAtBoundary", cmp, x86(5), 4, 5});
  c.push_back({"JgtTaken", cmp, x86(6), 3, 5});
  const Program jset = {stmt(LD | W | ABS, arg_lo(0)), jump(JMP | JSET | K, 0x4, 0, 1),
                        stmt(RET | K, 1), stmt(RET | K, 2)};
  c.push_back({"JsetTaken", jset, x86(0, 0x6), 1, 3});
  c.push_back({"JsetNotTaken", jset, x86(0, 0x3), 2, 3});
  const Program jx = {stmt(LD | W | ABS, arg_lo(0)),
                      stmt(LDX | IMM, 7),
                      jump(JMP | JEQ | X, 0, 0, 1),
                      stmt(RET | K, 1),
                      jump(JMP | JGT | X, 0, 0, 1),
                      stmt(RET | K, 2),
                      jump(JMP | JSET | X, 0, 0, 1),
                      stmt(RET | K, 3),
                      stmt(RET | K, 4)};
  c.push_back({"JeqX", jx, x86(0, 7), 1, 4});
  c.push_back({"JgtX", jx, x86(0, 8), 2, 5});
  c.push_back({"JsetX", jx, x86(0, 1), 3, 6});
  c.push_back({"NoJsetX", jx, x86(0, 0), 4, 6});
  c.push_back(
      {"JeqXIgnoresK",
       {stmt(LDX | IMM, 0), jump(JMP | JEQ | X, 99, 0, 1), stmt(RET | K, 1), stmt(RET | K, 2)},
       x86(0),
       1,
       3});
  return c;
}

class EmulatorCase : public ::testing::TestWithParam<EmuCase> {};

TEST_P(EmulatorCase, ReturnsAndCounts) {
  const EmuCase& c = GetParam();
  auto r = emulate(c.prog, c.data);
  ASSERT_TRUE(r.ok()) << r.error().render();
  EXPECT_EQ(r->ret, c.ret) << std::hex << r->ret;
  EXPECT_EQ(r->executed, c.executed);
}

INSTANTIATE_TEST_SUITE_P(Table, EmulatorCase, ::testing::ValuesIn(emu_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(Emulator, RefusesUnverifiedProgram) {
  const Program no_ret = {stmt(LD | IMM, 1)};
  auto r = emulate(no_ret, x86(0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("last-not-return"), std::string::npos);
  auto v = VerifiedProgram::make({stmt(LD | MEM, 0), stmt(RET | K, 0)});
  EXPECT_FALSE(v.ok());
}

TEST(EmulatorStack, MostRestrictiveWinsAndTiesKeepNewest) {
  const Program allow = {stmt(RET | K, kRetAllow)};
  const Program log = {stmt(RET | K, kRetLog)};
  const Program errno5 = {stmt(RET | K, ret_errno(5))};
  const Program errno7 = {stmt(RET | K, ret_errno(7))};
  const Program trap = {stmt(RET | K, ret_trap(1))};
  const Program kill_thread = {stmt(RET | K, kRetKillThread | 3)};
  const Program kill_process = {stmt(RET | K, kRetKillProcess)};
  const Program trace = {stmt(RET | K, ret_trace(9))};
  const Program notif = {stmt(RET | K, kRetUserNotif)};
  auto run = [](std::vector<Program> newest_first) {
    auto r = emulate_stack(newest_first, x86(0));
    EXPECT_TRUE(r.ok());
    return *r;
  };
  EXPECT_EQ(run({}).ret, kRetAllow);
  EXPECT_FALSE(run({allow}).decided_by.has_value());
  EXPECT_EQ(run({allow, errno5}).ret, ret_errno(5));
  EXPECT_EQ(run({allow, errno5}).decided_by, 1u);
  EXPECT_EQ(run({errno7, errno5}).ret, ret_errno(7));  // tie: the newest stays
  EXPECT_EQ(run({errno5, errno7}).ret, ret_errno(5));
  EXPECT_EQ(run({errno5, trap}).ret, ret_trap(1));
  EXPECT_EQ(run({trap, kill_thread}).ret, kRetKillThread | 3);
  EXPECT_EQ(run({kill_thread, kill_process}).ret, kRetKillProcess);
  EXPECT_EQ(run({log, trace}).ret, ret_trace(9));
  EXPECT_EQ(run({trace, notif}).ret, kRetUserNotif);
  EXPECT_EQ(run({notif, errno5}).ret, ret_errno(5));
  EXPECT_EQ(run({allow, log}).ret, kRetLog);
  EXPECT_EQ(run({allow, log, errno5}).executed, 3u);
  // An unknown action 0x00010000 ranks between KILL_THREAD (0) and TRAP (0x00030000).
  const Program unknown = {stmt(RET | K, 0x00010000)};
  EXPECT_EQ(run({trap, unknown}).ret, 0x00010000u);
  EXPECT_EQ(run({unknown, kill_thread}).ret, kRetKillThread | 3);
  // One bad filter anywhere in the stack refuses the whole run.
  auto bad = emulate_stack(std::vector<Program>{allow, {stmt(LD | IMM, 0)}}, x86(0));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("filter 1"), std::string::npos);
}

TEST(Outcome, DecodesActions) {
  EXPECT_EQ(outcome_of(kRetAllow).outcome, Outcome::Allow);
  EXPECT_EQ(outcome_of(kRetLog).outcome, Outcome::Allow);
  EXPECT_EQ(outcome_of(ret_errno(13)).value, 13);
  EXPECT_EQ(outcome_of(ret_errno(5000)).value, 4095);
  EXPECT_EQ(outcome_of(ret_errno(0)).outcome, Outcome::Errno);
  EXPECT_EQ(outcome_of(ret_trap(42)).value, 42);
  EXPECT_EQ(outcome_of(ret_trace(1)).outcome, Outcome::NoTracer);
  EXPECT_EQ(outcome_of(kRetUserNotif).outcome, Outcome::NoTracer);
  EXPECT_EQ(outcome_of(0x1234).outcome, Outcome::KillThread);
  EXPECT_EQ(outcome_of(kRetKillProcess).outcome, Outcome::KillProcess);
  EXPECT_EQ(outcome_of(0x00010000).outcome, Outcome::KillProcess);
  EXPECT_EQ(outcome_of(0x7ffe0000).outcome, Outcome::KillProcess);
}

}  // namespace
}  // namespace sysfence::bpf
