// The default policy that `sysfence run` installs without parsing (compiled at build time by
// sysfence_precompile_default) is exactly what a fresh compile of the embedded text gives.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "precompiled/default_program.hpp"
#include "precompiled/untrusted_plan.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/sandbox/statements.hpp"
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

// The untrusted profile's plan the start-up fast path carries out (made at build time from the
// profile's text) is the Plan the full path makes here: sandbox_spec_or_exit()'s statements
// with $CWD and the missing paths left out, then sandbox::prepare(). prepare() needs this
// kernel's Landlock ABI and CAP_SYS_ADMIN for the comparison (the fast path declines
// otherwise); the ABI table is compared for every ABI.
TEST(PrecompiledDefault, UntrustedPlanIsWhatPrepareMakes) {
  const SysfenceFastProfilePlan& pre = sysfence_fast_untrusted_plan;
  ASSERT_LE(pre.max_landlock_abi - pre.min_landlock_abi + 1, 16);
  for (int abi = pre.min_landlock_abi; abi <= pre.max_landlock_abi; ++abi)
    EXPECT_EQ(pre.handled_fs[abi - pre.min_landlock_abi], sandbox::ll::fs_bits_for_abi(abi)) << abi;
  EXPECT_EQ(pre.file_only_access, sandbox::ll::kFileOnlyBits);

  char buf[4096];
  ASSERT_NE(::getcwd(buf, sizeof buf), nullptr);
  const std::string cwd = buf;
  auto parsed =
      frontend::parse_policy_text(sandbox::profile_text("untrusted"), "<profile untrusted>");
  ASSERT_TRUE(parsed.ok()) << parsed.render();
  sandbox::Spec spec;
  sandbox::StatementContext ctx;
  ctx.cwd = cwd;
  ctx.skip_missing_paths = true;
  auto errors = sandbox::apply_statements(parsed.value->sandbox, ctx, spec);
  ASSERT_TRUE(errors.empty()) << errors.front().render();
  auto sb = sandbox::Sandbox::make(spec);
  ASSERT_TRUE(sb) << sb.error().render();
  ASSERT_EQ(sb->spec().mounts.size(), pre.n_tmpfs);
  for (unsigned i = 0; i < pre.n_tmpfs; ++i) {
    EXPECT_EQ(sb->spec().mounts[i].kind, sandbox::MountSpec::Kind::Tmpfs);
    EXPECT_EQ(sb->spec().mounts[i].target, pre.tmpfs[i]);
  }
  // The plan's rules whose path exists here, $CWD replaced.
  std::vector<std::pair<std::string, uint64_t>> kept;
  for (unsigned i = 0; i < pre.n_rules; ++i) {
    const std::string path = pre.rules[i].path ? pre.rules[i].path : cwd;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) kept.emplace_back(path, pre.rules[i].access);
  }
  ASSERT_EQ(sb->spec().paths.size(), kept.size());

  const int abi = sandbox::landlock_abi();
  if (abi < pre.min_landlock_abi || abi > pre.max_landlock_abi)
    GTEST_SKIP() << "Landlock ABI " << abi << ": the fast path declines here";
  auto plan = sandbox::prepare(*sb);
  ASSERT_TRUE(plan) << plan.error().render();
  if (!plan->kernel.root) GTEST_SKIP() << "no CAP_SYS_ADMIN: the fast path declines here";
  const uint64_t handled = pre.handled_fs[abi - pre.min_landlock_abi];
  EXPECT_EQ(plan->unshare, pre.unshare);
  EXPECT_FALSE(plan->user_ns_added);
  EXPECT_TRUE(plan->landlock);
  EXPECT_EQ(plan->handled_fs, handled);
  EXPECT_EQ(plan->handled_net, 0u);
  EXPECT_EQ(plan->scoped, pre.scoped);
  EXPECT_TRUE(plan->net_rules.empty());
  EXPECT_EQ(plan->not_enforced, "");
  ASSERT_EQ(plan->fs_rules.size(), kept.size());
  for (size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(plan->fs_rules[i].first, kept[i].first) << i;
    EXPECT_EQ(plan->fs_rules[i].second, kept[i].second & handled) << kept[i].first;
  }
  ASSERT_EQ(plan->rlimits.size(), 1u);
  EXPECT_EQ(plan->rlimits[0].resource, RLIMIT_CORE);
  EXPECT_EQ(plan->rlimits[0].soft, 0u);
  EXPECT_EQ(plan->rlimits[0].hard, 0u);
}

}  // namespace
