// Tests of the tracer (sysfence/learn/tracer.hpp) on real processes: exit statuses, signals,
// group-stops, threads and children, the i386 door, and that nothing is left behind.
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/learn/tracer.hpp"

namespace {

using namespace sysfence;

struct Seen {
  std::map<std::pair<arch::Arch, std::string>, uint64_t> calls;
  std::set<pid_t> tids;
};

Seen trace_ok(const std::vector<std::string>& argv, int* code) {
  Seen s;
  learn::TraceOptions o;
  o.on_call = [&](const learn::TracedCall& c) {
    auto nm = arch::syscall_name(c.arch, c.nr);
    ++s.calls[{c.arch, nm ? std::string(*nm) : std::to_string(c.nr)}];
    s.tids.insert(c.tid);
  };
  auto r = learn::trace_program(argv, o);
  EXPECT_TRUE(r.ok()) << (r ? "" : r.error().render());
  if (r) *code = r->exit_code;
  return s;
}

uint64_t count(const Seen& s, arch::Arch a, const char* name) {
  auto it = s.calls.find({a, name});
  return it == s.calls.end() ? 0 : it->second;
}

// Nothing traced or stopped may outlive trace_program: every child was reaped.
void expect_no_children() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// learn --merge's filter: only the calls the policy does not allow stop (and still run: tracing
// enforces nothing); under the trace-everything filter the same run stops at every call.
TEST(Tracer, UnallowedFilterStopsOnlyWhereThePolicyDenies) {
  using namespace bpf;
  const auto uname_nr = static_cast<uint32_t>(*arch::syscall_number(arch::native_arch(), "uname"));
  const Program policy = {stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, uname_nr, 0, 1),
                          stmt(RET | K, ret_errno(EPERM)), stmt(RET | K, kRetAllow)};
  auto filter = learn::trace_unallowed_filter(policy);
  ASSERT_TRUE(filter.has_value());
  auto run = [&](const Program& f, std::set<std::string>* names) {
    learn::TraceOptions o;
    o.filter = f;
    o.on_call = [&](const learn::TracedCall& c) {
      auto nm = arch::syscall_name(c.arch, c.nr);
      names->insert(nm ? std::string(*nm) : std::to_string(c.nr));
    };
    auto r = learn::trace_program({"uname", "-s"}, o);
    EXPECT_TRUE(r.ok()) << (r ? "" : r.error().render());
    return r ? *r : learn::TraceResult{};
  };
  std::set<std::string> only, all;
  const learn::TraceResult few = run(*filter, &only);
  EXPECT_EQ(few.exit_code, 0);  // uname ran (the stop did not deny it)
  EXPECT_EQ(only, std::set<std::string>{"uname"});
  EXPECT_GE(few.stops, 1u);
  const learn::TraceResult every = run(learn::trace_everything_filter(), &all);
  EXPECT_EQ(every.exit_code, 0);
  EXPECT_GT(all.size(), 5u);
  EXPECT_GT(every.stops, 10 * few.stops);
  // Too long for the kernel: no filter rather than a broken one.
  const Program huge(bpf::kMaxInsns, stmt(RET | K, kRetAllow));
  EXPECT_FALSE(learn::trace_unallowed_filter(huge).has_value());
  expect_no_children();
}

TEST(Tracer, ExitStatusAndCalls) {
  int code = -1;
  Seen s = trace_ok({"sh", "-c", "exit 3"}, &code);
  EXPECT_EQ(code, 3);
  EXPECT_GT(count(s, arch::Arch::X86_64, "execve"), 0u);
  EXPECT_GT(count(s, arch::Arch::X86_64, "exit_group"), 0u);
  expect_no_children();
  // Positive control: the same command untraced exits 3 as well.
  EXPECT_EQ(WEXITSTATUS(std::system("sh -c 'exit 3'")), 3);
}

TEST(Tracer, KilledBySignalIs128PlusN) {
  int code = -1;
  trace_ok({"sh", "-c", "kill -TERM $$"}, &code);
  EXPECT_EQ(code, 128 + SIGTERM);
  expect_no_children();
}

TEST(Tracer, SignalsReachTheProgram) {
  // The program's own handler runs: the signal was delivered, not swallowed by the tracer.
  int code = -1;
  trace_ok({"sh", "-c", "trap 'exit 7' USR1; kill -USR1 $$; sleep 5; exit 1"}, &code);
  EXPECT_EQ(code, 7);
  expect_no_children();
}

TEST(Tracer, GroupStopIsKeptUntilSigcont) {
  // The shell stops itself; a background child continues it. Without PTRACE_LISTEN handling the
  // stop would either be lost or hang the run.
  int code = -1;
  Seen s =
      trace_ok({"sh", "-c", "(sleep 0.3; kill -CONT $$) & kill -STOP $$; wait; exit 5"}, &code);
  EXPECT_EQ(code, 5);
  EXPECT_GT(count(s, arch::Arch::X86_64, "kill"), 0u);
  expect_no_children();
}

TEST(Tracer, FollowsChildrenExecsAndThreads) {
  int code = -1;
  Seen s = trace_ok({"sh", "-c", "ls / >/dev/null; cat /dev/null"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_GE(count(s, arch::Arch::X86_64, "execve"), 3u);  // sh, ls, cat
  EXPECT_GE(s.tids.size(), 3u);
  EXPECT_GT(count(s, arch::Arch::X86_64, "getdents64"), 0u);  // made by ls, a grandchild
  if (::access("/usr/bin/python3", X_OK) == 0) {
    s = trace_ok({"python3", "-c",
                  "import threading; t = threading.Thread(target=lambda: "
                  "open('/dev/null').close()); t.start(); t.join()"},
                 &code);
    EXPECT_EQ(code, 0);
    EXPECT_GE(s.tids.size(), 2u);
  }
  expect_no_children();
}

// ---- processes and threads, however they are started ----------------------------------------
// Helper.Spawn starts a child (or thread) the way SYSFENCE_SPAWN says; the child calls getcpu
// once and exits with 0 if it ran, else its errno; the helper exits with the child's status.
// Under a RET_TRACE filter a child that the tracer does not follow gets ENOSYS for getcpu.
const char* const kSpawnModes[] = {"fork",   "vfork",           "clone", "clone-untraced",
                                   "clone3", "clone3-untraced", "thread"};

std::string self_exe() {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  self[n] = 0;
  return self;
}

int child_getcpu() {
  unsigned cpu = 0;
  return ::syscall(SYS_getcpu, &cpu, nullptr, nullptr) == 0 ? 0 : errno;
}

TEST(Helper, Spawn) {
  const char* mode_env = std::getenv("SYSFENCE_SPAWN");
  if (!mode_env) GTEST_SKIP() << "a helper for the tests below";
  const std::string mode = mode_env;
  int code = 100;
  if (mode == "thread") {
    pthread_t t;
    void* ret = nullptr;
    if (::pthread_create(
            &t, nullptr, [](void*) -> void* { return reinterpret_cast<void*>(child_getcpu()); },
            nullptr) == 0 &&
        ::pthread_join(t, &ret) == 0)
      code = static_cast<int>(reinterpret_cast<intptr_t>(ret));
    std::_Exit(code);
  }
  long pid = -1;
  const bool untraced = mode.find("untraced") != std::string::npos;
  if (mode == "fork") {
    pid = ::fork();
  } else if (mode == "vfork") {
    pid = ::vfork();
    if (pid == 0) ::_exit(child_getcpu());
  } else if (mode.rfind("clone3", 0) == 0) {
    clone_args a{};
    a.flags = untraced ? CLONE_UNTRACED : 0;
    a.exit_signal = SIGCHLD;
    pid = ::syscall(SYS_clone3, &a, sizeof a);
    if (pid < 0 && errno == ENOSYS)  // as glibc does
      pid = ::syscall(SYS_clone, SIGCHLD | (untraced ? CLONE_UNTRACED : 0), 0, 0, 0, 0);
  } else if (mode.rfind("clone", 0) == 0) {
    pid = ::syscall(SYS_clone, SIGCHLD | (untraced ? CLONE_UNTRACED : 0), 0, 0, 0, 0);
  }
  if (pid == 0) ::_exit(child_getcpu());
  int st = 0;
  if (pid > 0 && ::waitpid(static_cast<pid_t>(pid), &st, 0) == pid && WIFEXITED(st))
    code = WEXITSTATUS(st);
  std::_Exit(code);
}

// Every way of starting a process or thread is followed: the child's call is seen (and runs:
// an unfollowed child would get ENOSYS from the RET_TRACE filter), clone3 is answered ENOSYS
// and the fallback clone is followed, CLONE_UNTRACED is cleared. Nothing is left behind.
TEST(Tracer, FollowsEveryKindOfChild) {
  const std::string self = self_exe();
  ASSERT_FALSE(self.empty());
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);  // see SeesTheI386Door
  for (const char* mode : kSpawnModes) {
    SCOPED_TRACE(mode);
    ::setenv("SYSFENCE_SPAWN", mode, 1);
    // Positive control: untraced, the helper works.
    const std::string cmd = "'" + self + "' --gtest_filter=Helper.Spawn >/dev/null";
    const int plain = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(plain) && WEXITSTATUS(plain) == 0) << plain;
    uint64_t getcpus = 0, clone3s = 0, cleared = 0;
    std::set<pid_t> getcpu_tids, tids;
    learn::TraceOptions o;
    o.on_call = [&](const learn::TracedCall& c) {
      tids.insert(c.tid);
      auto nm = arch::syscall_name(c.arch, c.nr);
      const std::string name = nm ? std::string(*nm) : "";
      if (name == "getcpu") {
        ++getcpus;
        getcpu_tids.insert(c.tid);
      }
      if (name == "clone3") {
        ++clone3s;
        EXPECT_EQ(c.answer, learn::TracedCall::Answer::AnsweredEnosys);
      }
      if (c.answer == learn::TracedCall::Answer::ClearedUntraced) {
        ++cleared;
        EXPECT_EQ(name, "clone");
      }
    };
    auto r = learn::trace_program({self, "--gtest_filter=Helper.Spawn"}, o);
    ASSERT_TRUE(r.ok()) << r.error().render();
    EXPECT_EQ(r->exit_code, 0);  // the child's getcpu ran (not ENOSYS)
    EXPECT_EQ(getcpus, 1u);
    EXPECT_GE(r->processes, 2u);
    const std::string m = mode;
    if (m == "thread")
      EXPECT_LE(clone3s, 1u);  // glibc >= 2.34 tries clone3 first
    else
      EXPECT_EQ(clone3s, m.rfind("clone3", 0) == 0 ? 1u : 0u);
    EXPECT_EQ(cleared, m.find("untraced") != std::string::npos ? 1u : 0u);
    expect_no_children();
  }
  ::unsetenv("SYSFENCE_SPAWN");
}

// The prefix of every trace filter, checked in the kernel's terms by the emulator: clone3 and
// clone(CLONE_UNTRACED) stop with their marks on each ABI; everything else falls through.
TEST(Tracer, PrefixMarksClone3AndUntracedCloneOnEveryAbi) {
#if defined(__x86_64__)
  using namespace bpf;
  Program f = learn::traced_run_prefix();
  f.push_back(stmt(RET | K, kRetAllow));
  auto v = VerifiedProgram::make(f);
  ASSERT_TRUE(v.ok());
  struct Case {
    arch::Arch a;
    const char* name;
    uint64_t arg0;
    uint32_t expect;
  };
  const Case cases[] = {
      {arch::Arch::X86_64, "clone3", 0, ret_trace(learn::kTraceDataClone3)},
      {arch::Arch::X32, "clone3", 0, ret_trace(learn::kTraceDataClone3)},
      {arch::Arch::I386, "clone3", 0, ret_trace(learn::kTraceDataClone3)},
      {arch::Arch::X86_64, "clone", 0x00800000 | SIGCHLD,
       ret_trace(learn::kTraceDataUntracedClone)},
      {arch::Arch::X32, "clone", 0x00800000, ret_trace(learn::kTraceDataUntracedClone)},
      {arch::Arch::I386, "clone", 0x00800000, ret_trace(learn::kTraceDataUntracedClone)},
      {arch::Arch::X86_64, "clone", SIGCHLD, kRetAllow},
      {arch::Arch::I386, "clone", 0xff7fffff, kRetAllow},
      {arch::Arch::X86_64, "fork", 0x00800000, kRetAllow},
      {arch::Arch::I386, "getpid", 0x00800000, kRetAllow},
  };
  for (const Case& c : cases) {
    const auto& ai = arch::info(c.a);
    const auto nr = *arch::syscall_number(c.a, c.name);
    EXPECT_EQ(emulate(*v, SeccompData::make(ai.audit_arch, nr, c.arg0)).ret, c.expect)
        << ai.name << " " << c.name;
  }
#else
  EXPECT_TRUE(learn::traced_run_prefix().empty());
#endif
}

TEST(Tracer, NotFoundIsAnError) {
  learn::TraceOptions o;
  auto r = learn::trace_program({"/nonexistent/prog"}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sys_errno, ENOENT);
  r = learn::trace_program({}, o);
  EXPECT_FALSE(r.ok());
  expect_no_children();
}

#if defined(__x86_64__)
// The i386 door: a 64-bit program that makes one `int 0x80` call (getpid is 20 on i386).
TEST(Tracer, SeesTheI386Door) {
  int code = -1;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = 0;
  // The traced copy of this binary must not run LeakSanitizer at exit (asan preset): LSan
  // suspends threads with ptrace, which a process that is already traced cannot do, and it
  // spins. This process keeps its own leak check; the setting only reaches the child.
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
  Seen s = trace_ok({self, "--gtest_filter=Helper.Int80"}, &code);
  EXPECT_EQ(code, 0);
  EXPECT_EQ(count(s, arch::Arch::I386, "getpid"), 1u);
#ifndef __SANITIZE_ADDRESS__  // the ASan runtime calls getpid natively on its own
  EXPECT_EQ(count(s, arch::Arch::X86_64, "getpid"), 0u);
#endif
  expect_no_children();
}

TEST(Helper, Int80) {
  long ret;
  asm volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
  (void)ret;  // getpid's value, or -ENOSYS when the kernel has no IA32 emulation
}
#endif

}  // namespace
