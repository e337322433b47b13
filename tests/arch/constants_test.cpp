// Named constants: spot checks against the host's own headers, and the per-ABI differences.
//
//   ./test_arch --gtest_filter='Constants*'
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "sysfence/arch/constants.hpp"

namespace {

using namespace sysfence::arch;

#if defined(__x86_64__) && !defined(__ILP32__)
TEST(Constants, HostHeadersAgree) {
  const Arch h = Arch::X86_64;
#define SF_HOST(name) EXPECT_EQ(constant_value(h, #name), static_cast<uint64_t>(name)) << #name
  SF_HOST(O_CREAT);
  SF_HOST(O_RDONLY);
  SF_HOST(O_WRONLY);
  SF_HOST(O_RDWR);
  SF_HOST(O_EXCL);
  SF_HOST(O_TRUNC);
  SF_HOST(O_APPEND);
  SF_HOST(O_NONBLOCK);
  SF_HOST(O_CLOEXEC);
  SF_HOST(O_DIRECTORY);
  SF_HOST(O_NOFOLLOW);
  SF_HOST(O_DIRECT);
  SF_HOST(O_PATH);
  SF_HOST(O_TMPFILE);
  SF_HOST(O_SYNC);
  SF_HOST(AF_INET);
  SF_HOST(AF_INET6);
  SF_HOST(AF_UNIX);
  SF_HOST(AF_NETLINK);
  SF_HOST(AF_PACKET);
  SF_HOST(SOCK_STREAM);
  SF_HOST(SOCK_DGRAM);
  SF_HOST(SOCK_RAW);
  SF_HOST(SOCK_NONBLOCK);
  SF_HOST(SOCK_CLOEXEC);
  SF_HOST(SOL_SOCKET);
  SF_HOST(SO_REUSEADDR);
  SF_HOST(CLONE_NEWUSER);
  SF_HOST(CLONE_NEWNS);
  SF_HOST(CLONE_NEWNET);
  SF_HOST(CLONE_THREAD);
  SF_HOST(CLONE_VM);
  SF_HOST(PROT_EXEC);
  SF_HOST(PROT_WRITE);
  SF_HOST(MAP_ANONYMOUS);
  SF_HOST(MAP_SHARED);
  SF_HOST(MAP_FIXED);
  SF_HOST(MADV_DONTNEED);
  SF_HOST(F_GETFL);
  SF_HOST(F_SETFL);
  SF_HOST(F_DUPFD_CLOEXEC);
  SF_HOST(F_ADD_SEALS);
  SF_HOST(PR_SET_NO_NEW_PRIVS);
  SF_HOST(PR_SET_SECCOMP);
  SF_HOST(PR_SET_DUMPABLE);
  SF_HOST(PR_CAPBSET_DROP);
  SF_HOST(TIOCSTI);
  SF_HOST(TIOCLINUX);
  SF_HOST(TIOCGWINSZ);
  SF_HOST(TIOCSCTTY);
  SF_HOST(FIONREAD);
  SF_HOST(FIONBIO);
  SF_HOST(FIOCLEX);
  SF_HOST(SIGKILL);
  SF_HOST(SIGSYS);
  SF_HOST(SIGCHLD);
  SF_HOST(EPERM);
  SF_HOST(ENOSYS);
  SF_HOST(EACCES);
  SF_HOST(EAGAIN);
  SF_HOST(EWOULDBLOCK);
  SF_HOST(ENOTSUP);
  SF_HOST(AT_SYMLINK_NOFOLLOW);
  SF_HOST(AT_EMPTY_PATH);
  SF_HOST(SECCOMP_RET_KILL_PROCESS);
  SF_HOST(SECCOMP_RET_ALLOW);
  SF_HOST(SECCOMP_SET_MODE_FILTER);
  SF_HOST(SECCOMP_FILTER_FLAG_TSYNC);
  SF_HOST(SECCOMP_IOCTL_NOTIF_RECV);
  SF_HOST(SECCOMP_IOCTL_NOTIF_SEND);
  SF_HOST(IPC_CREAT);
  SF_HOST(IPC_RMID);
  SF_HOST(FUTEX_WAIT);
  SF_HOST(FUTEX_PRIVATE_FLAG);
#undef SF_HOST
  // Negative: two's complement in 64 bits, marked.
  EXPECT_EQ(constant_value(h, "AT_FDCWD"), static_cast<uint64_t>(static_cast<int64_t>(AT_FDCWD)));
  EXPECT_TRUE(find_constant(h, "AT_FDCWD")->negative);
  EXPECT_FALSE(find_constant(h, "O_CREAT")->negative);
}
#endif

TEST(Constants, PerArchDifferences) {
  // O_DIRECTORY/O_NOFOLLOW/O_DIRECT/O_LARGEFILE: asm-generic on x86 and riscv, own on arm/arm64.
  for (Arch a : {Arch::X86_64, Arch::I386, Arch::X32, Arch::RiscV64}) {
    EXPECT_EQ(constant_value(a, "O_DIRECTORY"), 0200000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_NOFOLLOW"), 0400000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_DIRECT"), 040000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_LARGEFILE"), 0100000u) << info(a).name;
  }
  for (Arch a : {Arch::AArch64, Arch::Arm}) {
    EXPECT_EQ(constant_value(a, "O_DIRECTORY"), 040000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_NOFOLLOW"), 0100000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_DIRECT"), 0200000u) << info(a).name;
    EXPECT_EQ(constant_value(a, "O_LARGEFILE"), 0400000u) << info(a).name;
  }
  // Negative values in the register width.
  EXPECT_EQ(constant_value(Arch::X86_64, "AT_FDCWD"), 0xffffffffffffff9cu);
  EXPECT_EQ(constant_value(Arch::AArch64, "AT_FDCWD"), 0xffffffffffffff9cu);
  EXPECT_EQ(constant_value(Arch::I386, "AT_FDCWD"), 0xffffff9cu);
  EXPECT_EQ(constant_value(Arch::Arm, "AT_FDCWD"), 0xffffff9cu);
  // The ABIs past riscv64 (mips, ppc, s390, parisc, loongarch64, m68k, sh) have no constants:
  // a name is an error there, never another ABI's value (mips's O_CREAT is 0400).
  for (const ArchInfo& ai : all_arches()) {
    if (ai.arch <= Arch::RiscV64) continue;
    EXPECT_TRUE(constants(ai.arch).empty()) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "O_CREAT"), std::nullopt) << ai.name;
    EXPECT_EQ(find_constant(ai.arch, "EPERM"), std::nullopt) << ai.name;
  }
  // Same everywhere (on the ABIs that have constants).
  for (const ArchInfo& ai : all_arches()) {
    if (ai.arch > Arch::RiscV64) continue;
    EXPECT_EQ(constant_value(ai.arch, "O_CREAT"), 0100u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "AF_INET"), 2u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "CLONE_NEWUSER"), 0x10000000u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "TIOCSTI"), 0x5412u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "MAP_ANONYMOUS"), 0x20u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "SIGKILL"), 9u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "ENOSYS"), 38u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "PR_SET_NO_NEW_PRIVS"), 38u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "SOCK_STREAM"), 1u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "SECCOMP_RET_KILL_PROCESS"), 0x80000000u) << ai.name;
    EXPECT_EQ(constant_value(ai.arch, "BPF_PROG_LOAD"), 5u) << ai.name;  // an enumerator
    EXPECT_EQ(constant_value(ai.arch, "PR_GET_MDWE"), 66u) << ai.name;   // newer than 6.1
    EXPECT_EQ(constant_value(ai.arch, "NO_SUCH_CONSTANT"), std::nullopt);
    auto all = constants(ai.arch);
    EXPECT_GT(all.size(), 2000u);
    EXPECT_TRUE(
        std::is_sorted(all.begin(), all.end(), [](auto& x, auto& y) { return x.name < y.name; }));
    for (size_t i = 1; i < all.size(); ++i) EXPECT_NE(all[i - 1].name, all[i].name);
    if (!ai.args_are_64bit) {
      for (const NamedConstant& c : all) {
        if (c.negative) { EXPECT_LE(c.value, 0xffffffffu) << ai.name << " " << c.name; }
      }
    }
  }
  // ioctl numbers with a struct size are computed for each ABI.
  EXPECT_EQ(constant_value(Arch::X86_64, "TIOCGPTN"), 0x80045430u);
  EXPECT_EQ(constant_value(Arch::Arm, "TIOCGPTN"), 0x80045430u);
}

TEST(Constants, Prefix) {
  auto ns = constants_with_prefix(Arch::X86_64, "CLONE_NEW");
  std::vector<std::string_view> names;
  for (const auto& c : ns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string_view>{"CLONE_NEWCGROUP", "CLONE_NEWIPC", "CLONE_NEWNET",
                                                  "CLONE_NEWNS", "CLONE_NEWPID", "CLONE_NEWTIME",
                                                  "CLONE_NEWUSER", "CLONE_NEWUTS"}));
  EXPECT_TRUE(constants_with_prefix(Arch::X86_64, "NO_SUCH_PREFIX_").empty());
  EXPECT_EQ(constants_with_prefix(Arch::Arm, "").size(), constants(Arch::Arm).size());
  EXPECT_GE(constants_with_prefix(Arch::X86_64, "TIOC").size(), 40u);
  EXPECT_GE(constants_with_prefix(Arch::X86_64, "FIO").size(), 5u);
  EXPECT_GE(constants_with_prefix(Arch::X86_64, "PR_").size(), 100u);
}

TEST(Constants, Nearest) {
  EXPECT_EQ(nearest_constant_name(Arch::X86_64, "O_CRAET"), "O_CREAT");
  EXPECT_EQ(nearest_constant_name(Arch::X86_64, "CLONE_NEWUSR"), "CLONE_NEWUSER");
  EXPECT_EQ(nearest_constant_name(Arch::X86_64, "O_CREAT"), "O_CREAT");
  EXPECT_EQ(nearest_constant_name(Arch::X86_64, "QQQQQQQQQQQQQQ"), "");
}

TEST(Constants, Errno) {
  EXPECT_EQ(errno_from_name("EPERM"), 1);
  EXPECT_EQ(errno_from_name("ENOSYS"), 38);
  EXPECT_EQ(errno_from_name("EWOULDBLOCK"), 11);
  EXPECT_EQ(errno_from_name("ENOTSUP"), 95);
  EXPECT_EQ(errno_from_name("EHWPOISON"), 133);
  EXPECT_EQ(errno_from_name("eperm"), std::nullopt);
  EXPECT_EQ(errno_from_name("EFOO"), std::nullopt);
  EXPECT_EQ(errno_name(1), "EPERM");
  EXPECT_EQ(errno_name(EAGAIN), "EAGAIN");
  EXPECT_EQ(errno_name(EDEADLK), "EDEADLK");
  EXPECT_EQ(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
  EXPECT_EQ(errno_name(0), std::nullopt);
  EXPECT_EQ(errno_name(-1), std::nullopt);
  EXPECT_EQ(errno_name(4095), std::nullopt);
  for (int e = 1; e <= 133; ++e) {
    if (auto n = errno_name(e)) { EXPECT_EQ(errno_from_name(*n), e) << *n; }
  }
  EXPECT_GE(errno_names().size(), 133u);
}

TEST(Constants, Signals) {
  EXPECT_EQ(signal_from_name("SIGKILL"), SIGKILL);
  EXPECT_EQ(signal_from_name("KILL"), SIGKILL);
  EXPECT_EQ(signal_from_name("SIGSYS"), SIGSYS);
  EXPECT_EQ(signal_from_name("SIGIOT"), SIGABRT);
  EXPECT_EQ(signal_from_name("SIGNOPE"), std::nullopt);
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
  EXPECT_EQ(signal_name(SIGIO), "SIGIO");
  EXPECT_EQ(signal_name(SIGSYS), "SIGSYS");
  EXPECT_EQ(signal_name(0), std::nullopt);
  EXPECT_EQ(signal_name(40), std::nullopt);
  for (int s = 1; s < 32; ++s) {
    ASSERT_TRUE(signal_name(s).has_value()) << s;
    EXPECT_EQ(signal_from_name(*signal_name(s)), s);
  }
}

}  // namespace
