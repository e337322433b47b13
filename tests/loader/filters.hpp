// Test helper: small hand-assembled seccomp programs (no compiler involved).
//
//   auto p = sysfence_test::filter({{SYS_getppid, sysfence::bpf::ret_errno(EPERM)}},
//                                  sysfence::bpf::kRetAllow);
//
// Every program starts with the arch check and the x32 guard (DESIGN.md): a foreign arch or an
// x32 number kills the process.
#pragma once

#include <sys/syscall.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/loader/loader.hpp"
#include "sysfence/loader/status.hpp"

namespace sysfence_test {

#if defined(__x86_64__)
inline constexpr uint32_t kNativeAuditArch = sysfence::bpf::kAuditArchX86_64;
#elif defined(__aarch64__)
inline constexpr uint32_t kNativeAuditArch = sysfence::bpf::kAuditArchAArch64;
#endif

// LD arch; JEQ native; RET kill; LD nr; JGE 0x40000000 -> kill. Leaves nr in A.
inline sysfence::bpf::Program prologue() {
  using namespace sysfence::bpf;
  return {
      stmt(LD | W | ABS, kOffArch),
      jump(JMP | JEQ | K, kNativeAuditArch, 1, 0),
      stmt(RET | K, kRetKillProcess),
      stmt(LD | W | ABS, kOffNr),
      jump(JMP | JGE | K, kX32SyscallBit, 0, 1),
      stmt(RET | K, kRetKillProcess),
  };
}

// prologue, then for each (nr, action): JEQ nr -> RET action; finally RET deflt.
inline sysfence::bpf::Program filter(const std::vector<std::pair<int, uint32_t>>& rules,
                                     uint32_t deflt) {
  using namespace sysfence::bpf;
  Program p = prologue();
  for (const auto& [nr, action] : rules) {
    p.push_back(jump(JMP | JEQ | K, static_cast<uint32_t>(nr), 0, 1));
    p.push_back(stmt(RET | K, action));
  }
  p.push_back(stmt(RET | K, deflt));
  return p;
}

// FilterOptions with set_no_new_privs (children run as root, but nobody-tests need it).
inline sysfence::loader::FilterOptions with_nnp(uint32_t flags = 0) {
  sysfence::loader::FilterOptions o;
  o.flags = flags;
  o.set_no_new_privs = true;
  return o;
}

// Is the test process itself free of seccomp? (Not so inside a container with a default
// profile: then strict mode cannot be entered and "mode" checks mean something else.)
inline bool unconfined() {
  auto st = sysfence::loader::read_status();
  return st && st->mode == sysfence::loader::Mode::Disabled;
}

inline int filter_count() {
  auto st = sysfence::loader::read_status();
  return st && st->filters ? *st->filters : -1;
}

inline sysfence::bpf::Program allow_all() { return filter({}, sysfence::bpf::kRetAllow); }

}  // namespace sysfence_test
