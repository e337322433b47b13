// tests/support/format_test.cpp — sysfence/support/format.hpp: the number formats every stage
// writes (lower-case, "0x", padded only where the name says so).
#include <gtest/gtest.h>

#include <cstdint>

#include "sysfence/support/format.hpp"

TEST(Format, HexIsLowerCaseWithPrefixAndNoPadding) {
  EXPECT_EQ(sysfence::hex(0), "0x0");
  EXPECT_EQ(sysfence::hex(255), "0xff");
  EXPECT_EQ(sysfence::hex(0x7fff0000), "0x7fff0000");
  EXPECT_EQ(sysfence::hex(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Format, Hex32PaddedIsAlwaysEightDigits) {
  EXPECT_EQ(sysfence::hex32_padded(0), "0x00000000");
  EXPECT_EQ(sysfence::hex32_padded(255), "0x000000ff");
  EXPECT_EQ(sysfence::hex32_padded(0xc000003e), "0xc000003e");  // AUDIT_ARCH_X86_64
  EXPECT_EQ(sysfence::hex32_padded(UINT32_MAX), "0xffffffff");
}

TEST(Format, HexAboveKeepsSmallNumbersDecimal) {
  EXPECT_EQ(sysfence::hex_above(7, 10), "7");
  EXPECT_EQ(sysfence::hex_above(9, 10), "9");
  EXPECT_EQ(sysfence::hex_above(10, 10), "0xa");  // the bound itself is hex
  EXPECT_EQ(sysfence::hex_above(255, 10), "0xff");
  EXPECT_EQ(sysfence::hex_above(0, 0), "0x0");  // a bound of 0: everything hex
  EXPECT_EQ(sysfence::hex_above(UINT64_MAX, UINT64_MAX), "0xffffffffffffffff");
  EXPECT_EQ(sysfence::hex_above(UINT64_MAX - 1, UINT64_MAX), "18446744073709551614");
}
