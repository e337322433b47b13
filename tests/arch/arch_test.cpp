// Arch descriptions, name aliases and "did you mean" suggestions.
//
//   ./test_arch --gtest_filter='Arch*'
#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "sysfence/arch/arch.hpp"

namespace {

using namespace sysfence::arch;

TEST(Arch, Infos) {
  ASSERT_EQ(all_arches().size(), static_cast<size_t>(kArchCount));
  for (size_t i = 0; i < all_arches().size(); ++i) {
    EXPECT_EQ(static_cast<size_t>(all_arches()[i].arch), i);
    EXPECT_EQ(&info(all_arches()[i].arch), &all_arches()[i]);
    EXPECT_EQ(arch_from_name(all_arches()[i].name), all_arches()[i].arch);
  }
  EXPECT_EQ(info(Arch::X86_64).audit_arch, 0xC000003Eu);
  EXPECT_EQ(info(Arch::I386).audit_arch, 0x40000003u);
  EXPECT_EQ(info(Arch::X32).audit_arch, 0xC000003Eu);
  EXPECT_EQ(info(Arch::AArch64).audit_arch, 0xC00000B7u);
  EXPECT_EQ(info(Arch::Arm).audit_arch, 0x40000028u);
  EXPECT_EQ(info(Arch::RiscV64).audit_arch, 0xC00000F3u);
  EXPECT_EQ(info(Arch::X32).nr_bit, 0x40000000u);
  for (Arch a : {Arch::X86_64, Arch::I386, Arch::AArch64, Arch::Arm, Arch::RiscV64})
    EXPECT_EQ(info(a).nr_bit, 0u);
  EXPECT_TRUE(info(Arch::X86_64).args_are_64bit);
  EXPECT_TRUE(info(Arch::X32).args_are_64bit);
  EXPECT_TRUE(info(Arch::AArch64).args_are_64bit);
  EXPECT_TRUE(info(Arch::RiscV64).args_are_64bit);
  EXPECT_FALSE(info(Arch::I386).args_are_64bit);
  EXPECT_FALSE(info(Arch::Arm).args_are_64bit);
  EXPECT_EQ(info(Arch::AArch64).name, "aarch64");
}

TEST(Arch, Aliases) {
  EXPECT_EQ(arch_from_name("amd64"), Arch::X86_64);
  EXPECT_EQ(arch_from_name("x86-64"), Arch::X86_64);
  EXPECT_EQ(arch_from_name("x86"), Arch::I386);
  EXPECT_EQ(arch_from_name("i686"), Arch::I386);
  EXPECT_EQ(arch_from_name("arm64"), Arch::AArch64);
  EXPECT_EQ(arch_from_name("armhf"), Arch::Arm);
  EXPECT_EQ(arch_from_name("armv7"), Arch::Arm);
  EXPECT_EQ(arch_from_name("riscv"), Arch::RiscV64);
  EXPECT_EQ(arch_from_name("riscv64"), Arch::RiscV64);
  // libseccomp / OCI spellings, either case.
  EXPECT_EQ(arch_from_name("SCMP_ARCH_X86_64"), Arch::X86_64);
  EXPECT_EQ(arch_from_name("scmp_arch_x86"), Arch::I386);
  EXPECT_EQ(arch_from_name("SCMP_ARCH_X32"), Arch::X32);
  EXPECT_EQ(arch_from_name("scmp_arch_aarch64"), Arch::AArch64);
  EXPECT_EQ(arch_from_name("SCMP_ARCH_ARM"), Arch::Arm);
  EXPECT_EQ(arch_from_name("scmp_arch_riscv64"), Arch::RiscV64);
  EXPECT_EQ(arch_from_name("mips"), Arch::Mips);
  EXPECT_EQ(arch_from_name("SCMP_ARCH_PPC64LE"), Arch::Ppc64Le);
  EXPECT_EQ(arch_from_name("sparc64"), std::nullopt);
  EXPECT_EQ(arch_from_name("alpha"), std::nullopt);
  EXPECT_EQ(arch_from_name(""), std::nullopt);
  EXPECT_EQ(arch_from_name("scmp_arch_"), std::nullopt);
}

// Every token libseccomp has (SCMP_ARCH_*, seccomp.h) names one Arch with that audit value;
// libseccomp's names for the little-endian 64-bit MIPS ABIs are "mipsel64" and "mipsel64n32".
TEST(Arch, EveryLibseccompArch) {
  struct Want {
    const char* scmp;
    Arch arch;
    uint32_t audit;
    bool big_endian, wide;
    int32_t base, socketcall, ipc;
  };
  const Want want[] = {
      {"SCMP_ARCH_X86_64", Arch::X86_64, 0xc000003e, false, true, 0, -1, -1},
      {"SCMP_ARCH_X86", Arch::I386, 0x40000003, false, false, 0, 102, 117},
      {"SCMP_ARCH_X32", Arch::X32, 0xc000003e, false, true, 0, -1, -1},
      {"SCMP_ARCH_ARM", Arch::Arm, 0x40000028, false, false, 0, -1, -1},
      {"SCMP_ARCH_AARCH64", Arch::AArch64, 0xc00000b7, false, true, 0, -1, -1},
      {"SCMP_ARCH_MIPS", Arch::Mips, 0x00000008, true, false, 4000, 4102, 4117},
      {"SCMP_ARCH_MIPSEL", Arch::MipsEl, 0x40000008, false, false, 4000, 4102, 4117},
      {"SCMP_ARCH_MIPS64", Arch::Mips64, 0x80000008, true, true, 5000, -1, -1},
      {"SCMP_ARCH_MIPSEL64", Arch::Mips64El, 0xc0000008, false, true, 5000, -1, -1},
      {"SCMP_ARCH_MIPS64N32", Arch::Mips64N32, 0xa0000008, true, true, 6000, -1, -1},
      {"SCMP_ARCH_MIPSEL64N32", Arch::Mips64N32El, 0xe0000008, false, true, 6000, -1, -1},
      {"SCMP_ARCH_PPC", Arch::Ppc, 0x00000014, true, false, 0, 102, 117},
      {"SCMP_ARCH_PPC64", Arch::Ppc64, 0x80000015, true, true, 0, 102, 117},
      {"SCMP_ARCH_PPC64LE", Arch::Ppc64Le, 0xc0000015, false, true, 0, 102, 117},
      {"SCMP_ARCH_S390", Arch::S390, 0x00000016, true, false, 0, 102, 117},
      {"SCMP_ARCH_S390X", Arch::S390X, 0x80000016, true, true, 0, 102, 117},
      {"SCMP_ARCH_PARISC", Arch::Parisc, 0x0000000f, true, false, 0, -1, -1},
      {"SCMP_ARCH_PARISC64", Arch::Parisc64, 0x8000000f, true, true, 0, -1, -1},
      {"SCMP_ARCH_RISCV64", Arch::RiscV64, 0xc00000f3, false, true, 0, -1, -1},
      {"SCMP_ARCH_LOONGARCH64", Arch::LoongArch64, 0xc0000102, false, true, 0, -1, -1},
      {"SCMP_ARCH_M68K", Arch::M68K, 0x00000004, true, false, 0, 102, 117},
      {"SCMP_ARCH_SH", Arch::Sh, 0x4000002a, false, false, 0, 102, 117},
      {"SCMP_ARCH_SHEB", Arch::ShEb, 0x0000002a, true, false, 0, 102, 117},
  };
  ASSERT_EQ(std::size(want), static_cast<size_t>(kArchCount));
  for (const Want& w : want) {
    SCOPED_TRACE(w.scmp);
    EXPECT_EQ(arch_from_name(w.scmp), w.arch);
    const ArchInfo& ai = info(w.arch);
    EXPECT_EQ(ai.audit_arch, w.audit);
    EXPECT_EQ(ai.big_endian, w.big_endian);
    // __AUDIT_ARCH_LE is exactly the little-endian ones; __AUDIT_ARCH_64BIT the 64-bit ones.
    EXPECT_EQ((ai.audit_arch & 0x40000000u) == 0, w.big_endian);
    EXPECT_EQ((ai.audit_arch & 0x80000000u) != 0, w.wide);
    EXPECT_EQ(ai.args_are_64bit, w.wide);
    EXPECT_EQ(ai.nr_base, w.base);
    EXPECT_EQ(ai.socketcall_nr, w.socketcall);
    EXPECT_EQ(ai.ipc_nr, w.ipc);
    // The multiplexers are in the table exactly where ArchInfo says.
    EXPECT_EQ(syscall_number(w.arch, "socketcall").value_or(-1), w.socketcall);
    EXPECT_EQ(syscall_number(w.arch, "ipc").value_or(-1), w.ipc);
    // Every number is at or above the base.
    EXPECT_GE(syscalls(w.arch).front().nr, w.base);
  }
  EXPECT_EQ(arch_from_name("mipsel64"), Arch::Mips64El);
  EXPECT_EQ(arch_from_name("mipsel64n32"), Arch::Mips64N32El);
  EXPECT_EQ(arch_from_name("ppc64el"), Arch::Ppc64Le);
  EXPECT_EQ(arch_from_name("hppa"), Arch::Parisc);
  EXPECT_EQ(arch_from_name("loong64"), Arch::LoongArch64);
  EXPECT_EQ(arch_from_name("sh4"), Arch::Sh);
}

TEST(Arch, MultiplexedCalls) {
  using M = std::optional<MultiplexedCall>;
  auto eq = [](M m, int32_t mux, uint32_t call) {
    return m && m->multiplexer == mux && m->call == call;
  };
  EXPECT_TRUE(eq(multiplexed_call(Arch::I386, "socket"), 102, 1));
  EXPECT_TRUE(eq(multiplexed_call(Arch::I386, "sendmmsg"), 102, 20));
  EXPECT_TRUE(eq(multiplexed_call(Arch::I386, "semop"), 117, 1));
  EXPECT_TRUE(eq(multiplexed_call(Arch::I386, "shmctl"), 117, 24));
  EXPECT_TRUE(eq(multiplexed_call(Arch::MipsEl, "connect"), 4102, 3));
  EXPECT_TRUE(eq(multiplexed_call(Arch::Mips, "msgget"), 4117, 13));
  EXPECT_TRUE(eq(multiplexed_call(Arch::S390X, "accept4"), 102, 18));
  EXPECT_TRUE(eq(multiplexed_call(Arch::Ppc64Le, "shmat"), 117, 21));
  EXPECT_TRUE(eq(multiplexed_call(Arch::M68K, "recvmmsg"), 102, 19));
  EXPECT_TRUE(eq(multiplexed_call(Arch::ShEb, "semtimedop"), 117, 4));
  for (Arch a : {Arch::X86_64, Arch::X32, Arch::AArch64, Arch::Arm, Arch::RiscV64, Arch::Mips64,
                 Arch::Mips64N32El, Arch::Parisc, Arch::Parisc64, Arch::LoongArch64}) {
    EXPECT_EQ(multiplexed_call(a, "socket"), std::nullopt) << info(a).name;
    EXPECT_EQ(multiplexed_call(a, "semop"), std::nullopt) << info(a).name;
  }
  EXPECT_EQ(multiplexed_call(Arch::I386, "read"), std::nullopt);
  EXPECT_EQ(multiplexed_call(Arch::I386, "socketcall"), std::nullopt);
}

TEST(Arch, Native) {
#if defined(__x86_64__) && !defined(__ILP32__)
  EXPECT_EQ(native_arch(), Arch::X86_64);
#elif defined(__aarch64__)
  EXPECT_EQ(native_arch(), Arch::AArch64);
#endif
  EXPECT_TRUE(syscall_number(native_arch(), "exit_group").has_value());
}

TEST(Arch, NearestName) {
  EXPECT_EQ(nearest_syscall_name("opnat"), "openat");
  EXPECT_EQ(nearest_syscall_name("openat"), "openat");
  EXPECT_EQ(nearest_syscall_name("OPENAT"), "openat");
  EXPECT_EQ(nearest_syscall_name("reed"), "read");
  EXPECT_EQ(nearest_syscall_name("exceve"), "execve");
  EXPECT_EQ(nearest_syscall_name("clone4"), "clone3");
  EXPECT_EQ(nearest_syscall_name("mprotec"), "mprotect");
  EXPECT_EQ(nearest_syscall_name("sys_openat"), "openat");
  EXPECT_EQ(nearest_syscall_name("__NR_mmap"), "mmap");
  EXPECT_EQ(nearest_syscall_name("epoll_create2"), "epoll_create1");
  EXPECT_EQ(nearest_syscall_name("rt_sigprocmsak"), "rt_sigprocmask");
  EXPECT_EQ(nearest_syscall_name(""), "");
  EXPECT_EQ(nearest_syscall_name("qqqqqqqqqqq"), "");
  EXPECT_EQ(nearest_syscall_name("completely_unrelated_words"), "");
}

}  // namespace

namespace {

using namespace sysfence::arch;

std::vector<std::string_view> args_of(std::string_view name) {
  auto s = syscall_arg_names(name);
  return {s.begin(), s.end()};
}

using V = std::vector<std::string_view>;

TEST(ArgNames, FromManPages) {
  EXPECT_EQ(args_of("read"), (V{"fd", "buf", "count"}));
  EXPECT_EQ(args_of("openat"), (V{"dirfd", "pathname", "flags", "mode"}));
  EXPECT_EQ(args_of("socket"), (V{"domain", "type", "protocol"}));
  EXPECT_EQ(args_of("mmap"), (V{"addr", "length", "prot", "flags", "fd", "offset"}));
  EXPECT_EQ(args_of("fcntl"), (V{"fd", "cmd", "arg"}));  // from "... /* arg */"
  EXPECT_EQ(args_of("ioctl"), (V{"fd", "request", "arg"}));
  EXPECT_EQ(args_of("clone3"), (V{"cl_args", "size"}));  // syscall(SYS_clone3, ...)
  EXPECT_EQ(args_of("_llseek"), (V{"fd", "offset_high", "offset_low", "result", "whence"}));
  EXPECT_EQ(args_of("pread64"), (V{"fd", "buf", "count", "offset"}));  // page: pread
  EXPECT_EQ(args_of("prctl"), (V{"option", "arg2", "arg3", "arg4", "arg5"}));
  EXPECT_EQ(args_of("futex"), (V{"uaddr", "futex_op", "val", "timeout", "uaddr2", "val3"}));
  // The kernel's entry point where the page documents a wrapper.
  EXPECT_EQ(args_of("rt_sigaction"), (V{"signum", "act", "oldact", "sigsetsize"}));
  EXPECT_EQ(args_of("clone"), (V{"flags", "stack", "parent_tid", "child_tid", "tls"}));
  EXPECT_EQ(args_of("io_uring_enter"),
            (V{"fd", "to_submit", "min_complete", "flags", "argp", "argsz"}));
  EXPECT_TRUE(args_of("getpid").empty());
  auto clone_on = [](Arch a) {
    auto s = syscall_arg_names(a, "clone");
    return V(s.begin(), s.end());
  };
  EXPECT_EQ(clone_on(Arch::X86_64), (V{"flags", "stack", "parent_tid", "child_tid", "tls"}));
  EXPECT_EQ(clone_on(Arch::AArch64), (V{"flags", "stack", "parent_tid", "tls", "child_tid"}));
  EXPECT_EQ(clone_on(Arch::I386), (V{"flags", "stack", "parent_tid", "tls", "child_tid"}));
  EXPECT_EQ(syscall_arg_names(Arch::Arm, "read").size(), 3u);
  EXPECT_TRUE(args_of("no_such_syscall").empty());
}

TEST(ArgNames, Coverage) {
  size_t with = 0;
  for (std::string_view n : all_syscall_names()) {
    auto a = syscall_arg_names(n);
    EXPECT_LE(a.size(), 6u) << n;
    for (std::string_view x : a) EXPECT_FALSE(x.empty()) << n;
    with += !a.empty();
  }
  // Every syscall of the native ABI that takes arguments should have names; a floor guards
  // against a generator regression.
  EXPECT_GT(with, 420u);
  for (const SyscallEntry& e : syscalls(Arch::X86_64)) {
    static const V kNoArgs = {
        "getpid",  "getppid",   "gettid",     "getuid",       "geteuid",      "getgid",
        "getegid", "fork",      "vfork",      "pause",        "sched_yield",  "setsid",
        "sync",    "vhangup",   "munlockall", "inotify_init", "rt_sigreturn", "restart_syscall",
        "getpgrp", "uretprobe", "uprobe"};
    static const V kUnimplemented = {"afs_syscall",     "epoll_ctl_old",
                                     "epoll_wait_old",  "getpmsg",
                                     "putpmsg",         "security",
                                     "tuxcall",         "vserver",
                                     "rseq_slice_yield" /* signature not recorded */};
    if (std::find(kNoArgs.begin(), kNoArgs.end(), e.name) != kNoArgs.end()) continue;
    if (std::find(kUnimplemented.begin(), kUnimplemented.end(), e.name) != kUnimplemented.end())
      continue;
    EXPECT_FALSE(syscall_arg_names(e.name).empty()) << e.name;
  }
}

}  // namespace
