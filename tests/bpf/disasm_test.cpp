// tests/bpf/disasm_test.cpp — sysfence/bpf/disasm.hpp: the disassembler's canonical text, every
// mnemonic, and argument words and syscall names as the checked arch has them.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "bpf/sample_program.hpp"
#include "sysfence/bpf/asm.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

TEST(Disasm, CanonicalText) {
  const std::string expected =
      "   0: ld [4]                            ; arch\n"
      "   1: jeq #0xc000003e, 2, 11            ; x86_64\n"
      "   2: ld [0]                            ; nr\n"
      "   3: jge #0x40000000, 11, 4            ; x32 syscall bit\n"
      "   4: jeq #39, 10, 5                    ; getpid\n"
      "   5: jeq #1, 6, 9                      ; write\n"
      "   6: ld [16]                           ; args[0].lo\n"
      "   7: jeq #2, 8, 10\n"
      "   8: ret errno(1)\n"
      "   9: ret #0x7fff0003                   ; allow+0x3: not cacheable\n"
      "  10: ret allow\n"
      "  11: ret kill_process\n";
  EXPECT_EQ(disassemble(testing::sample_program()), expected);
  DisasmOptions bare;
  bare.comments = false;
  EXPECT_EQ(disassemble(testing::sample_program(), bare).find(';'), std::string::npos);
}

TEST(Disasm, EveryMnemonic) {
  const Program p = {stmt(LD | W | LEN, 0),
                     stmt(LDX | W | LEN, 0),
                     stmt(LD | IMM, 4096),
                     stmt(LDX | IMM, 7),
                     stmt(ST, 3),
                     stmt(STX, 15),
                     stmt(LD | MEM, 3),
                     stmt(LDX | MEM, 15),
                     stmt(ALU | ADD | K, 1),
                     stmt(ALU | SUB | X, 0),
                     stmt(ALU | MUL | K, 3),
                     stmt(ALU | DIV | X, 0),
                     stmt(ALU | MOD | K, 5),
                     stmt(ALU | AND | K, 0xff),
                     stmt(ALU | OR | X, 0),
                     stmt(ALU | XOR | K, 1),
                     stmt(ALU | LSH | K, 2),
                     stmt(ALU | RSH | X, 0),
                     stmt(ALU | NEG, 0),
                     stmt(MISC | TAX, 0),
                     stmt(MISC | TXA, 0),
                     stmt(JMP | JA, 0),
                     jump(JMP | JGT | X, 0, 0, 1),
                     jump(JMP | JSET | K, 8, 1, 0),
                     stmt(LD | W | ABS, kOffIpHi),
                     stmt(LD | W | ABS, arg_hi(5)),
                     stmt(RET | K, ret_trap(3)),
                     stmt(RET | K, ret_trace(7)),
                     stmt(RET | K, kRetLog),
                     stmt(RET | K, kRetUserNotif),
                     stmt(RET | K, kRetKillThread),
                     stmt(RET | K, 0x00010000),
                     stmt(RET | RVAL_A, 0)};
  const std::string text = disassemble(p);
  for (const char* needle : {"ld len",
                             "ldx len",
                             "ld #0x1000",
                             "ldx #7",
                             "st M[3]",
                             "stx M[15]",
                             "ld M[3]",
                             "ldx M[15]",
                             "add #1",
                             "sub x",
                             "mul #3",
                             "div x",
                             "mod #5",
                             "and #255",
                             "or x",
                             "xor #1",
                             "lsh #2",
                             "rsh x",
                             "neg",
                             "tax",
                             "txa",
                             "ja 22",
                             "jgt x, 23, 24",
                             "jset #8, 25, 24",
                             "instruction_pointer.hi",
                             "args[5].hi",
                             "ret trap(3)",
                             "ret trace(7)",
                             "ret log",
                             "ret user_notif",
                             "ret kill_thread",
                             "ret #0x00010000                   ; unknown(0x00010000)",
                             "ret a"}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

// After a big-endian arch check (mips, s390x, ...), the word at 16 + 8i is the high word.
TEST(Disasm, ArgumentWordsFollowTheCheckedArchsByteOrder) {
  auto assembled = assemble(R"(
         ld [4]
         jeq #0x80000016, s390x, other
  s390x: ld [0]
         jeq #4, w, end                 ; s390x: write
  w:     ld [16]
         ld [20]
         ret allow
  other: ld [16]
         ld [20]
  end:   ret allow
  )");
  ASSERT_TRUE(assembled.ok()) << assembled.error().render();
  std::istringstream lines(disassemble(*assembled));
  std::vector<std::string> l;
  for (std::string s; std::getline(lines, s);) l.push_back(s);
  ASSERT_EQ(l.size(), assembled->size());
  EXPECT_NE(l[1].find("; s390x"), std::string::npos) << l[1];
  EXPECT_NE(l[3].find("; write"), std::string::npos) << l[3];
  EXPECT_NE(l[4].find("; args[0].hi"), std::string::npos) << l[4];
  EXPECT_NE(l[5].find("; args[0].lo"), std::string::npos) << l[5];
  EXPECT_NE(l[7].find("; args[0].lo"), std::string::npos) << l[7];  // x86_64 by default
  EXPECT_NE(l[8].find("; args[0].hi"), std::string::npos) << l[8];
}

TEST(Disasm, SyscallNamesFollowTheCheckedArch) {
  auto assembled = assemble(R"(
         ld [4]
         jeq #0x40000003, i386, other
  i386:  ld [0]
         jeq #1, end, end               ; i386: exit
  other: jeq #0xc00000b7, arm64, common  ; A still holds arch
  arm64: ld [0]
         jeq #64, common, common        ; aarch64: write
  common:
         ld [0]                         ; from two paths: arch unknown
         jeq #1, x32, x32               ; default x86_64: write
  x32:   jeq #0x40000001, end, end      ; x32 write
  end:   ret allow
  )");
  ASSERT_TRUE(assembled.ok()) << assembled.error().render();
  const Program& p = *assembled;
  std::istringstream lines(disassemble(p));
  std::vector<std::string> l;
  for (std::string s; std::getline(lines, s);) l.push_back(s);
  ASSERT_EQ(l.size(), p.size());
  EXPECT_NE(l[1].find("; i386"), std::string::npos) << l[1];
  EXPECT_NE(l[3].find("; exit"), std::string::npos) << l[3];
  EXPECT_NE(l[4].find("; aarch64"), std::string::npos) << l[4];
  EXPECT_NE(l[6].find("; write"), std::string::npos) << l[6];  // 64 on x86_64 is semget
  EXPECT_NE(l[8].find("; write"), std::string::npos) << l[8];
  EXPECT_NE(l[9].find("; write (x32)"), std::string::npos) << l[9];
}
}  // namespace
}  // namespace sysfence::bpf
