// tests/sandbox/spawn_test.cpp — sandbox::spawn on the real kernel: the filters installed last,
// the failure stages (nothing runs), and the listener handed over from the program, with and
// without a PID namespace. Each denial next to its control.
#include <gtest/gtest.h>

#include <linux/audit.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/sandbox/sandbox.hpp"

using namespace sysfence;
using namespace sysfence::sandbox;

namespace {

constexpr uint32_t kRetAllow = 0x7fff0000u, kRetErrno = 0x00050000u, kRetNotify = 0x7fc00000u,
                   kRetKill = 0x80000000u;

// x86_64 only: mkdir and mkdirat answer `deny`, everything else is allowed.
bpf::Program deny_mkdir(uint32_t deny) {
  using namespace bpf;
  return {
      stmt(LD | W | ABS, 4),
      jump(JMP | JEQ | K, AUDIT_ARCH_X86_64, 1, 0),
      stmt(RET | K, kRetKill),
      stmt(LD | W | ABS, 0),
      jump(JMP | JEQ | K, SYS_mkdir, 1, 0),
      jump(JMP | JEQ | K, SYS_mkdirat, 0, 1),
      stmt(RET | K, deny),
      stmt(RET | K, kRetAllow),
  };
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/sysfence-spawn-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

Plan plan_of(Spec s) {
  auto sb = Sandbox::make(std::move(s));
  EXPECT_TRUE(sb) << sb.error().render();
  auto p = prepare(*sb);
  EXPECT_TRUE(p) << p.error().render();
  return *p;
}

int exit_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

class SpawnFilter : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the hand-written filter is x86_64";
#endif
  }
};

TEST_F(SpawnFilter, FilterIsInstalledLast) {
  TempDir d;
  const Plan plan = plan_of(Spec{});
  SpawnOptions o;
  // Control: no filter, mkdir works.
  auto ok = spawn(plan, "/bin/mkdir", {"mkdir", d.path + "/a"}, o);
  ASSERT_TRUE(ok) << ok.error().render();
  EXPECT_TRUE(ok->started());
  EXPECT_EQ(exit_code(ok->wait()), 0);
  EXPECT_FALSE(ok->failure());
  EXPECT_TRUE(std::filesystem::exists(d.path + "/a"));
  // The filter answers EACCES (13).
  o.filters.push_back(deny_mkdir(kRetErrno | 13));
  auto denied = spawn(plan, "/bin/mkdir", {"mkdir", d.path + "/b"}, o);
  ASSERT_TRUE(denied);
  EXPECT_TRUE(denied->started());
  EXPECT_EQ(exit_code(denied->wait()), 1);
  EXPECT_FALSE(std::filesystem::exists(d.path + "/b"));
}

TEST_F(SpawnFilter, FailuresSayWhereAndNothingRuns) {
  // execve of a missing program: stage Exec, ENOENT, status 127.
  auto missing = spawn(plan_of(Spec{}), "/nonexistent/sysfence", {"x"}, SpawnOptions{});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->started());
  EXPECT_EQ(exit_code(missing->wait()), 127);
  ASSERT_TRUE(missing->failure());
  EXPECT_EQ(missing->failure()->stage, SpawnStage::Exec);
  EXPECT_EQ(missing->failure()->err, ENOENT);
  // A rule path that does not exist: stage SetUp, the program did not run.
  if (landlock_abi() > 0) {
    TempDir d;
    Spec s;
    s.paths.push_back({"/nonexistent/sysfence", FsAccess::Read, {}});
    auto bad = spawn(plan_of(s), "/bin/mkdir", {"mkdir", d.path + "/x"}, SpawnOptions{});
    ASSERT_TRUE(bad);
    auto started = bad->started();
    ASSERT_FALSE(started);
    EXPECT_NE(started.error().message.find("/nonexistent/sysfence"), std::string::npos);
    EXPECT_EQ(bad->failure()->stage, SpawnStage::SetUp);
    bad->wait();
    EXPECT_FALSE(std::filesystem::exists(d.path + "/x"));
  }
  // A filter the kernel refuses (a jump out of the program): stage Filter.
  SpawnOptions o;
  o.filters.push_back({bpf::jump(bpf::JMP | bpf::JEQ | bpf::K, 0, 5, 0)});
  auto refused = spawn(plan_of(Spec{}), "/bin/true", {"true"}, o);
  ASSERT_TRUE(refused);
  EXPECT_FALSE(refused->started());
  refused->wait();
  ASSERT_TRUE(refused->failure());
  EXPECT_EQ(refused->failure()->stage, SpawnStage::Filter);
}

// The listener comes to the caller, who answers the notification (EPERM here); with a PID
// namespace the program (PID 2 below the init) sends a pidfd of itself for it.
void answer_one_notification(bool pid_namespace) {
  TempDir d;
  Spec s;
  if (pid_namespace) s.unshare = CLONE_NEWPID;
  const Plan plan = plan_of(s);
  SpawnOptions o;
  o.filters.push_back(deny_mkdir(kRetNotify));
  o.hand_over_listener = true;
  auto sp = spawn(plan, "/bin/sh",
                  {"sh", "-c", "mkdir " + d.path + "/n; echo $$ > " + d.path + "/pid"}, o);
  ASSERT_TRUE(sp) << sp.error().render();
  auto listener = sp->take_listener();
  ASSERT_TRUE(listener) << listener.error().render();
  EXPECT_GT(sp->program_pid(), 0);
  if (pid_namespace) {
    EXPECT_NE(sp->program_pid(), sp->pid());  // the child is the init
  } else {
    EXPECT_EQ(sp->program_pid(), sp->pid());
  }
  auto n = listener->receive();
  ASSERT_TRUE(n) << n.error().render();
  EXPECT_NE(n->pid, 0u);  // sh's child that runs mkdir, in our PID namespace
  EXPECT_TRUE(n->data.nr == SYS_mkdir || n->data.nr == SYS_mkdirat);
  ASSERT_TRUE(listener->respond_error(n->id, EPERM));
  EXPECT_EQ(exit_code(sp->wait()), 0);
  EXPECT_FALSE(sp->failure());
  EXPECT_FALSE(std::filesystem::exists(d.path + "/n"));
  std::ifstream pid(d.path + "/pid");
  std::string text;
  pid >> text;
  if (pid_namespace) {
    EXPECT_EQ(text, "2");
  } else {
    EXPECT_EQ(text, std::to_string(sp->pid()));
  }
}

TEST_F(SpawnFilter, HandsTheListenerOver) { answer_one_notification(false); }

TEST_F(SpawnFilter, HandsTheListenerOverFromAPidNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a PID namespace without a user namespace)";
  answer_one_notification(true);
}

}  // namespace
