// tests/compat/pfc_eval.hpp — evaluates libseccomp's PFC export (its own description of the
// filter it meant to build) on a seccomp_data, so that a test can tell libseccomp's BPF bugs
// (BPF disagrees with its own PFC) from sysfence's.
//
//   auto pfc = compat_test::Pfc::parse(text);            // nullopt if the text is not PFC
//   uint32_t ret = pfc->eval(d);                         // SECCOMP_RET_* value
//
// Handles what libseccomp 2.5 prints: nested `if (...)` / `else` blocks by indentation,
// conditions on $arch, $syscall, $aN, $aN.hi32, $aN.lo32 (==, >, >=, and `& mask ==`), and
// `action X;`. A block that ends without an action falls through to the next statement.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sysfence/bpf/seccomp.hpp"

namespace compat_test {

class Pfc {
 public:
  static std::optional<Pfc> parse(const std::string& text);
  // nullopt when no action was reached (malformed text).
  std::optional<uint32_t> eval(const sysfence::bpf::SeccompData& d) const;

  struct Stmt;
  using Block = std::vector<std::shared_ptr<Stmt>>;
  struct Stmt {
    bool is_action = false;
    uint32_t action = 0;
    // condition: field (0 arch, 1 syscall, 2 arg full/low, 3 arg hi32, 4 arg lo32)
    int field = 0, arg = 0;
    int op = 0;  // 0 ==, 1 >, 2 >=
    uint64_t mask = ~0ULL, value = 0;
    Block then_block, else_block;
  };

 private:
  Block top_;
};

}  // namespace compat_test
