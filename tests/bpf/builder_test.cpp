#include <gtest/gtest.h>

#include "sysfence/bpf/builder.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {
namespace {

TEST(Builder, ResolvesForwardLabelsAndNext) {
  Builder b;
  Label allow = b.label("allow"), kill = b.label("kill");
  b.ld_abs(kOffArch);
  b.jeq(kAuditArchX86_64, Builder::next, kill);
  b.ld_abs(kOffNr);
  b.jeq(39, allow, Builder::next);
  b.ret(ret_errno(1));
  b.bind(allow);
  b.ret(kRetAllow);
  b.bind(kill);
  b.ret(kRetKillProcess);
  auto p = b.build();
  ASSERT_TRUE(p.ok()) << p.error().render();
  const Program expected = {
      stmt(LD | W | ABS, 4),         jump(JMP | JEQ | K, kAuditArchX86_64, 0, 4),
      stmt(LD | W | ABS, 0),         jump(JMP | JEQ | K, 39, 1, 0),
      stmt(RET | K, ret_errno(1)),   stmt(RET | K, kRetAllow),
      stmt(RET | K, kRetKillProcess)};
  EXPECT_EQ(*p, expected);
  EXPECT_TRUE(verify(*p).ok());
  EXPECT_EQ(emulate(*p, SeccompData::make(kAuditArchX86_64, 39))->ret, kRetAllow);
  EXPECT_EQ(emulate(*p, SeccompData::make(kAuditArchI386, 39))->ret, kRetKillProcess);
}

TEST(Builder, JaReachesFar) {
  Builder b;
  Label end = b.label("end");
  b.ja(end);
  for (int i = 0; i < 1000; ++i) b.ret(ret_errno(1));
  b.bind(end);
  b.ret(kRetAllow);
  auto p = b.build();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].k, 1000u);
}

TEST(Builder, ConditionalJumpOf255IsFine256IsNot) {
  for (int gap : {255, 256}) {
    Builder b;
    Label far = b.label("far");
    b.jeq(1, far, Builder::next);
    for (int i = 0; i < gap; ++i) b.ret(0);
    b.bind(far);
    b.ret(kRetAllow);
    auto p = b.build();
    if (gap == 255) {
      ASSERT_TRUE(p.ok());
      EXPECT_EQ((*p)[0].jt, 255);
    } else {
      ASSERT_FALSE(p.ok());
      EXPECT_NE(p.error().message.find("instruction 0"), std::string::npos);
      EXPECT_NE(p.error().message.find("'far'"), std::string::npos);
      EXPECT_NE(p.error().message.find("256"), std::string::npos) << p.error().message;
    }
  }
}

TEST(Builder, BackwardJumpIsAnError) {
  Builder b;
  Label top = b.label("top");
  b.bind(top);
  b.ld_imm(0);
  b.jeq(0, top, Builder::next);
  b.ret(0);
  auto p = b.build();
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("backward"), std::string::npos);
  EXPECT_NE(p.error().message.find("instruction 1"), std::string::npos);
}

TEST(Builder, JumpToSelfIsBackward) {
  Builder b;
  Label self = b.label("self");
  b.bind(self);
  b.ja(self);
  b.ret(0);
  EXPECT_FALSE(b.build().ok());
}

TEST(Builder, UnboundDoubleBoundAndTrailingLabels) {
  {
    Builder b;
    Label nowhere = b.label("nowhere");
    b.ja(nowhere);
    b.ret(0);
    auto p = b.build();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("never bound"), std::string::npos);
  }
  {
    Builder b;
    Label twice = b.label("twice");
    b.bind(twice);
    b.ret(0);
    b.bind(twice);
    b.ret(1);
    auto p = b.build();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("bound twice"), std::string::npos);
  }
  {
    Builder b;
    Label end = b.label("end");
    b.ja(end);
    b.ret(0);
    b.bind(end);
    auto p = b.build();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.error().message.find("after the last instruction"), std::string::npos);
  }
}

TEST(Builder, EveryEmitterProducesItsOpcode) {
  Builder b;
  Label l = b.label();
  b.ld_abs(8).ld_len().ld_imm(1).st(2).ld_mem(2).ldx_len().ldx_imm(3).stx(4).ldx_mem(4);
  b.alu_k(ADD, 1).alu_x(SUB).neg().tax().txa();
  b.jump_x(JGT, l, Builder::next).jset(1, Builder::next, l).jge(2, l, l).jgt(3, l, l);
  b.bind(l).ret_a();
  auto p = b.build();
  ASSERT_TRUE(p.ok()) << p.error().render();
  const uint16_t codes[] = {LD | W | ABS,  LD | W | LEN,  LD | IMM,      ST,
                            LD | MEM,      LDX | W | LEN, LDX | IMM,     STX,
                            LDX | MEM,     ALU | ADD | K, ALU | SUB | X, ALU | NEG,
                            MISC | TAX,    MISC | TXA,    JMP | JGT | X, JMP | JSET | K,
                            JMP | JGE | K, JMP | JGT | K, RET | RVAL_A};
  ASSERT_EQ(p->size(), std::size(codes));
  for (size_t i = 0; i < p->size(); ++i) EXPECT_EQ((*p)[i].code, codes[i]) << i;
  EXPECT_EQ((*p)[14].jt, 3);
  EXPECT_EQ((*p)[15].jf, 2);
  EXPECT_TRUE(verify(*p).ok());
}

}  // namespace
}  // namespace sysfence::bpf
