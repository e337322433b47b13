// tests/bpf/asm_test.cpp — sysfence/bpf/asm.hpp: the assembler (labels, absolute targets,
// numbers, errors with file:line:col and a caret), and the exact round trip
// disassemble -> assemble over random programs.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "bpf/random_program.hpp"
#include "sysfence/bpf/asm.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

TEST(Asm, LabelsAbsoluteTargetsAndComments) {
  auto p = assemble(R"(
      ; a small filter
      ld [4]                          ; arch
      jeq #0xc000003e, next, kill
  next:
      ld [0]
      jeq #39, allow, 4               ; absolute index 4 is the next line
   4: ret errno(1)
  allow: ret allow
  kill:
      ret kill_process
  )");
  ASSERT_TRUE(p.ok()) << p.error().render();
  const Program expected = {
      stmt(LD | W | ABS, 4),         jump(JMP | JEQ | K, kAuditArchX86_64, 0, 4),
      stmt(LD | W | ABS, 0),         jump(JMP | JEQ | K, 39, 1, 0),
      stmt(RET | K, ret_errno(1)),   stmt(RET | K, kRetAllow),
      stmt(RET | K, kRetKillProcess)};
  EXPECT_EQ(*p, expected);
}

TEST(Asm, NumbersAndShortForms) {
  auto p = assemble("ld #-1\nldx #0X1F\njeq x, 3\nja 4\nret #4294967295\n");
  ASSERT_TRUE(p.ok()) << p.error().render();
  EXPECT_EQ((*p)[0].k, 0xffffffffu);
  EXPECT_EQ((*p)[1].k, 0x1fu);
  EXPECT_EQ((*p)[2], jump(JMP | JEQ | X, 0, 0, 0));
  EXPECT_EQ((*p)[4].k, 0xffffffffu);
}

struct AsmError {
  const char* text;
  int line;
  int col;
  const char* message_part;
};

TEST(Asm, ErrorsPointAtLineAndColumn) {
  const AsmError cases[] = {
      {"ld [0]\n  jeqq #1, 2, 3\n", 2, 3, "unknown mnemonic 'jeqq'"},
      {"ld [0]\nret allow\nret errno(x)\n", 3, 11, "expected a number"},
      {"ret errno(65536)\n", 1, 11, "out of range"},
      {"ld #4294967296\nret a\n", 1, 5, "out of range"},
      {"ld #-2147483649\n", 1, 5, "out of range"},
      {"ja nowhere\nret a\n", 1, 4, "unknown label 'nowhere'"},
      {"top: ld [0]\njeq #1, top, 2\nret a\n", 2, 9, "only jumps forward"},
      {"jeq #1, 257, 1\n", 1, 9, "at most 255"},
      {"0: ld [0]\n2: ret a\n", 2, 1, "does not match"},
      {"a: ld [0]\na: ret a\n", 2, 1, "defined twice"},
      {"ld [0] junk\n", 1, 8, "unexpected text"},
      {"ld M[1\n", 1, 7, "expected ']'"},
      {"add 5\n", 1, 5, "expected '#constant' or 'x'"},
      {"ret maybe\n", 1, 5, "unknown action 'maybe'"},
      {"ldx [4]\n", 1, 5, "expected '#constant', 'len' or 'M[i]'"},
      {".insn 0x10000, 0, 0, 0\n", 1, 7, "out of range"},
      {"ld #12ab\n", 1, 5, "malformed number"},
      {"end:\n", 1, 1, nullptr},  // label after the last instruction, unused: fine
      {"ja end\nend:\n", 1, 4, "after the last instruction"},
  };
  for (const AsmError& c : cases) {
    auto p = assemble(c.text, "t.bpf");
    if (c.message_part == nullptr) {
      EXPECT_TRUE(p.ok()) << c.text;
      continue;
    }
    ASSERT_FALSE(p.ok()) << c.text;
    const Error& e = p.error();
    EXPECT_EQ(e.where.file, "t.bpf");
    EXPECT_EQ(e.where.line, c.line) << c.text << e.render();
    EXPECT_EQ(e.where.col, c.col) << c.text << e.render();
    EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.render();
    EXPECT_FALSE(e.where.source_line.empty());
  }
  // The rendered form: file(line:col), the source line and a caret under the column.
  auto bad = assemble("ld [0]\n  jeqq #1, 2, 3\n", "t.bpf");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().render().substr(0, 49),
            "t.bpf(2:3): unknown mnemonic 'jeqq'\n    jeqq #1, ");
  EXPECT_NE(bad.error().render().find("\n    ^\n"), std::string::npos) << bad.error().render();
}

// disassemble -> assemble gives back the same instructions, for valid programs (with junk in
// unused fields) and for arbitrary instruction bytes.
TEST(RoundTrip, RandomValidPrograms) {
  std::mt19937_64 rng(99);
  testing::GenOptions opt;
  opt.max_len = 80;
  opt.junk_in_unused_fields = true;
  opt.interesting = {
      0, 1, 39, 60, 257, kAuditArchX86_64, kAuditArchI386, kAuditArchAArch64, kX32SyscallBit | 1};
  for (int n = 0; n < 3000; ++n) {
    const Program p = testing::random_valid_program(rng, opt);
    const std::string text = disassemble(p);
    auto back = assemble(text);
    ASSERT_TRUE(back.ok()) << back.error().render() << text;
    ASSERT_EQ(*back, p) << text;
    // And the assembled program behaves identically.
    const SeccompData d =
        SeccompData::make(kAuditArchX86_64, static_cast<int32_t>(rng() % 64), rng(), rng());
    EXPECT_EQ(emulate(*back, d)->ret, emulate(p, d)->ret);
  }
}

TEST(RoundTrip, ArbitraryInstructions) {
  std::mt19937_64 rng(5);
  for (int n = 0; n < 3000; ++n) {
    Program p(1 + rng() % 20);
    for (Insn& in : p) {
      in.code = static_cast<uint16_t>(rng() % 3 == 0 ? rng() : rng() % 0x100);
      in.jt = static_cast<uint8_t>(rng());
      in.jf = static_cast<uint8_t>(rng());
      in.k = static_cast<uint32_t>(rng() % 2 ? rng() : rng() % 8);
    }
    const std::string text = disassemble(p);
    auto back = assemble(text);
    ASSERT_TRUE(back.ok()) << back.error().render() << text;
    ASSERT_EQ(*back, p) << text;
  }
}
}  // namespace
}  // namespace sysfence::bpf
