// /proc/PID/status: self, children in each mode, a missing pid, no permission, parsing.
#include "sysfence/loader/status.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "loader/child.hpp"
#include "loader/filters.hpp"
#include "sysfence/loader/loader.hpp"

using namespace sysfence;
using sysfence_test::run_child;

namespace {

TEST(Status, ParsesTheKernelsLines) {
  auto st = loader::parse_status(
      "Name:\tx\nSeccomp:\t2\nSeccomp_filters:\t3\nNoNewPrivs:\t1\nSpeculation_Store_Bypass:\tx\n");
  ASSERT_TRUE(st.ok()) << st.error().render();
  EXPECT_EQ(st->mode, loader::Mode::Filter);
  EXPECT_EQ(st->filters, 3);
  EXPECT_EQ(st->no_new_privs, true);
  EXPECT_FALSE(st->dumpable.has_value());

  st = loader::parse_status("Seccomp:\t1\n");  // an old kernel: only the mode
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, loader::Mode::Strict);
  EXPECT_FALSE(st->filters.has_value());
  EXPECT_FALSE(st->no_new_privs.has_value());

  auto bad = loader::parse_status("Name:\tx\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().hint.find("CONFIG_SECCOMP"), std::string::npos);
  bad = loader::parse_status("Seccomp:\t7\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("malformed Seccomp line"), std::string::npos);
  bad = loader::parse_status("Seccomp:\t0\nNoNewPrivs:\tyes\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_STREQ(loader::mode_name(loader::Mode::Strict), "strict");
}

bool prctl_dumpable() { return *loader::get_dumpable(); }

TEST(Status, Self) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto st = loader::read_status();
  ASSERT_TRUE(st.ok()) << st.error().render();
  EXPECT_EQ(st->mode, loader::Mode::Disabled);  // the test process itself is never filtered
  EXPECT_EQ(st->filters, 0);
  ASSERT_TRUE(st->dumpable.has_value());
  EXPECT_EQ(*st->dumpable, prctl_dumpable());
  auto by_pid = loader::read_status(getpid());
  ASSERT_TRUE(by_pid.ok());
  EXPECT_EQ(by_pid->no_new_privs, st->no_new_privs);
  EXPECT_TRUE(by_pid->dumpable.has_value());
}

// A child that enters a mode, then blocks in read(2) (allowed even in strict mode) until the
// parent has looked at it. Returns the status the parent read.
Result<loader::Status> status_of_child_in(const std::function<void()>& enter) {
  int go[2], ready[2];
  if (pipe(go) != 0 || pipe(ready) != 0) return Error{"pipe", {}, {}, {}, 0};
  const pid_t pid = fork();
  if (pid == 0) {
    close(go[1]);
    close(ready[0]);
    enter();
    char c = 1;
    if (write(ready[1], &c, 1) != 1) syscall(SYS_exit, 1);
    if (read(go[0], &c, 1) < 0) syscall(SYS_exit, 2);
    syscall(SYS_exit, 0);  // strict mode: exit, not exit_group
  }
  close(go[0]);
  close(ready[1]);
  char c;
  const bool up = read(ready[0], &c, 1) == 1;
  auto st = loader::read_status(pid);
  close(go[1]);
  close(ready[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!up) return Error{"child did not start", {}, {}, {}, 0};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return Error{"child failed", {}, {}, {}, 0};
  return st;
}

TEST(Status, ChildInEachMode) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto off = status_of_child_in([] {});
  ASSERT_TRUE(off.ok()) << off.error().render();
  EXPECT_EQ(off->mode, loader::Mode::Disabled);
  EXPECT_EQ(off->filters, 0);
  EXPECT_FALSE(off->dumpable.has_value());  // not ours to know for another process

  auto strict = status_of_child_in([] {
    if (!loader::install_strict()) syscall(SYS_exit, 3);
  });
  ASSERT_TRUE(strict.ok()) << strict.error().render();
  EXPECT_EQ(strict->mode, loader::Mode::Strict);
  EXPECT_EQ(strict->filters, 0);

  auto filter = status_of_child_in([] {
    loader::FilterOptions o = sysfence_test::with_nnp();
    if (!loader::install_filter(sysfence_test::allow_all(), o)) sysfence_test::child_exit(3);
    if (!loader::install_filter(sysfence_test::allow_all(), o)) sysfence_test::child_exit(3);
  });
  ASSERT_TRUE(filter.ok()) << filter.error().render();
  EXPECT_EQ(filter->mode, loader::Mode::Filter);
  EXPECT_EQ(filter->filters, 2);
  EXPECT_EQ(filter->no_new_privs, true);

  auto nnp_only = status_of_child_in([] {
    if (!loader::set_no_new_privs()) sysfence_test::child_exit(3);
  });
  ASSERT_TRUE(nnp_only.ok());
  EXPECT_EQ(nnp_only->mode, loader::Mode::Disabled);
  EXPECT_EQ(nnp_only->no_new_privs, true);
}

TEST(Status, MissingPid) {
  long pid_max = 4194304;
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
  const pid_t missing = static_cast<pid_t>(pid_max + 1);  // can never exist
  auto st = loader::read_status(missing);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "no process " + std::to_string(missing));
  EXPECT_EQ(st.error().sys_errno, ENOENT);
  EXPECT_FALSE(st.error().hint.empty());

  // A reaped child.
  const pid_t pid = fork();
  if (pid == 0) sysfence_test::child_exit(0);
  int status;
  waitpid(pid, &status, 0);
  st = loader::read_status(pid);
  if (!st.ok()) { EXPECT_EQ(st.error().message, "no process " + std::to_string(pid)); }

  st = loader::read_status(0, missing);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("no thread " + std::to_string(missing)), std::string::npos)
      << st.error().message;

  st = loader::read_status(-5);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().sys_errno, EINVAL);
}

TEST(Status, NoPermission) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  // A /proc look-alike whose status file only root can read, read by nobody in a child.
  char dir[] = "/tmp/sysfence-proc-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string root = dir;
  ASSERT_EQ(mkdir((root + "/4242").c_str(), 0755), 0);
  {
    std::ofstream f(root + "/4242/status");
    f << "Seccomp:\t2\nSeccomp_filters:\t1\nNoNewPrivs:\t1\n";
  }
  ASSERT_EQ(chmod((root + "/4242/status").c_str(), 0400), 0);
  ASSERT_EQ(chmod(dir, 0755), 0);

  auto as_root = loader::read_status(4242, 0, root);
  ASSERT_TRUE(as_root.ok()) << as_root.error().render();
  EXPECT_EQ(as_root->filters, 1);
  EXPECT_FALSE(as_root->dumpable.has_value());

  auto r = run_child([root] {
    CHILD_CHECK(setgid(65534) == 0 && setuid(65534) == 0);
    auto st = loader::read_status(4242, 0, root);
    CHILD_CHECK(!st.ok());
    CHILD_CHECK(st.error().sys_errno == EACCES);
    sysfence_test::child_say(st.error().render());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("no permission to read " + root + "/4242/status (process 4242)"),
            std::string::npos)
      << r.out;
  std::filesystem::remove_all(root);
}

}  // namespace
