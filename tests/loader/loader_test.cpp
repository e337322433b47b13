// Loader features against the real kernel: probing, every flag, TSYNC, listener, strict mode,
// NO_NEW_PRIVS / DUMPABLE, and the checks that refuse to install less than asked.
#include "sysfence/loader/loader.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "loader/child.hpp"
#include "loader/filters.hpp"
#include "sysfence/loader/status.hpp"

using namespace sysfence;
using namespace sysfence::bpf;
using sysfence_test::child_say;
using sysfence_test::run_child;

namespace {

// The kernel under test (6.18) has every flag and action; skip the "supported" assertions on an
// older kernel instead of failing.
bool kernel_has_everything() {
  auto k = loader::probe();
  return k && k->flags == loader::kAllFlags && k->actions.size() == 8;
}

TEST(Probe, ReportsEveryFlagAndAction) {
  auto k = loader::probe();
  ASSERT_TRUE(k.ok()) << k.error().render();
  EXPECT_TRUE(k->seccomp_syscall);
  EXPECT_TRUE(k->filter_mode);
  EXPECT_TRUE(k->get_action_avail);
  if (!kernel_has_everything()) GTEST_SKIP() << "older kernel:\n" << k->describe();
  for (uint32_t f = 1; f <= loader::kFlagWaitKillableRecv; f <<= 1)
    EXPECT_TRUE(k->flag_supported(f)) << loader::flag_name(f);
  for (const auto& a : loader::known_actions()) EXPECT_TRUE(k->action_available(a.ret)) << a.name;
  // The file and GET_ACTION_AVAIL agree.
  std::vector<std::string> names;
  for (const auto& a : loader::known_actions()) names.emplace_back(a.name);
  EXPECT_EQ(k->actions_avail_file, names);
  ASSERT_TRUE(k->notif_sizes.has_value());
  EXPECT_EQ(k->notif_sizes->notif, 80);
  EXPECT_EQ(k->notif_sizes->notif_resp, 24);
  EXPECT_EQ(k->notif_sizes->data, 64);
  const std::string d = k->describe();
  EXPECT_NE(d.find("tsync=yes"), std::string::npos) << d;
  EXPECT_NE(d.find("user_notif=yes"), std::string::npos) << d;
}

TEST(Probe, UnknownFlagAndActionAreRefused) {
  // Bit 6 does not exist (yet): the kernel says EINVAL before reading the NULL program.
  auto r = loader::probe_flag(1u << 6);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  // Sanity of the method: with the NULL program a known flag gives EFAULT, an unknown EINVAL.
  errno = 0;
  EXPECT_EQ(loader::raw_seccomp(1, loader::kFlagLog, nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  errno = 0;
  EXPECT_EQ(loader::raw_seccomp(1, 1u << 6, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  // A refused combination is also EINVAL: that is why the probe adds TSYNC_ESRCH.
  errno = 0;
  EXPECT_EQ(loader::raw_seccomp(1, loader::kFlagTsync | loader::kFlagNewListener, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  auto a = loader::action_available(0x12340000u);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(*a);
  auto allow = loader::action_available(kRetAllow);
  ASSERT_TRUE(allow.ok());
  EXPECT_TRUE(*allow);
}

TEST(Probe, ParsesActionsAvail) {
  EXPECT_EQ(loader::parse_actions_avail("kill_process kill_thread trap errno\n"),
            (std::vector<std::string>{"kill_process", "kill_thread", "trap", "errno"}));
  EXPECT_TRUE(loader::parse_actions_avail("").empty());
  auto missing = loader::read_actions_avail("/nonexistent/actions_avail");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().sys_errno, ENOENT);
}

TEST(Flags, Names) {
  EXPECT_EQ(loader::flags_to_string(0), "none");
  EXPECT_EQ(loader::flags_to_string(loader::kFlagTsync | loader::kFlagLog), "tsync|log");
  EXPECT_EQ(loader::flag_name(loader::kFlagWaitKillableRecv), "wait_killable_recv");
  EXPECT_EQ(loader::flag_name(1u << 7), "flag(0x00000080)");
}

// ---- Checks that refuse before any syscall (safe to run in the test process) ----------------

TEST(Checks, ProgramLength) {
  const int before = sysfence_test::filter_count();
  Program empty;
  auto r = loader::install_filter(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sys_errno, EINVAL);
  EXPECT_NE(r.error().message.find("empty"), std::string::npos);

  Program big(4097, stmt(RET | K, kRetAllow));
  r = loader::install_filter(big);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("4097 instructions"), std::string::npos) << r.error().render();
  EXPECT_NE(r.error().message.find("at most 4096"), std::string::npos);
  EXPECT_EQ(sysfence_test::filter_count(), before);
}

TEST(Checks, FlagCombinations) {
  const int before = sysfence_test::filter_count();
  const Program p = sysfence_test::allow_all();
  loader::FilterOptions o;
  o.flags = 1u << 9;
  auto r = loader::install_filter(p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown seccomp filter flag"), std::string::npos);

  o.flags = loader::kFlagTsync | loader::kFlagNewListener;
  r = loader::install_filter(p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().hint.find("kFlagTsyncEsrch"), std::string::npos) << r.error().render();

  o.flags = loader::kFlagWaitKillableRecv;
  r = loader::install_filter(p, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().hint.find("kFlagNewListener"), std::string::npos) << r.error().render();
  EXPECT_EQ(sysfence_test::filter_count(), before);
}

TEST(Checks, ActionsTheKernelWouldNotRunAsAsked) {
  const int before = sysfence_test::filter_count();
  Program unknown = sysfence_test::filter({}, 0x12340000u);
  auto r = loader::install_filter(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown action 0x12340000"), std::string::npos)
      << r.error().render();

  Program notif = sysfence_test::filter({{SYS_getppid, kRetUserNotif}}, kRetAllow);
  r = loader::install_filter(notif);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ENOSYS"), std::string::npos) << r.error().render();
  EXPECT_EQ(sysfence_test::filter_count(), before);
}

TEST(Checks, CheckInstallableAgainstAPoorKernel) {
  // A made-up kernel without LOG and without the log action: both are refused, nothing asked of
  // the real kernel.
  loader::KernelSupport poor;
  poor.seccomp_syscall = true;
  poor.filter_mode = true;
  poor.flags = loader::kFlagTsync;
  poor.actions = {kRetKillThread, kRetTrap, kRetErrno, kRetTrace, kRetAllow};
  loader::FilterOptions o;
  o.flags = loader::kFlagLog;
  auto r = loader::check_installable(sysfence_test::allow_all(), o, poor);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not support the seccomp flag log"), std::string::npos);
  EXPECT_NE(r.error().message.find("nothing was installed"), std::string::npos);
  EXPECT_NE(r.error().hint.find("4.14"), std::string::npos);

  r = loader::check_installable(Program{stmt(RET | K, kRetLog)}, {}, poor);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("does not support the action log"), std::string::npos)
      << r.error().render();
  // ALLOW-only programs are fine there, and kill_process (the prologue) is not: 4.14.
  r = loader::check_installable(Program{stmt(RET | K, kRetAllow)}, {}, poor);
  EXPECT_TRUE(r.ok());
  r = loader::check_installable(sysfence_test::allow_all(), {}, poor);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("kill_process"), std::string::npos);

  loader::KernelSupport no_syscall = poor;
  no_syscall.seccomp_syscall = false;
  o.flags = loader::kFlagTsync;
  r = loader::check_installable(Program{stmt(RET | K, kRetAllow)}, o, no_syscall);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sys_errno, ENOSYS);
}

// ---- Installing, in children -----------------------------------------------------------------

TEST(Install, EveryFlagIsAccepted) {
  if (!kernel_has_everything()) GTEST_SKIP() << "kernel lacks some flags";
  const uint32_t combos[] = {
      0,
      loader::kFlagTsync,
      loader::kFlagLog,
      loader::kFlagSpecAllow,
      loader::kFlagNewListener,
      loader::kFlagTsyncEsrch,
      loader::kFlagTsync | loader::kFlagTsyncEsrch,
      loader::kFlagNewListener | loader::kFlagWaitKillableRecv,
      loader::kFlagTsync | loader::kFlagTsyncEsrch | loader::kFlagNewListener,
      loader::kAllFlags,
  };
  for (uint32_t flags : combos) {
    auto r = run_child([flags] {
      loader::FilterOptions o;
      o.flags = flags;
      o.set_no_new_privs = true;
      auto inst = loader::install_filter(
          sysfence_test::filter({{SYS_getppid, ret_errno(EL3HLT)}}, kRetAllow), o);
      if (!inst) {
        child_say(inst.error().render());
        sysfence_test::child_exit(1);
      }
      CHILD_CHECK(inst->listener.valid() == ((flags & loader::kFlagNewListener) != 0));
      CHILD_CHECK(!inst->via_prctl);
      // The filter runs: getppid answers EL3HLT.
      errno = 0;
      CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == EL3HLT);
      auto st = loader::read_status();
      CHILD_CHECK(st && st->mode == loader::Mode::Filter && st->filters == 1);
      CHILD_CHECK(st->no_new_privs == true);
    });
    EXPECT_TRUE(r.exited(0)) << loader::flags_to_string(flags) << ": " << r.describe();
  }
}

TEST(Install, MaxLengthProgramInstalls) {
  auto r = run_child([] {
    Program p = sysfence_test::prologue();
    while (p.size() < 4095) p.push_back(jump(JMP | JEQ | K, 0xfffffff0u, 0, 0));
    p.push_back(stmt(RET | K, kRetAllow));
    CHILD_CHECK(p.size() == 4096);
    auto inst = loader::install_filter(p, sysfence_test::with_nnp());
    if (!inst) child_say(inst.error().render());
    CHILD_CHECK(inst.ok());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Install, KernelRejectionExplainsItself) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    // LD W ABS at offset 66: outside seccomp_data; the kernel's checker says EINVAL.
    Program bad = {stmt(LD | W | ABS, 66), stmt(RET | K, kRetAllow)};
    auto inst = loader::install_filter(bad, sysfence_test::with_nnp());
    CHILD_CHECK(!inst.ok());
    CHILD_CHECK(inst.error().sys_errno == EINVAL);
    child_say(inst.error().render());
    CHILD_CHECK(loader::read_status()->mode == loader::Mode::Disabled);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("EINVAL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bpf::verify"), std::string::npos) << r.out;
  // The verifier names the instruction the kernel refused.
  EXPECT_NE(r.out.find("instruction 0"), std::string::npos) << r.out;
}

TEST(Install, WithoutNoNewPrivsOrCapSysAdminExplainsTheFix) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  auto r = run_child([] {
    // Drop root (and with it CAP_SYS_ADMIN): nobody.
    CHILD_CHECK(setgid(65534) == 0 && setuid(65534) == 0);
    CHILD_CHECK(loader::get_no_new_privs().ok() && !*loader::get_no_new_privs());
    auto inst = loader::install_filter(sysfence_test::allow_all());
    CHILD_CHECK(!inst.ok());
    CHILD_CHECK(inst.error().sys_errno == EACCES);
    child_say(inst.error().render());
    // The fix works.
    CHILD_CHECK(loader::set_no_new_privs().ok());
    CHILD_CHECK(*loader::get_no_new_privs());
    inst = loader::install_filter(sysfence_test::allow_all());
    CHILD_CHECK(inst.ok());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("no_new_privs is off and the process lacks CAP_SYS_ADMIN: call "
                       "loader::set_no_new_privs() first"),
            std::string::npos)
      << r.out;
}

TEST(Install, OptionSetsNoNewPrivsOnlyAfterChecksPass) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  auto r = run_child([] {
    CHILD_CHECK(setgid(65534) == 0 && setuid(65534) == 0);
    loader::FilterOptions o;
    o.set_no_new_privs = true;
    o.flags = 1u << 12;  // refused: NNP must stay off
    CHILD_CHECK(!loader::install_filter(sysfence_test::allow_all(), o).ok());
    CHILD_CHECK(!*loader::get_no_new_privs());
    o.flags = 0;
    CHILD_CHECK(loader::install_filter(sysfence_test::allow_all(), o).ok());
    CHILD_CHECK(*loader::get_no_new_privs());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Install, FiltersStack) {
  auto r = run_child([] {
    loader::FilterOptions o = sysfence_test::with_nnp();
    CHILD_CHECK(
        loader::install_filter(sysfence_test::filter({{SYS_getppid, ret_errno(1)}}, kRetAllow), o)
            .ok());
    CHILD_CHECK(
        loader::install_filter(sysfence_test::filter({{SYS_getppid, ret_errno(2)}}, kRetAllow), o)
            .ok());
    auto st = loader::read_status();
    CHILD_CHECK(st && st->filters == 2);
    // Same action class: the most recently installed filter's data wins (kernel rule).
    errno = 0;
    CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == 2);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Install, LogFlagAndLogAction) {
  auto r = run_child([] {
    loader::FilterOptions o;
    o.flags = loader::kFlagLog;
    o.set_no_new_privs = true;
    auto inst =
        loader::install_filter(sysfence_test::filter({{SYS_getppid, kRetLog}}, kRetAllow), o);
    CHILD_CHECK(inst.ok());
    // LOG allows the call (the audit record goes to the kernel log).
    CHILD_CHECK(syscall(SYS_getppid) == getppid());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Install, UserNotifWithoutListenerIsEnosysWhenAllowed) {
  // The claim behind refusing it by default: the kernel answers ENOSYS.
  auto r = run_child([] {
    loader::FilterOptions o = sysfence_test::with_nnp();
    o.allow_user_notif_without_listener = true;
    CHILD_CHECK(
        loader::install_filter(sysfence_test::filter({{SYS_getppid, kRetUserNotif}}, kRetAllow), o)
            .ok());
    errno = 0;
    CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == ENOSYS);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

// ---- NO_NEW_PRIVS and DUMPABLE ----------------------------------------------------------------

TEST(Prctl, NoNewPrivsAndDumpable) {
  auto r = run_child([] {
    auto nnp = loader::get_no_new_privs();
    CHILD_CHECK(nnp.ok());
    CHILD_CHECK(loader::set_no_new_privs().ok());
    CHILD_CHECK(*loader::get_no_new_privs());
    CHILD_CHECK(loader::set_dumpable(false).ok());
    CHILD_CHECK(!*loader::get_dumpable());
    auto st = loader::read_status();
    CHILD_CHECK(st && st->dumpable == false && st->no_new_privs == true);
    CHILD_CHECK(loader::set_dumpable(true).ok());
    CHILD_CHECK(*loader::get_dumpable());
    CHILD_CHECK(prctl(PR_GET_DUMPABLE) == 1);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

// ---- Strict mode -----------------------------------------------------------------------------

TEST(Strict, ReadWriteAndExitWork) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    CHILD_CHECK(loader::install_strict().ok());
    child_say("still alive\n");
    syscall(SYS_exit, 7);
  });
  EXPECT_TRUE(r.exited(7)) << r.describe();
  EXPECT_EQ(r.out, "still alive\n");
}

TEST(Strict, OtherSyscallsKillWithSigkill) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    CHILD_CHECK(loader::install_strict().ok());
    child_say("before\n");
    syscall(SYS_getpid);
    child_say("after\n");
    syscall(SYS_exit, 0);
  });
  EXPECT_TRUE(r.signaled(SIGKILL)) << r.describe();
  EXPECT_EQ(r.out, "before\n");
}

TEST(Strict, ModesDoNotMix) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    CHILD_CHECK(loader::install_filter(sysfence_test::allow_all(), sysfence_test::with_nnp()).ok());
    auto s = loader::install_strict();
    CHILD_CHECK(!s.ok() && s.error().sys_errno == EINVAL);
    child_say(s.error().render());
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("modes cannot be mixed"), std::string::npos) << r.out;
}

// ---- TSYNC -----------------------------------------------------------------------------------

struct Blocker {
  int go[2];
  int ready[2];
  pid_t tid = 0;
  bool own_filter = false;
  long getppid_result = 0;
  int getppid_errno = 0;
};

void* blocker_main(void* arg) {
  auto* b = static_cast<Blocker*>(arg);
  b->tid = static_cast<pid_t>(syscall(SYS_gettid));
  if (b->own_filter) {
    loader::FilterOptions o = sysfence_test::with_nnp();
    if (!loader::install_filter(sysfence_test::filter({{SYS_getpgid, ret_errno(EIO)}}, kRetAllow),
                                o))
      sysfence_test::child_exit(90);
  }
  char c = 1;
  if (write(b->ready[1], &c, 1) != 1) sysfence_test::child_exit(91);
  if (read(b->go[0], &c, 1) != 1) sysfence_test::child_exit(92);
  errno = 0;
  b->getppid_result = syscall(SYS_getppid);
  b->getppid_errno = errno;
  return nullptr;
}

struct ThreadFixture {
  Blocker b;
  pthread_t th{};
  explicit ThreadFixture(bool own_filter) {
    b.own_filter = own_filter;
    CHILD_CHECK(pipe(b.go) == 0 && pipe(b.ready) == 0);
    CHILD_CHECK(pthread_create(&th, nullptr, blocker_main, &b) == 0);
    char c;
    CHILD_CHECK(read(b.ready[0], &c, 1) == 1);
  }
  void finish() {
    char c = 1;
    CHILD_CHECK(write(b.go[1], &c, 1) == 1);
    CHILD_CHECK(pthread_join(th, nullptr) == 0);
  }
};

TEST(Tsync, SecondThreadGetsTheFilter) {
  auto r = run_child([] {
    ThreadFixture t(false);
    loader::FilterOptions o;
    o.flags = loader::kFlagTsync;
    o.set_no_new_privs = true;
    auto inst = loader::install_filter(
        sysfence_test::filter({{SYS_getppid, ret_errno(ENOTUNIQ)}}, kRetAllow), o);
    if (!inst) child_say(inst.error().render());
    CHILD_CHECK(inst.ok());
    auto st = loader::read_status(0, t.b.tid);
    CHILD_CHECK(st && st->mode == loader::Mode::Filter && st->filters == 1);
    t.finish();
    CHILD_CHECK(t.b.getppid_result == -1 && t.b.getppid_errno == ENOTUNIQ);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Tsync, WithoutTsyncTheOtherThreadStaysFree) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    ThreadFixture t(false);
    const pid_t parent = getppid();
    CHILD_CHECK(loader::install_filter(
                    sysfence_test::filter({{SYS_getppid, ret_errno(ENOTUNIQ)}}, kRetAllow),
                    sysfence_test::with_nnp())
                    .ok());
    auto st = loader::read_status(0, t.b.tid);
    CHILD_CHECK(st && st->mode == loader::Mode::Disabled);
    t.finish();
    CHILD_CHECK(t.b.getppid_result == parent);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

TEST(Tsync, ThreadWithOtherFilterBlocksAndIsNamed) {
  if (!sysfence_test::unconfined()) GTEST_SKIP() << "the test process is already confined";
  auto r = run_child([] {
    ThreadFixture t(true);
    loader::FilterOptions o;
    o.flags = loader::kFlagTsync;
    o.set_no_new_privs = true;
    auto inst = loader::install_filter(sysfence_test::allow_all(), o);
    CHILD_CHECK(!inst.ok());
    CHILD_CHECK(loader::tsync_blocking_thread(inst.error()) == t.b.tid);
    const std::string want = "thread " + std::to_string(t.b.tid) + " cannot be synchronized";
    CHILD_CHECK(inst.error().message.find(want) != std::string::npos);
    child_say(inst.error().render());
    // Nothing was installed on this thread.
    auto st = loader::read_status(0, static_cast<pid_t>(syscall(SYS_gettid)));
    CHILD_CHECK(st && st->mode == loader::Mode::Disabled);
    t.finish();
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("TSYNC failed: thread "), std::string::npos) << r.out;
}

TEST(Tsync, EsrchVariantListsTheSuspect) {
  auto r = run_child([] {
    ThreadFixture t(true);
    loader::FilterOptions o;
    o.flags = loader::kFlagTsync | loader::kFlagTsyncEsrch;
    o.set_no_new_privs = true;
    auto inst = loader::install_filter(sysfence_test::allow_all(), o);
    CHILD_CHECK(!inst.ok());
    CHILD_CHECK(inst.error().sys_errno == ESRCH);
    CHILD_CHECK(!loader::tsync_blocking_thread(inst.error()).has_value());
    const std::string want = "differs from this one's: " + std::to_string(t.b.tid);
    CHILD_CHECK(inst.error().message.find(want) != std::string::npos);
    child_say(inst.error().render());
    t.finish();
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("ESRCH"), std::string::npos) << r.out;
}

TEST(Tsync, EsrchWithNewListenerReturnsTheListener) {
  auto r = run_child([] {
    ThreadFixture t(false);
    loader::FilterOptions o;
    o.flags = loader::kFlagTsync | loader::kFlagTsyncEsrch | loader::kFlagNewListener;
    o.set_no_new_privs = true;
    auto inst = loader::install_filter(sysfence_test::allow_all(), o);
    CHILD_CHECK(inst.ok() && inst->listener.valid());
    auto st = loader::read_status(0, t.b.tid);
    CHILD_CHECK(st && st->mode == loader::Mode::Filter);
    t.finish();
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
}

}  // namespace

namespace {

// ---- prctl fallback, on a kernel made to look older ---------------------------------------------

// A first filter answers seccomp(2) with ENOSYS, as a kernel before 3.17 would.
void pretend_no_seccomp_syscall() {
  Program hide = {
      stmt(LD | W | ABS, kOffNr),
      jump(JMP | JEQ | K, SYS_seccomp, 0, 1),
      stmt(RET | K, ret_errno(ENOSYS)),
      stmt(RET | K, kRetAllow),
  };
  CHILD_CHECK(loader::install_filter(hide, sysfence_test::with_nnp()).ok());
}

TEST(Fallback, PrctlWhenSeccompSyscallIsMissing) {
  auto r = run_child([] {
    pretend_no_seccomp_syscall();
    auto k = loader::probe();
    CHILD_CHECK(k.ok());
    CHILD_CHECK(!k->seccomp_syscall && k->filter_mode && k->flags == 0);
    // Without GET_ACTION_AVAIL only the pre-4.14 actions are assumed.
    CHILD_CHECK(k->action_available(kRetErrno) && !k->action_available(kRetKillProcess));
    // A flag cannot go through prctl: refused, nothing installed.
    loader::FilterOptions o = sysfence_test::with_nnp(loader::kFlagLog);
    Program p = {
        stmt(LD | W | ABS, kOffNr),
        jump(JMP | JEQ | K, SYS_getppid, 0, 1),
        stmt(RET | K, ret_errno(EL3HLT)),
        stmt(RET | K, kRetAllow),
    };
    auto inst = loader::install_filter(p, o);
    CHILD_CHECK(!inst.ok() && inst.error().sys_errno == ENOSYS);
    child_say(inst.error().render());
    CHILD_CHECK(sysfence_test::filter_count() == 1);
    // KILL_PROCESS is refused too: such a kernel would not have it.
    inst = loader::install_filter(sysfence_test::allow_all(), sysfence_test::with_nnp());
    CHILD_CHECK(!inst.ok() && inst.error().message.find("kill_process") != std::string::npos);
    // Without flags, prctl(PR_SET_SECCOMP) installs it.
    inst = loader::install_filter(p, sysfence_test::with_nnp());
    CHILD_CHECK(inst.ok() && inst->via_prctl);
    CHILD_CHECK(sysfence_test::filter_count() == 2);
    errno = 0;
    CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == EL3HLT);
  });
  EXPECT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("prctl() cannot pass flags log"), std::string::npos) << r.out;
}

}  // namespace
