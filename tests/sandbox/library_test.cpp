// tests/sandbox/library_test.cpp — the sandbox library: names, validation (result-or-error), the
// plan, and spawn() on the real kernel.
#include <gtest/gtest.h>

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "sysfence/sandbox/sandbox.hpp"

using namespace sysfence;
using namespace sysfence::sandbox;

namespace {

TEST(SandboxNames, Rlimits) {
  auto r = parse_rlimit("nofile=256");
  ASSERT_TRUE(r) << r.error().render();
  EXPECT_EQ(r->resource, RLIMIT_NOFILE);
  EXPECT_EQ(r->soft, 256u);
  EXPECT_EQ(r->hard, 256u);  // no HARD: the hard limit is SOFT too
  r = parse_rlimit("as=512M:1G");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->soft, 512ull << 20);
  EXPECT_EQ(r->hard, 1ull << 30);
  r = parse_rlimit("cpu=unlimited");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->soft, static_cast<uint64_t>(RLIM_INFINITY));
  EXPECT_FALSE(parse_rlimit("nofile"));
  EXPECT_FALSE(parse_rlimit("files=3"));
  EXPECT_NE(parse_rlimit("files=3").error().hint.find("nofile"), std::string::npos);
  EXPECT_FALSE(parse_rlimit("nofile=10:5"));  // soft above hard
  EXPECT_FALSE(parse_rlimit("nofile=12Q"));
  EXPECT_FALSE(parse_rlimit("as=99999999999999999999"));
  EXPECT_FALSE(parse_rlimit("as=17179869184T"));  // overflows 64 bits after the suffix
  EXPECT_EQ(rlimit_name(RLIMIT_CORE), "core");
}

TEST(SandboxNames, Namespaces) {
  auto n = parse_namespaces("user,pid,net");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, static_cast<uint32_t>(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET));
  EXPECT_EQ(namespaces_to_string(*n), "user,pid,net");
  auto all = parse_namespaces("all");
  ASSERT_TRUE(all);
  EXPECT_EQ(namespaces_to_string(*all), "user,pid,net,ipc,uts,mount,cgroup");
  EXPECT_FALSE(parse_namespaces("pid,time2"));
}

TEST(SandboxNames, Capabilities) {
  EXPECT_EQ(*parse_capability("net_bind_service"), 10);
  EXPECT_EQ(*parse_capability("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capability_name(21), "sys_admin");
  EXPECT_FALSE(parse_capability("cap_fly"));
}

TEST(SandboxMake, RejectsBadSpecs) {
  Spec s;
  s.mounts.push_back({MountSpec::Kind::Tmpfs, "", "relative", {}});
  EXPECT_FALSE(Sandbox::make(s));
  Spec u;
  u.uid = 1000;
  u.unshare = CLONE_NEWUSER;
  EXPECT_FALSE(Sandbox::make(u));
  Spec e;
  e.setenv.push_back({"A=B", "c"});
  EXPECT_FALSE(Sandbox::make(e));
  Spec h;
  h.hostname = std::string(65, 'h');
  EXPECT_FALSE(Sandbox::make(h));
  Spec ok;
  ok.hostname = "box";
  auto sb = Sandbox::make(ok);
  ASSERT_TRUE(sb);
  EXPECT_TRUE(sb->spec().unshare & CLONE_NEWUTS);  // the hostname needs its namespace
}

TEST(SandboxPlan, DefaultsAndDescription) {
  Spec s;
  s.paths.push_back({"/usr", FsAccess::ReadExec, {}});
  auto sb = Sandbox::make(s);
  ASSERT_TRUE(sb);
  auto plan = prepare(*sb);
  ASSERT_TRUE(plan) << plan.error().render();
  bool core0 = false;
  for (auto& r : plan->rlimits) core0 |= r.resource == RLIMIT_CORE && r.soft == 0 && r.hard == 0;
  EXPECT_TRUE(core0);
  const auto lines = plan->describe();
  ASSERT_GE(lines.size(), 5u);
  if (landlock_abi() > 0) {
    EXPECT_NE(lines[0].find("rox /usr"), std::string::npos) << lines[0];
  } else {
    EXPECT_FALSE(plan->not_enforced.empty());
  }
  EXPECT_NE(plan->describe_json().find("\"rlimits\": \"core=0:0\""), std::string::npos);
}

TEST(SandboxPlan, StrictRefusesWhatTheKernelLacks) {
  // Every ABI has something missing only when Landlock is absent; simulate nothing: just check
  // that strict succeeds where best effort has nothing to drop.
  Spec s;
  s.paths.push_back({"/usr", FsAccess::Read, {}});
  s.landlock = LandlockMode::Strict;
  auto plan = prepare(*Sandbox::make(s));
  if (landlock_abi() >= 6) {
    EXPECT_TRUE(plan);
  } else {
    EXPECT_FALSE(plan);
  }
}

TEST(SandboxSpawn, LandlockDeniesWritesOutsideTheRules) {
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  char tmpl[] = "/tmp/sysfence-spawn-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  Spec s;
  for (const char* d : {"/usr", "/bin", "/lib", "/lib64"}) {
    if (std::filesystem::exists(d)) s.paths.push_back({d, FsAccess::ReadExec, {}});
  }
  s.paths.push_back({dir, FsAccess::ReadWrite, {}});
  s.paths.push_back({"/dev/null", FsAccess::ReadWrite, {}});
  auto plan = prepare(*Sandbox::make(s));
  ASSERT_TRUE(plan) << plan.error().render();
  auto child = spawn(
      *plan, "/bin/sh",
      {"sh", "-c", "echo in > " + dir + "/f && ! echo out > /tmp/sysfence-spawn-out 2>/dev/null"});
  ASSERT_TRUE(child) << child.error().render();
  int st = 0;
  ASSERT_EQ(::waitpid(child->pid, &st, 0), child->pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_TRUE(std::filesystem::exists(dir + "/f"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/sysfence-spawn-out"));
  std::filesystem::remove_all(dir);
}

TEST(SandboxSpawn, FailsClosedOnAMissingRulePath) {
  if (landlock_abi() == 0) GTEST_SKIP() << "this kernel has no Landlock";
  Spec s;
  s.paths.push_back({"/nonexistent/sysfence", FsAccess::Read, {}});
  auto plan = prepare(*Sandbox::make(s));
  ASSERT_TRUE(plan);
  auto child = spawn(*plan, "/bin/true", {"true"});
  ASSERT_FALSE(child);
  EXPECT_NE(child.error().message.find("/nonexistent/sysfence"), std::string::npos)
      << child.error().message;
}

TEST(SandboxSpawn, EnvironmentAndRlimits) {
  Spec s;
  s.clearenv = true;
  s.setenv.push_back({"ONLY", "this"});
  s.rlimits.push_back(*parse_rlimit("nofile=40"));
  char* base[] = {const_cast<char*>("HOME=/root"), nullptr};
  auto plan = prepare(*Sandbox::make(s), base);
  ASSERT_TRUE(plan);
  ASSERT_EQ(plan->env.size(), 1u);
  EXPECT_EQ(plan->env[0], "ONLY=this");
  auto child =
      spawn(*plan, "/bin/sh", {"sh", "-c", "test \"$(ulimit -n)\" = 40 && test -z \"$HOME\""});
  ASSERT_TRUE(child) << child.error().render();
  int st = 0;
  ::waitpid(child->pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

// A PID namespace both ways: spawn() (fork_child: the child is cloned into the namespace and is
// its init) and a caller's own fork() + enter() (unshare, a waiting process above the init). The
// program is PID 2 below init in both, and its status comes through; without the namespace (the
// positive control) it is not PID 2.
TEST(SandboxSpawn, PidNamespaceThroughForkChildAndThroughPlainFork) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const char* script = "test $$ = 2 && exit 7";
  Spec s;
  s.unshare = CLONE_NEWPID;
  auto plan = prepare(*Sandbox::make(s));
  ASSERT_TRUE(plan) << plan.error().render();
  auto child = spawn(*plan, "/bin/sh", {"sh", "-c", script});
  ASSERT_TRUE(child) << child.error().render();
  int st = 0;
  ::waitpid(child->pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7) << st;

  const pid_t runner = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!enter(*plan, runner)) ::_exit(99);
    ::execl("/bin/sh", "sh", "-c", script, nullptr);
    ::_exit(98);
  }
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7) << st;

  auto plain = prepare(*Sandbox::make(Spec{}));
  ASSERT_TRUE(plain);
  auto control = spawn(*plain, "/bin/sh", {"sh", "-c", script});
  ASSERT_TRUE(control);
  ::waitpid(control->pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1) << st;
}

}  // namespace
