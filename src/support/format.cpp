#include "sysfence/support/format.hpp"

#include <cstdio>

namespace sysfence {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string hex32_padded(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string hex_above(uint64_t v, uint64_t decimal_below) {
  return v < decimal_below ? std::to_string(v) : hex(v);
}

}  // namespace sysfence
