// Tests of the tracer (sysfence/learn/tracer.hpp) on real processes: exit statuses, signals,
// group-stops, threads and children, the i386 door, and that nothing is left behind.
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>
#include <string>

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
