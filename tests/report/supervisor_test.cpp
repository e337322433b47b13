// report::report_program and report::Supervisor without the CLI: the rewrite on its own, then a
// real supervision: a forked child installs the notifying program (NEW_LISTENER), passes the
// listener over a socket, and makes calls that the original program allows, answers with an
// errno, and kills; the supervisor must answer each as the original would and print it.
#include "sysfence/report/supervisor.hpp"

#include <gtest/gtest.h>

#include "common/fd_passing.hpp"
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>

#include "loader/filters.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/loader/loader.hpp"

using namespace sysfence;
using namespace sysfence::bpf;

namespace {

TEST(ReportProgram, EveryDenyingReturnBecomesANotification) {
  const Program p = sysfence_test::filter(
      {{SYS_getppid, ret_errno(EPERM)}, {SYS_uname, kRetLog}, {SYS_getuid, kRetTrap}}, kRetAllow);
  size_t n = 0;
  const Program r = report::report_program(p, &n);
  ASSERT_EQ(r.size(), p.size());
  size_t notifying = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i].code != (RET | K)) {
      EXPECT_EQ(r[i].code, p[i].code);
      EXPECT_EQ(r[i].k, p[i].k);
      continue;
    }
    const bool denies = report::is_denying(p[i].k);
    EXPECT_EQ(r[i].k, denies ? kRetUserNotif : p[i].k) << i;
    notifying += denies;
  }
  // The prologue's two kills, errno and trap; allow and log stay.
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(notifying, n);
  EXPECT_FALSE(report::is_denying(kRetAllow));
  EXPECT_FALSE(report::is_denying(kRetLog));
  EXPECT_TRUE(report::is_denying(kRetKillThread));
  EXPECT_TRUE(report::is_denying(kRetUserNotif));
}

struct Supervised {
  int status = 0;
  std::string printed;
  bool killed_for_policy = false;
};

// Forks a child that installs report_program(original) and runs `body` (which returns the
// child's exit code); the parent supervises it.
Supervised supervise(const Program& original, int (*body)()) {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(sv[0]);
    auto inst = loader::install_filter(report::report_program(original, nullptr),
                                       sysfence_test::with_nnp(loader::kFlagNewListener));
    if (!inst || !inst->listener.valid()) ::_exit(90);
    (void)sysfence::testing::send_fd(sv[1], inst->listener.fd());
    ::_exit(body());
  }
  ::close(sv[1]);
  Supervised out;
  const int fd = sysfence::testing::receive_fd(sv[0]);
  ::close(sv[0]);
  EXPECT_GE(fd, 0);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  EXPECT_GE(pidfd, 0);
  auto verified = VerifiedProgram::make(original);
  EXPECT_TRUE(verified);
  std::ostringstream printed;
  report::Supervisor sup(
      loader::Listener(fd), child, pidfd,
      [&](const SeccompData& d) { return emulate(*verified, d).ret; }, printed);
  out.status = sup.serve();
  sup.print_summary();
  out.killed_for_policy = sup.killed_for_policy(child);
  out.printed = printed.str();
  ::close(pidfd);
  return out;
}

TEST(Supervisor, AnswersAsTheOriginalProgramAndPrintsEachDenial) {
  const Program original = sysfence_test::filter({{SYS_getppid, ret_errno(EACCES)}}, kRetAllow);
  const Supervised s = supervise(original, [] {
    errno = 0;
    const long denied = ::syscall(SYS_getppid);
    if (denied != -1 || errno != EACCES) return 10;  // the original's errno, from the supervisor
    if (::syscall(SYS_getpid) <= 0) return 11;       // positive control: allowed, never notified
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(s.status)) << s.status << "\n" << s.printed;
  EXPECT_EQ(WEXITSTATUS(s.status), 0) << s.printed;
  EXPECT_NE(s.printed.find("sysfence: denied [pid "), std::string::npos) << s.printed;
  EXPECT_NE(s.printed.find("getppid"), std::string::npos) << s.printed;
  EXPECT_NE(s.printed.find("errno(EACCES) -> -1 EACCES"), std::string::npos) << s.printed;
  EXPECT_EQ(s.printed.find("getpid("), std::string::npos) << s.printed;
  EXPECT_NE(s.printed.find(
                "sysfence: report: 1 denied syscall:\n  getppid: 1x errno(EACCES); a rule that "
                "allows it: `getppid: allow`"),
            std::string::npos)
      << s.printed;
  EXPECT_FALSE(s.killed_for_policy);
}

TEST(Supervisor, CarriesOutAKillAction) {
  const Program original = sysfence_test::filter({{SYS_getppid, kRetKillProcess}}, kRetAllow);
  const Supervised s = supervise(original, [] {
    ::syscall(SYS_getppid);
    return 20;  // never reached: the supervisor kills the process first
  });
  ASSERT_TRUE(WIFSIGNALED(s.status)) << s.status << "\n" << s.printed;
  EXPECT_EQ(WTERMSIG(s.status), SIGKILL);
  EXPECT_TRUE(s.killed_for_policy);
  EXPECT_NE(s.printed.find("kill_process -> process killed"), std::string::npos) << s.printed;
}

TEST(Supervisor, NothingDeniedIsSaid) {
  const Supervised s =
      supervise(sysfence_test::allow_all(), [] { return ::syscall(SYS_getppid) > 0 ? 0 : 1; });
  ASSERT_TRUE(WIFEXITED(s.status));
  EXPECT_EQ(WEXITSTATUS(s.status), 0);
  EXPECT_EQ(s.printed, "sysfence: report: no syscall was denied\n");
}

}  // namespace
