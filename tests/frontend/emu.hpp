// Compile a policy and ask the emulator what a syscall gets: for semantics tests.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/ir/policy.hpp"

namespace sftest {

class Filter {
 public:
  explicit Filter(const sysfence::ir::ValidatedPolicy& p) {
    auto prog = sysfence::compiler::compile(p);
    EXPECT_TRUE(prog) << (prog ? "" : prog.error().render());
    if (!prog) return;
    auto vp = sysfence::bpf::VerifiedProgram::make(*prog);
    EXPECT_TRUE(vp) << (vp ? "" : vp.error().render());
    if (vp) prog_.emplace(std::move(*vp));
  }
  bool ok() const { return prog_.has_value(); }
  size_t size() const { return prog_ ? prog_->size() : 0; }

  // The filter's return value for `name` on `a` (0xdeadbeef when the name is not on `a`).
  uint32_t run(sysfence::arch::Arch a, std::string_view name, uint64_t a0 = 0, uint64_t a1 = 0,
               uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) const {
    auto nr = sysfence::arch::syscall_number(a, name);
    if (!nr) return 0xdeadbeef;
    return run_nr(a, *nr, a0, a1, a2, a3, a4, a5);
  }
  uint32_t run_nr(sysfence::arch::Arch a, int32_t nr, uint64_t a0 = 0, uint64_t a1 = 0,
                  uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0, uint64_t a5 = 0) const {
    if (!prog_) return 0xdeadbeef;
    auto d = sysfence::bpf::SeccompData::make(sysfence::arch::info(a).audit_arch, nr, a0, a1, a2,
                                              a3, a4, a5);
    return sysfence::bpf::emulate(*prog_, d).ret;
  }
  uint32_t run(sysfence::arch::Arch a, std::string_view name, const uint64_t (&args)[6]) const {
    return run(a, name, args[0], args[1], args[2], args[3], args[4], args[5]);
  }

 private:
  std::optional<sysfence::bpf::VerifiedProgram> prog_;
};

constexpr uint32_t kAllow = 0x7fff0000U;
constexpr uint32_t errno_ret(uint16_t e) { return 0x00050000U | e; }

}  // namespace sftest
