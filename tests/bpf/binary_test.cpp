// tests/bpf/binary_test.cpp — sysfence/bpf/binary.hpp: the raw little-endian layout, files, and
// the C array emitter (compiled by the system's C compiler to the same bytes).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "bpf/sample_program.hpp"
#include "sysfence/bpf/binary.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

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
  const Program p = testing::sample_program();
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
  EXPECT_FALSE(to_c_array(testing::sample_program(), "1bad").ok());
  EXPECT_FALSE(to_c_array(testing::sample_program(), "has space").ok());
  if (std::system("command -v cc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler";
  std::mt19937_64 rng(3);
  Program p = testing::sample_program();
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
