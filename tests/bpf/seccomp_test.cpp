// tests/bpf/seccomp_test.cpp — sysfence/bpf/seccomp.hpp: return values, their names and the
// kernel's precedence between them (including actions the kernel does not know).
#include <gtest/gtest.h>

#include <cstdint>

#include "sysfence/bpf/actions.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace bpf = sysfence::bpf;

TEST(ActionName, EveryKnownActionWithAndWithoutData) {
  EXPECT_EQ(bpf::action_name(bpf::kRetAllow), "allow");
  EXPECT_EQ(bpf::action_name(bpf::kRetKillProcess), "kill_process");
  EXPECT_EQ(bpf::action_name(bpf::kRetKillThread), "kill_thread");
  EXPECT_EQ(bpf::action_name(bpf::kRetUserNotif), "user_notif");
  EXPECT_EQ(bpf::action_name(bpf::kRetLog), "log");
  // errno, trace and trap always show their data, even 0.
  EXPECT_EQ(bpf::action_name(bpf::ret_errno(1)), "errno(1)");
  EXPECT_EQ(bpf::action_name(bpf::ret_errno(0)), "errno(0)");
  EXPECT_EQ(bpf::action_name(bpf::ret_trace(7)), "trace(7)");
  EXPECT_EQ(bpf::action_name(bpf::ret_trap(0)), "trap(0)");
  EXPECT_EQ(bpf::action_name(bpf::ret_errno(65535)), "errno(65535)");
  // The others show data only when a hand-written program sets some.
  EXPECT_EQ(bpf::action_name(bpf::kRetAllow | 1), "allow+0x1");
  EXPECT_EQ(bpf::action_name(bpf::kRetKillThread | 0xabc), "kill_thread+0xabc");
}

TEST(ActionName, UnknownActionsShowTheWholeWord) {
  EXPECT_EQ(bpf::action_name(0x00010000), "unknown(0x00010000)");
  EXPECT_EQ(bpf::action_name(0x7ffe0001), "unknown(0x7ffe0001)");
  EXPECT_EQ(bpf::action_name(0xc0000000), "unknown(0xc0000000)");
}

TEST(MoreRestrictive, KernelPrecedenceOnRawValuesIgnoresData) {
  // The table is in precedence order: each row beats every later one, never an earlier one.
  for (size_t i = 0; i < bpf::kActionTable.size(); ++i)
    for (size_t j = 0; j < bpf::kActionTable.size(); ++j)
      EXPECT_EQ(bpf::more_restrictive(bpf::kActionTable[i].ret, bpf::kActionTable[j].ret), i < j)
          << bpf::kActionTable[i].name << " vs " << bpf::kActionTable[j].name;
  // Data never decides: errno(1) and errno(4095) tie.
  EXPECT_FALSE(bpf::more_restrictive(bpf::ret_errno(1), bpf::ret_errno(4095)));
  EXPECT_FALSE(bpf::more_restrictive(bpf::ret_errno(4095), bpf::ret_errno(1)));
  // Unknown actions rank by the signed action word, as the kernel compares them: 0x00010000
  // sits between KILL_THREAD and TRAP; anything with the top bit set beats ALLOW and
  // KILL_THREAD like KILL_PROCESS does.
  EXPECT_TRUE(bpf::more_restrictive(bpf::kRetKillThread, 0x00010000));
  EXPECT_TRUE(bpf::more_restrictive(0x00010000, bpf::kRetTrap));
  EXPECT_TRUE(bpf::more_restrictive(0xc0000000, bpf::kRetKillThread));
  EXPECT_TRUE(bpf::more_restrictive(bpf::kRetKillProcess, 0xc0000000));
}

TEST(ReturnValueParts, ActionAndDataSplit) {
  EXPECT_EQ(bpf::action_of(bpf::ret_errno(13)), bpf::kRetErrno);
  EXPECT_EQ(bpf::data_of(bpf::ret_errno(13)), 13);
  EXPECT_EQ(bpf::action_of(bpf::kRetKillProcess | 0x1234), bpf::kRetKillProcess);
  EXPECT_EQ(bpf::data_of(bpf::kRetKillProcess | 0x1234), 0x1234);
}
