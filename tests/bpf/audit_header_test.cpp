// <linux/audit.h> first (its AUDIT_ARCH_* are macros), then sysfence's header: both in one file,
// and sysfence's kAuditArch* equal the kernel's values.
#include <linux/audit.h>

#include <gtest/gtest.h>

#include "sysfence/bpf/seccomp.hpp"

namespace {

TEST(AuditArch, ConstantsMatchTheKernelHeaderAndDoNotClashWithIt) {
  EXPECT_EQ(sysfence::bpf::kAuditArchX86_64, uint32_t{AUDIT_ARCH_X86_64});
  EXPECT_EQ(sysfence::bpf::kAuditArchI386, uint32_t{AUDIT_ARCH_I386});
  EXPECT_EQ(sysfence::bpf::kAuditArchAArch64, uint32_t{AUDIT_ARCH_AARCH64});
  EXPECT_EQ(sysfence::bpf::kAuditArchArm, uint32_t{AUDIT_ARCH_ARM});
  EXPECT_EQ(sysfence::bpf::kAuditArchRiscV64, uint32_t{AUDIT_ARCH_RISCV64});
}

}  // namespace
