// sysfence/support/format.hpp — the number formats every stage writes the same way.
//
//   sysfence::hex(255);              // "0xff"
//   sysfence::hex32_padded(255);     // "0x000000ff"   (a full 32-bit word: return values, arches)
//   sysfence::hex_above(7, 10);      // "7"            (small numbers stay decimal)
//   sysfence::hex_above(255, 10);    // "0xff"
//
// Lower-case digits, a "0x" prefix, no padding unless the name says so.
#pragma once

#include <cstdint>
#include <string>

namespace sysfence {

std::string hex(uint64_t v);
std::string hex32_padded(uint32_t v);
// Decimal below `decimal_below`, hex from there on.
std::string hex_above(uint64_t v, uint64_t decimal_below);

}  // namespace sysfence
