// Disassembler text, assembler (labels, absolute targets, errors with file:line:col), the exact
// round trip over random programs, raw binary and the C array emitter.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "bpf/random_program.hpp"
#include "sysfence/bpf/asm.hpp"
#include "sysfence/bpf/binary.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

Program sample() {
  return {stmt(LD | W | ABS, kOffArch),  jump(JMP | JEQ | K, kAuditArchX86_64, 0, 9),
          stmt(LD | W | ABS, kOffNr),    jump(JMP | JGE | K, kX32SyscallBit, 7, 0),
          jump(JMP | JEQ | K, 39, 5, 0), jump(JMP | JEQ | K, 1, 0, 3),
          stmt(LD | W | ABS, arg_lo(0)), jump(JMP | JEQ | K, 2, 0, 2),
          stmt(RET | K, ret_errno(1)),   stmt(RET | K, kRetAllow | 3),
          stmt(RET | K, kRetAllow),      stmt(RET | K, kRetKillProcess)};
}

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
  EXPECT_EQ(disassemble(sample()), expected);
  DisasmOptions bare;
  bare.comments = false;
  EXPECT_EQ(disassemble(sample(), bare).find(';'), std::string::npos);
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

TEST(Binary, LittleEndianLayoutAndRoundTrip) {
  const Program p = {jump(JMP | JEQ | K, 0x11223344, 5, 6), stmt(RET | K, kRetAllow)};
  const std::vector<uint8_t> bytes = to_binary(p);
  const std::vector<uint8_t> expected = {0x15, 0x00, 5, 6, 0x44, 0x33, 0x22, 0x11,
                                         0x06, 0x00, 0, 0, 0x00, 0x00, 0xff, 0x7f};
  EXPECT_EQ(bytes, expected);
  auto back = from_binary(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  // The in-memory layout is the kernel's: the bytes equal the Insn array's own bytes here.
  EXPECT_EQ(0, std::memcmp(bytes.data(), p.data(), bytes.size()));
  auto empty = from_binary({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  for (size_t cut : {1u, 7u, 9u, 15u}) {
    auto bad = from_binary(std::span<const uint8_t>(bytes.data(), cut));
    ASSERT_FALSE(bad.ok()) << cut;
    EXPECT_NE(bad.error().message.find("8-byte"), std::string::npos);
  }
}

TEST(Binary, Files) {
  char dir_template[] = "/tmp/sysfence-bpf-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  const Program p = sample();
  ASSERT_TRUE(write_binary_file(dir + "/f.bpf", p).ok());
  auto back = read_binary_file(dir + "/f.bpf");
  ASSERT_TRUE(back.ok()) << back.error().render();
  EXPECT_EQ(*back, p);
  {
    std::ofstream odd(dir + "/odd.bpf", std::ios::binary);
    odd << "123456789";
  }
  auto odd = read_binary_file(dir + "/odd.bpf");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().where.file, dir + "/odd.bpf");
  auto missing = read_binary_file(dir + "/missing.bpf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
  EXPECT_FALSE(write_binary_file(dir + "/no/such/dir/f.bpf", p).ok());
  std::remove((dir + "/f.bpf").c_str());
  std::remove((dir + "/odd.bpf").c_str());
  rmdir(dir.c_str());
}

// The emitted C compiles (as C, with the system's <linux/filter.h>) and holds the same bytes.
TEST(Binary, CArrayCompilesToTheSameBytes) {
  EXPECT_FALSE(to_c_array(sample(), "1bad").ok());
  EXPECT_FALSE(to_c_array(sample(), "has space").ok());
  if (std::system("command -v cc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  std::mt19937_64 rng(3);
  Program p = sample();
  p.push_back(Insn{MISC | TAX, 1, 2, 3});  // junk fields must survive too
  p.push_back(Insn{0x28, 0, 0, 3});        // an opcode written as a number
  for (int i = 0; i < 20; ++i)
    p.push_back(Insn{static_cast<uint16_t>(rng() % 0x100), static_cast<uint8_t>(rng()),
                     static_cast<uint8_t>(rng()), static_cast<uint32_t>(rng())});
  auto c = to_c_array(p, "my_filter");
  ASSERT_TRUE(c.ok());
  char dir_template[] = "/tmp/sysfence-carray-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  {
    std::ofstream src(dir + "/f.c");
    src << *c << "\n#include <stdio.h>\nint main(void) {\n"
        << "  if (my_filter_prog.len != sizeof(my_filter) / 8) return 2;\n"
        << "  fwrite(my_filter, 1, sizeof(my_filter), stdout);\n  return 0;\n}\n";
  }
  const std::string cmd = "cc -std=c11 -Wall -Werror -o " + dir + "/f " + dir + "/f.c && " + dir +
                          "/f > " + dir + "/f.bin";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << *c;
  auto back = read_binary_file(dir + "/f.bin");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p) << *c;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace sysfence::bpf
