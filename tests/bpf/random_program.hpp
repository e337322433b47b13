// Test-only generator of random programs the kernel accepts.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "sysfence/bpf/insn.hpp"

namespace sysfence::bpf::testing {

struct GenOptions {
  size_t min_len = 2;
  size_t max_len = 40;
  // Constants that comparisons should often hit (syscall numbers, arch values, argument words).
  std::vector<uint32_t> interesting;
  // Put random bits in fields the opcode ignores (the kernel accepts them).
  bool junk_in_unused_fields = false;
  // Percent of RETs that use the accumulator (RET A) rather than a constant.
  int ret_a_percent = 8;
  // Errno values never to produce (they could be mistaken for a syscall's own failure).
  std::vector<uint16_t> avoid_errnos;
};

// A random return value: mostly errno(n), some allow/log/trap/trace/user_notif/kill/unknown.
uint32_t random_ret_value(std::mt19937_64& rng, const GenOptions& opt);

// A random program that passes verify() (asserts it).
Program random_valid_program(std::mt19937_64& rng, const GenOptions& opt);

}  // namespace sysfence::bpf::testing
