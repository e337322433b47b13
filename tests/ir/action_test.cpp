// tests/ir/action_test.cpp — ir::Action: the eight seccomp actions with their data, as the IR
// holds them, to and from the kernel's return values.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include "sysfence/bpf/actions.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/ir/policy.hpp"

using sysfence::ir::Action;
namespace bpf = sysfence::bpf;

TEST(Action, ReturnValuesOfEachAction) {
  EXPECT_EQ(Action::kill_process().to_ret(), 0x80000000U);
  EXPECT_EQ(Action::kill_thread().to_ret(), 0x00000000U);
  EXPECT_EQ(Action::trap(3).to_ret(), 0x00030003U);
  EXPECT_EQ(Action::errno_(1).to_ret(), 0x00050001U);
  EXPECT_EQ(Action::user_notif().to_ret(), 0x7fc00000U);
  EXPECT_EQ(Action::trace(9).to_ret(), 0x7ff00009U);
  EXPECT_EQ(Action::log().to_ret(), 0x7ffc0000U);
  EXPECT_EQ(Action::allow().to_ret(), 0x7fff0000U);
}

TEST(Action, RoundTripThroughTheKernelsValue) {
  for (const bpf::ActionInfo& info : bpf::kActionTable) {
    for (uint16_t data : {uint16_t{0}, uint16_t{1}, uint16_t{4095}}) {
      Action a{info.kind, data};
      std::optional<Action> back = Action::from_ret(a.to_ret());
      ASSERT_TRUE(back) << info.name;
      EXPECT_EQ(*back, a) << info.name << " data " << data;
      EXPECT_EQ(Action::from_ret_or(a.to_ret(), Action::log()), a);
    }
  }
}

TEST(Action, UnknownReturnValues) {
  EXPECT_FALSE(Action::from_ret(0x00010000));
  EXPECT_FALSE(Action::from_ret(0x7ffe0000));
  EXPECT_EQ(Action::from_ret_or(0x00010000, Action::kill_process()), Action::kill_process());
}

TEST(Action, NamesAreTheDisassemblersNames) {
  EXPECT_EQ(Action::errno_(13).to_string(), "errno(13)");
  EXPECT_EQ(Action::trap().to_string(), "trap(0)");
  EXPECT_EQ(Action::allow().to_string(), "allow");
  EXPECT_EQ(Action::kill_process().to_string(), "kill_process");
  EXPECT_EQ(Action::user_notif().to_string(), "user_notif");
}

TEST(Action, PrecedenceIsTheKernels) {
  EXPECT_TRUE(Action::kill_process().more_restrictive_than(Action::kill_thread()));
  EXPECT_TRUE(Action::trap().more_restrictive_than(Action::errno_(1)));
  EXPECT_TRUE(Action::errno_(1).more_restrictive_than(Action::user_notif()));
  EXPECT_TRUE(Action::trace().more_restrictive_than(Action::log()));
  EXPECT_TRUE(Action::log().more_restrictive_than(Action::allow()));
  EXPECT_FALSE(Action::allow().more_restrictive_than(Action::log()));
  // Equal kinds tie whatever their data.
  EXPECT_FALSE(Action::errno_(1).more_restrictive_than(Action::errno_(2)));
  EXPECT_FALSE(Action::errno_(2).more_restrictive_than(Action::errno_(1)));
}
