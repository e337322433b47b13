// The C++ builder API (sysfence/sysfence.hpp): expressions to IR, source locations in errors,
// compile, and install in a forked child.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sysfence/bpf/emulate.hpp"
#include "sysfence/loader/loader.hpp"
#include "sysfence/sysfence.hpp"

namespace sysfence {
namespace {

TEST(Builder, ExpressionsBecomeRules) {
  auto p = Policy::deny_by_default(Errno{EPERM})
               .allow("read")
               .allow("write", arg(0) == 1 || arg(0) == 2)
               .allow("openat", (arg(2) & O_ACCMODE) == O_RDONLY)
               .allow("mmap", (arg(2) & PROT_EXEC) == 0 && arg(3) != -1)
               .allow("kill", arg(1).low32() <= 0)
               .allow({"close", "exit_group"})
               .kill("ptrace")
               .trap("getppid")
               .deny("clone3", Errno{ENOSYS})
               .on("ioctl", Errno{ENOTTY}, arg(1) == 0x5412)
               .unknown_syscalls(Errno{ENOSYS})
               .on_arch({Arch::X86_64});
  const ir::PolicySpec& s = p.spec();
  EXPECT_EQ(s.default_action, ir::Action::errno_(EPERM));
  ASSERT_EQ(s.rules.size(), 12u);
  EXPECT_EQ(s.rules[1].syscall, "write");
  EXPECT_EQ(s.rules[2].syscall, "write");  // || gives two rules
  EXPECT_EQ(s.rules[2].conds[0].value, 2u);
  EXPECT_EQ(s.rules[3].conds[0].op, ir::CmpOp::MaskedEq);
  EXPECT_EQ(s.rules[3].conds[0].mask, static_cast<uint64_t>(O_ACCMODE));
  ASSERT_EQ(s.rules[4].conds.size(), 2u);       // && ANDs
  EXPECT_EQ(s.rules[4].conds[1].value, ~0ULL);  // -1 sign-extends
  EXPECT_EQ(s.rules[5].conds[0].width, ir::Width::Bits32);
  EXPECT_EQ(s.rules[8].action, ir::Action::kill_process());
  EXPECT_EQ(s.rules[9].action, ir::Action::trap(0));
  EXPECT_EQ(s.rules[10].action, ir::Action::errno_(ENOSYS));
  EXPECT_EQ(s.rules[1].loc.line, s.rules[0].loc.line + 1);  // the caller's line
  auto prog = p.compile();
  ASSERT_TRUE(prog) << prog.error().render();
  auto v = bpf::VerifiedProgram::make(*prog);
  ASSERT_TRUE(v);
  const uint32_t x86 = bpf::kAuditArchX86_64;
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 1, 2)).ret, bpf::kRetAllow);
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 1, 3)).ret, bpf::ret_errno(EPERM));
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 257, 0, 0, O_RDONLY | O_CLOEXEC)).ret,
            bpf::kRetAllow);
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 257, 0, 0, O_RDWR)).ret,
            bpf::ret_errno(EPERM));
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 9, 0, 0, PROT_READ, 0)).ret,
            bpf::kRetAllow);
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 9, 0, 0, PROT_EXEC, 0)).ret,
            bpf::ret_errno(EPERM));
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 62, 1, 0xffffffff00000000ULL)).ret,
            bpf::kRetAllow);  // kill(pid, 0): low 32 bits only
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 16, 0, 0x5412)).ret,
            bpf::ret_errno(ENOTTY));
  EXPECT_EQ(bpf::emulate(*v, bpf::SeccompData::make(x86, 5000)).ret, bpf::ret_errno(ENOSYS));
}

TEST(Builder, ErrorsPointAtTheCall) {
  const int line = __LINE__ + 1;
  auto r = Policy::deny_by_default().allow("opnat").build();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.line, line);
  EXPECT_NE(r.error().where.file.find("builder_test.cpp"), std::string::npos);
  EXPECT_NE(r.error().hint.find("openat"), std::string::npos);
  EXPECT_FALSE(Policy::deny_by_default().allow("read", arg(0) < 0).build());
  EXPECT_FALSE(Policy::deny_by_default().allow("read", arg(6) == 0).build());
}

TEST(Builder, InstallsInAChild) {
  if (arch::native_arch() != Arch::X86_64) GTEST_SKIP();
  const pid_t pid = fork();
  if (pid == 0) {
    auto r = Policy::allow_by_default().deny("getppid", Errno{EDOM}).install();
    if (!r) _exit(100);
    errno = 0;
    const long v = syscall(SYS_getppid);
    _exit(v == -1 && errno == EDOM ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
}

// What the language can say, the builder can: (arg & m) != v and ! (normal form in ir).
TEST(Builder, MaskedNotEqualAndNegation) {
  auto p = Policy::allow_by_default()
               .deny("getppid", Errno{EDOM}, (arg(0) & 0xf0) != 0x10)
               .deny("getpgrp", Errno{ERANGE}, !(arg(0) == 5 || arg(1) < 3))
               .on_arch({Arch::X86_64});
  const ir::PolicySpec& s = p.spec();
  ASSERT_EQ(s.rules.size(), 5u);  // 4 bits of the mask, one AND for the negated OR
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(s.rules[i].conds.size(), 1u);
    EXPECT_EQ(s.rules[i].conds[0].op, ir::CmpOp::MaskedEq);
  }
  EXPECT_EQ(s.rules[0].conds[0].mask, 0x10u);
  EXPECT_EQ(s.rules[0].conds[0].value, 0u);  // bit 4 is clear: differs from 0x10's
  EXPECT_EQ(s.rules[1].conds[0].mask, 0x20u);
  EXPECT_EQ(s.rules[1].conds[0].value, 0x20u);
  ASSERT_EQ(s.rules[4].conds.size(), 2u);
  EXPECT_EQ(s.rules[4].conds[0].op, ir::CmpOp::Ne);
  EXPECT_EQ(s.rules[4].conds[1].op, ir::CmpOp::Ge);
  // Bits of the value outside the mask: never equal, so always "not equal" (one true rule).
  EXPECT_EQ(Policy::allow_by_default()
                .deny("getppid", Errno{EDOM}, (arg(0) & 1) != 2)
                .spec()
                .rules[0]
                .conds.size(),
            0u);
  // !(arg & m) == v is (arg & m) != v.
  auto q = Policy::allow_by_default().deny("getppid", Errno{EDOM}, !((arg(0) & 0xf0) == 0x10));
  ASSERT_EQ(q.spec().rules.size(), 4u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_TRUE(ir::same_cmp(q.spec().rules[i].conds[0], s.rules[i].conds[0]));
}

TEST(Builder, NegationTooLargeIsAnErrorAtBuild) {
  Cond c = arg(0) == 0;
  for (int i = 1; i < 11; ++i) c = c || (arg(i % 6) & 0xffff) == 0;  // !: 16^10 ANDs
  const int line = __LINE__ + 1;
  auto r = Policy::allow_by_default().deny("getppid", Errno{EDOM}, !c).build();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.line, line);
  EXPECT_NE(r.error().message.find("expands into more than 1024 rules"), std::string::npos)
      << r.error().message;
}

// The same in the kernel, in a forked child: each denied value next to an allowed one.
TEST(Builder, MaskedNotEqualInTheKernel) {
  if (arch::native_arch() != Arch::X86_64) GTEST_SKIP();
  const pid_t pid = fork();
  if (pid == 0) {
    auto r = Policy::allow_by_default()
                 .deny("getppid", Errno{EDOM}, (arg(0) & 0xf0) != 0x10)
                 .deny("getpgrp", Errno{ERANGE}, !(arg(0) == 5 || arg(1) < 3))
                 .install();
    if (!r) _exit(100);
    auto denied = [](long nr, long a0, long a1, int e) {
      errno = 0;
      return syscall(nr, a0, a1) == -1 && errno == e;
    };
    auto allowed = [](long nr, long a0, long a1) { return syscall(nr, a0, a1) >= 0; };
    if (!allowed(SYS_getppid, 0x10, 0) || !allowed(SYS_getppid, 0x1f, 0))
      _exit(1);  // == 0x10 under the mask
    if (!denied(SYS_getppid, 0x30, 0, EDOM) || !denied(SYS_getppid, 0, 0, EDOM)) _exit(2);
    if (!allowed(SYS_getpgrp, 5, 100) || !allowed(SYS_getpgrp, 6, 2))
      _exit(3);  // arg0 == 5 || arg1 < 3
    if (!denied(SYS_getpgrp, 6, 3, ERANGE) || !denied(SYS_getpgrp, 4, 100, ERANGE)) _exit(4);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
}

}  // namespace
}  // namespace sysfence
