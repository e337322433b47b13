// The listener returned by NEW_LISTENER, exercised end to end: a supervisor child installs the
// filter, forks a target (which inherits it), and answers the target's syscalls.
#include "sysfence/loader/notify.hpp"

#include <gtest/gtest.h>

#include "common/fd_passing.hpp"
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "loader/child.hpp"
#include "loader/filters.hpp"
#include "sysfence/loader/loader.hpp"

using namespace sysfence;
using namespace sysfence::bpf;
using sysfence_test::child_say;
using sysfence_test::run_child;

namespace {

// In the supervisor child: install getppid -> USER_NOTIF (everything else allowed), fork the
// target running `target` (its exit status is what the function returns), and run `supervise`
// on the listener. Returns the target's wait status.
int with_target(uint32_t flags, const std::function<int()>& target,
                const std::function<void(const loader::Listener&, pid_t)>& supervise) {
  loader::FilterOptions o;
  o.flags = loader::kFlagNewListener | flags;
  o.set_no_new_privs = true;
  auto inst =
      loader::install_filter(sysfence_test::filter({{SYS_getppid, kRetUserNotif}}, kRetAllow), o);
  if (!inst) {
    child_say(inst.error().render());
    sysfence_test::child_exit(101);
  }
  loader::Listener l = std::move(inst->listener);
  CHILD_CHECK(l.valid());
  const pid_t pid = fork();
  CHILD_CHECK(pid >= 0);
  if (pid == 0) {
    l.reset();
    sysfence_test::child_exit(target());
  }
  supervise(l, pid);
  int status = 0;
  CHILD_CHECK(waitpid(pid, &status, 0) == pid);
  return status;
}

TEST(Notify, ReceiveAndRespondWithAValue) {
  auto r = run_child([] {
    const int st = with_target(
        0, [] { return syscall(SYS_getppid) == 4242 ? 0 : 1; },
        [](const loader::Listener& l, pid_t target) {
          auto ready = l.wait(10000);
          CHILD_CHECK(ready.ok() && *ready);
          auto n = l.receive();
          if (!n) child_say(n.error().render());
          CHILD_CHECK(n.ok());
          CHILD_CHECK(n->data.nr == SYS_getppid);
          CHILD_CHECK(n->data.arch == sysfence_test::kNativeAuditArch);
          CHILD_CHECK(n->pid == static_cast<uint32_t>(target));
          CHILD_CHECK(n->data.instruction_pointer != 0);
          auto valid = l.id_valid(n->id);
          CHILD_CHECK(valid.ok() && *valid);
          CHILD_CHECK(l.respond_value(n->id, 4242).ok());
          // Answered: the id is no longer pending, and a second answer is refused: EINPROGRESS
          // while the target has not woken up yet, ENOENT after.
          valid = l.id_valid(n->id);
          CHILD_CHECK(valid.ok() && !*valid);
          auto again = l.respond_value(n->id, 1);
          CHILD_CHECK(!again.ok());
          CHILD_CHECK(again.error().sys_errno == ENOENT || again.error().sys_errno == EINPROGRESS);
        });
    CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Notify, RespondWithErrorAndContinue) {
  auto r = run_child([] {
    const pid_t supervisor = getpid();
    const int st = with_target(
        0,
        [supervisor] {
          errno = 0;
          if (syscall(SYS_getppid) != -1 || errno != EROFS) return 1;
          // Continue: the real getppid runs.
          return syscall(SYS_getppid) == supervisor ? 0 : 2;
        },
        [](const loader::Listener& l, pid_t) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          CHILD_CHECK(l.respond_error(n->id, EROFS).ok());
          n = l.receive();
          CHILD_CHECK(n.ok());
          CHILD_CHECK(l.respond_continue(n->id).ok());
        });
    CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Notify, InvalidContinueIsExplained) {
  auto r = run_child([] {
    with_target(
        0, [] { return syscall(SYS_getppid) == 5 ? 0 : 1; },
        [](const loader::Listener& l, pid_t) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          auto bad = l.respond({n->id, 5, 0, loader::kNotifFlagContinue});
          CHILD_CHECK(!bad.ok() && bad.error().sys_errno == EINVAL);
          child_say(bad.error().render());
          CHILD_CHECK(l.respond_value(n->id, 5).ok());
        });
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("kNotifFlagContinue"), std::string::npos) << r.out;
}

TEST(Notify, AddFdWithSendGivesTheTargetADescriptor) {
  auto r = run_child([] {
    int p[2];
    CHILD_CHECK(pipe(p) == 0);
    const int st = with_target(
        0,
        [&] {
          close(p[0]);
          close(p[1]);
          const long fd = syscall(SYS_getppid);  // answered with a new fd: the pipe's write end
          if (fd < 0) return 1;
          return write(static_cast<int>(fd), "via addfd", 9) == 9 ? 0 : 2;
        },
        [&](const loader::Listener& l, pid_t) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          auto fd = l.add_fd(n->id, p[1], loader::kAddFdSend);
          if (!fd) child_say(fd.error().render());
          CHILD_CHECK(fd.ok() && *fd >= 0);
        });
    CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(p[1]);
    char buf[32] = {};
    CHILD_CHECK(read(p[0], buf, sizeof buf) == 9);
    CHILD_CHECK(std::strcmp(buf, "via addfd") == 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Notify, AddFdAtAChosenNumber) {
  auto r = run_child([] {
    int p[2];
    CHILD_CHECK(pipe(p) == 0);
    const int st = with_target(
        0,
        [&] {
          close(p[0]);
          close(p[1]);
          if (syscall(SYS_getppid) != 77) return 1;
          return write(77, "x", 1) == 1 ? 0 : 2;
        },
        [&](const loader::Listener& l, pid_t) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          auto fd = l.add_fd(n->id, p[1], loader::kAddFdSetFd, 77);
          CHILD_CHECK(fd.ok() && *fd == 77);
          CHILD_CHECK(l.respond_value(n->id, 77).ok());
        });
    CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Notify, TargetDeathIsSeen) {
  auto r = run_child([] {
    with_target(
        0,
        [] {
          syscall(SYS_getppid);
          return 3;
        },
        [](const loader::Listener& l, pid_t target) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          CHILD_CHECK(kill(target, SIGKILL) == 0);
          int status;
          CHILD_CHECK(waitpid(target, &status, 0) == target);
          auto valid = l.id_valid(n->id);
          CHILD_CHECK(valid.ok() && !*valid);
          auto resp = l.respond_value(n->id, 0);
          CHILD_CHECK(!resp.ok() && resp.error().sys_errno == ENOENT);
          child_say(resp.error().render());
          sysfence_test::child_exit(0);  // the target is reaped already
        });
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("the target exited"), std::string::npos) << r.out;
}

TEST(Notify, WaitKillableRecvListenerWorks) {
  auto r = run_child([] {
    const int st = with_target(
        loader::kFlagWaitKillableRecv, [] { return syscall(SYS_getppid) == 9 ? 0 : 1; },
        [](const loader::Listener& l, pid_t) {
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          CHILD_CHECK(l.respond_value(n->id, 9).ok());
        });
    CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Notify, SyncWakeupFlag) {
  auto r = run_child([] {
    with_target(
        0, [] { return syscall(SYS_getppid) == 1 ? 0 : 1; },
        [](const loader::Listener& l, pid_t) {
          auto s = l.set_sync_wakeup();
          if (!s) child_say(s.error().render());
          CHILD_CHECK(s.ok());
          auto n = l.receive();
          CHILD_CHECK(n.ok());
          CHILD_CHECK(l.respond_value(n->id, 1).ok());
        });
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

// The usual deployment: the target installs the filter and hands the listener to an unfiltered
// supervisor; when the target is gone, wait() reports the hangup.
TEST(Notify, SupervisorOutsideTheFilterAndHangup) {
  auto r = run_child([] {
    int sv[2];
    CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    const pid_t target = fork();
    CHILD_CHECK(target >= 0);
    if (target == 0) {
      close(sv[0]);
      loader::FilterOptions o;
      o.flags = loader::kFlagNewListener;
      o.set_no_new_privs = true;
      auto inst = loader::install_filter(
          sysfence_test::filter({{SYS_getppid, kRetUserNotif}}, kRetAllow), o);
      if (!inst) sysfence_test::child_exit(1);
      CHILD_CHECK(sysfence::testing::send_fd(sv[1], inst->listener.fd()));
      inst->listener.reset();
      sysfence_test::child_exit(syscall(SYS_getppid) == 31337 ? 0 : 2);
    }
    close(sv[1]);
    loader::Listener l(sysfence::testing::receive_fd(sv[0]));
    CHILD_CHECK(l.valid());
    auto w = l.wait(10000);
    CHILD_CHECK(w.ok() && *w);
    auto n = l.receive();
    CHILD_CHECK(n.ok() && n->pid == static_cast<uint32_t>(target));
    CHILD_CHECK(l.respond_value(n->id, 31337).ok());
    int status;
    CHILD_CHECK(waitpid(target, &status, 0) == target);
    CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    // No task uses the filter any more: POLLHUP, reported as an error.
    w = l.wait(1000);
    CHILD_CHECK(!w.ok());
    child_say(w.error().render());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("POLLHUP"), std::string::npos) << r.out;
}

TEST(Notify, WaitTimesOut) {
  auto r = run_child([] {
    with_target(
        0, [] { return 0; },  // exits without a notified syscall
        [](const loader::Listener& l, pid_t target) {
          int status;
          CHILD_CHECK(waitpid(target, &status, 0) == target);
          // The supervisor itself still uses the filter: no hangup, just a timeout.
          auto w = l.wait(50);
          CHILD_CHECK(w.ok() && !*w);
          sysfence_test::child_exit(0);
        });
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Listener, OwnsAndMovesItsFd) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  {
    loader::Listener a(p[0]);
    loader::Listener b = std::move(a);
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.fd(), p[0]);
  }
  EXPECT_EQ(fcntl(p[0], F_GETFD), -1);  // closed by b
  EXPECT_EQ(errno, EBADF);
  close(p[1]);
}

}  // namespace
