// src/sandbox/seccomp_rules.cpp — the sandbox's additions to the syscall policy.
#include <cerrno>
#include <sys/stat.h>

#include "sysfence/sandbox/sandbox.hpp"

namespace sysfence::sandbox {

Result<ir::ValidatedPolicy> with_sandbox_rules(const ir::ValidatedPolicy& base, const Plan& plan) {
  if (!plan.sandbox.spec().no_setuid_files) return base;
  return with_setuid_file_rules(base);
}

Result<ir::ValidatedPolicy> with_setuid_file_rules(const ir::ValidatedPolicy& base) {
  ir::PolicySpec spec = base.spec();
  std::vector<arch::Arch> arches = spec.arches;
  if (arches.empty()) arches.push_back(arch::native_arch());
  struct ModeArg {
    const char* name;
    uint8_t arg;
  };
  // The mode argument of each call that can set S_ISUID/S_ISGID on a file.
  constexpr ModeArg kCalls[] = {{"chmod", 1},     {"fchmod", 1}, {"fchmodat", 2},
                                {"fchmodat2", 2}, {"open", 2},   {"openat", 3},
                                {"creat", 1},     {"mknod", 1},  {"mknodat", 2}};
  for (const ModeArg& c : kCalls) {
    bool everywhere = true;
    for (arch::Arch a : arches) everywhere &= arch::syscall_number(a, c.name).has_value();
    if (!everywhere) continue;
    for (uint64_t bit : {static_cast<uint64_t>(S_ISUID), static_cast<uint64_t>(S_ISGID)}) {
      ir::Rule& r = spec.rules.emplace_back();
      r.syscall = c.name;
      r.action = ir::Action::errno_(EPERM);
      r.conds.push_back(ir::ArgCmp::masked_eq(c.arg, bit, bit).as32());
    }
  }
  return ir::ValidatedPolicy::build(std::move(spec));
}

}  // namespace sysfence::sandbox
