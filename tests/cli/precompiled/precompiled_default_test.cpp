// The default policy that `sysfence run` installs without parsing (compiled at build time by
// sysfence_precompile_default) is exactly what a fresh compile of the embedded text gives.
#include <gtest/gtest.h>

#include "precompiled/default_program.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace {

using namespace sysfence;

TEST(PrecompiledDefault, EqualsAFreshCompile) {
  ASSERT_EQ(cli::precompiled_default_arch(), arch::native_arch());
  auto parsed = frontend::load_default_policy();
  ASSERT_TRUE(parsed.ok()) << parsed.render();
  auto fresh = compiler::compile(*parsed.value);
  ASSERT_TRUE(fresh) << fresh.error().render();
  const auto pre = cli::precompiled_default_program();
  ASSERT_EQ(pre.size(), fresh->size());
  for (size_t i = 0; i < pre.size(); ++i) { EXPECT_EQ(pre[i], (*fresh)[i]) << "instruction " << i; }
}

// The variant `run` installs when a sandbox layer is asked for (no setuid/setgid files).
TEST(PrecompiledDefault, SandboxVariantEqualsAFreshCompile) {
  auto parsed = frontend::load_default_policy();
  ASSERT_TRUE(parsed.ok()) << parsed.render();
  auto with_rules = sandbox::with_setuid_file_rules(*parsed.value);
  ASSERT_TRUE(with_rules) << with_rules.error().render();
  auto fresh = compiler::compile(*with_rules);
  ASSERT_TRUE(fresh) << fresh.error().render();
  const auto pre = cli::precompiled_default_sandbox_program();
  ASSERT_EQ(pre.size(), fresh->size());
  for (size_t i = 0; i < pre.size(); ++i) { EXPECT_EQ(pre[i], (*fresh)[i]) << "instruction " << i; }
  EXPECT_GT(pre.size(), cli::precompiled_default_program().size());  // the rules are in it
}

}  // namespace
