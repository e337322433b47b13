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
  ASSERT_EQ(s.rules[4].conds.size(), 2u);  // && ANDs
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

}  // namespace
}  // namespace sysfence
