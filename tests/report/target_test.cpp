// report::format_call and friends: argument names, paths read from a (here: our own) process's
// memory, unknown numbers, x32.
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "sysfence/report/target.hpp"

namespace {

using namespace sysfence;

TEST(Target, FormatsACallWithThePathReadFromTheTarget) {
  static const char path[] = "/etc/sysfence-test";
  const auto d = bpf::SeccompData::make(bpf::kAuditArchX86_64, SYS_openat,
                                        static_cast<uint64_t>(AT_FDCWD),
                                        reinterpret_cast<uint64_t>(path));
  const std::string s = report::format_call(d, getpid(), true, nullptr, nullptr);
  EXPECT_EQ(s.rfind("openat(", 0), 0u) << s;
  EXPECT_NE(s.find("\"/etc/sysfence-test\""), std::string::npos) << s;
  // Without reading, the pointer is shown, not the string.
  const std::string raw = report::format_call(d, getpid(), false, nullptr, nullptr);
  EXPECT_EQ(raw.find("sysfence-test"), std::string::npos) << raw;
}

TEST(Target, PathsAreDroppedWhenTheTargetIsNoLongerValid) {
  static const char path[] = "/tmp/x";
  const auto d = bpf::SeccompData::make(bpf::kAuditArchX86_64, SYS_openat, 0,
                                        reinterpret_cast<uint64_t>(path));
  const std::string s = report::format_call(
      d, getpid(), true, [](void*) { return false; }, nullptr);
  EXPECT_EQ(s.find("/tmp/x"), std::string::npos) << s;
}

TEST(Target, ArchAndLabels) {
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchX86_64, 1)), arch::Arch::X86_64);
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchX86_64, 0x40000001)),
            arch::Arch::X32);
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchI386, 4)), arch::Arch::I386);
  EXPECT_FALSE(report::arch_of(bpf::SeccompData::make(0x1234, 1)).has_value());
  EXPECT_EQ(report::syscall_label(bpf::SeccompData::make(bpf::kAuditArchX86_64, 1)), "write");
  // nr -1 is a tracer's skip on the native door, not an x32 call (issue 8 item 13); the x32
  // door is 0x40000000..0xfffffffe, as the compiled filter splits it.
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchX86_64, -1)), arch::Arch::X86_64);
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchI386, -1)), arch::Arch::I386);
  EXPECT_EQ(report::arch_of(bpf::SeccompData::make(bpf::kAuditArchX86_64, static_cast<int32_t>(0x80000000U))),
            arch::Arch::X32);
  EXPECT_EQ(report::syscall_label(bpf::SeccompData::make(bpf::kAuditArchX86_64, -1)),
            "syscall -1 (a tracer's skip)");
  EXPECT_FALSE(report::path_args("openat").empty());
  EXPECT_TRUE(report::path_args("getpid").empty());
  EXPECT_EQ(report::tgid_of(getpid()), getpid());
}

}  // namespace
