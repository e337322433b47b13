// Arch descriptions, name aliases and "did you mean" suggestions.
//
//   ./test_arch --gtest_filter='Arch*'
#include <algorithm>
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
  EXPECT_EQ(arch_from_name("mips"), std::nullopt);
  EXPECT_EQ(arch_from_name("SCMP_ARCH_PPC64LE"), std::nullopt);
  EXPECT_EQ(arch_from_name(""), std::nullopt);
  EXPECT_EQ(arch_from_name("scmp_arch_"), std::nullopt);
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
    static const V kNoArgs = {"getpid", "getppid", "gettid", "getuid", "geteuid", "getgid",
                              "getegid", "fork", "vfork", "pause", "sched_yield", "setsid",
                              "sync", "vhangup", "munlockall", "inotify_init", "rt_sigreturn",
                              "restart_syscall", "getpgrp", "uretprobe", "uprobe"};
    static const V kUnimplemented = {"afs_syscall", "epoll_ctl_old", "epoll_wait_old",
                                     "getpmsg", "putpmsg", "security", "tuxcall", "vserver",
                                     "rseq_slice_yield" /* signature not recorded */};
    if (std::find(kNoArgs.begin(), kNoArgs.end(), e.name) != kNoArgs.end()) continue;
    if (std::find(kUnimplemented.begin(), kUnimplemented.end(), e.name) != kUnimplemented.end())
      continue;
    EXPECT_FALSE(syscall_arg_names(e.name).empty()) << e.name;
  }
}

}  // namespace
