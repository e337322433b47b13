// The emulator agrees with the running kernel: random valid programs (and stacks of them) are
// emulated on harmless syscalls, then installed in forked children that make the same calls;
// the errno, success, SIGSYS (with si_errno) or death must be what the emulator predicts.
// The random test makes each call through the x86_64, i386 (int 0x80) and x32 entry points and
// compares at least 10,000 cases per run (release build), many per forked child. Its seed is
// printed; SYSFENCE_TEST_SEED=<seed> (or SYSFENCE_DIFF_SEED) runs the same cases again.
#include <errno.h>
#include <sys/syscall.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bpf/live_kernel.hpp"
#include "bpf/random_program.hpp"
#include "common/test_seed.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

using testing::LiveCall;
using testing::LiveObservation;

uint32_t arch_of(const LiveCall& c) { return c.int80 ? kAuditArchI386 : kAuditArchX86_64; }

// What the kernel hands the filter for `c`: an i386 call sees the low 32 bits of each register
// and the address after its `int 0x80`.
SeccompData data_for(const LiveCall& c, uint64_t ip, uint64_t int80_ip = 0) {
  const uint64_t m = c.int80 ? 0xffffffffULL : ~0ULL;
  SeccompData d =
      SeccompData::make(arch_of(c), static_cast<int32_t>(c.nr), c.args[0] & m, c.args[1] & m,
                        c.args[2] & m, c.args[3] & m, c.args[4] & m, c.args[5] & m);
  d.instruction_pointer = c.int80 ? int80_ip : ip;
  return d;
}

// Empty when the observation is what `ret` makes the kernel do; else a description.
std::string mismatch(uint32_t ret, const LiveCall& call, const LiveObservation& o) {
  const Decision d = outcome_of(ret);
  using Kind = LiveObservation::Kind;
  bool ok = false;
  switch (d.outcome) {
    case Outcome::Allow: ok = o.kind == Kind::kReturned && o.ret == o.natural; break;
    case Outcome::Errno: ok = o.kind == Kind::kReturned && o.ret == -d.value; break;
    case Outcome::NoTracer: ok = o.kind == Kind::kReturned && o.ret == -ENOSYS; break;
    case Outcome::Trap:
      ok = o.kind == Kind::kTrapped && o.trap_errno == d.value && o.trap_syscall == call.nr &&
           o.trap_arch == arch_of(call);
      break;
    case Outcome::KillThread: ok = o.kind == Kind::kThreadKilled; break;
    case Outcome::KillProcess: ok = o.kind == Kind::kProcessKilled; break;
  }
  if (ok) return {};
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s syscall %#lx: emulator says %s (0x%08x), kernel: ",
                call.int80               ? "i386"
                : (call.nr & 0x40000000) ? "x32"
                                         : "x86_64",
                call.nr, action_name(ret).c_str(), ret);
  return buf + testing::describe(o);
}

enum class Entry { kX86_64, kI386, kX32 };

// The four harmless calls' numbers per entry point: getppid, getpgid, umask, getpriority.
struct Numbers {
  long getppid, getpgid, umask, getpriority;
};
Numbers numbers(Entry e) {
  switch (e) {
    case Entry::kI386: return {64, 132, 60, 96};
    case Entry::kX32:
      return {0x40000000 | SYS_getppid, 0x40000000 | SYS_getpgid, 0x40000000 | SYS_umask,
              0x40000000 | SYS_getpriority};
    case Entry::kX86_64: break;
  }
  return {SYS_getppid, SYS_getpgid, SYS_umask, SYS_getpriority};
}

std::vector<LiveCall> random_calls(std::mt19937_64& rng, size_t n, Entry entry = Entry::kX86_64) {
  std::vector<LiveCall> calls;
  const Numbers nrs = numbers(entry);
  auto high = [&] { return (rng() % 3 == 0) ? (rng() << 32) : 0; };
  for (size_t i = 0; i < n; ++i) {
    LiveCall c;
    c.int80 = entry == Entry::kI386;
    for (uint64_t& a : c.args) a = rng() % 4 == 0 ? rng() : rng() % 5;  // unused args too
    switch (rng() % 4) {
      case 0: c.nr = nrs.getppid; break;
      case 1: {
        static constexpr uint64_t kPids[] = {0, 1, 999999};
        c.nr = nrs.getpgid;
        c.args[0] = kPids[rng() % 3] | high();
        break;
      }
      case 2:
        c.nr = nrs.umask;  // the low 9 bits stay 022, so every call leaves the mask as it was
        c.args[0] = 022 | (rng() % 4 ? 0 : (rng() << 9));
        break;
      default: {
        static constexpr uint64_t kWhich[] = {0, 1, 2, 7};
        c.nr = nrs.getpriority;
        c.args[0] = kWhich[rng() % 4] | high();
        c.args[1] = (rng() % 2 ? 0 : rng() % 100000) | high();
        break;
      }
    }
    calls.push_back(c);
  }
  return calls;
}

testing::GenOptions options_for(const std::vector<LiveCall>& calls, uint64_t ip,
                                uint64_t int80_ip = 0) {
  testing::GenOptions opt;
  opt.max_len = 36;
  opt.avoid_errnos = {EPERM, ESRCH, EINVAL, ENOSYS};  // natural failures of the calls used
  opt.interesting = {SYS_getppid,
                     SYS_getpgid,
                     SYS_umask,
                     SYS_getpriority,
                     kAuditArchX86_64,
                     kAuditArchI386,
                     static_cast<uint32_t>(ip),
                     static_cast<uint32_t>(ip >> 32),
                     static_cast<uint32_t>(int80_ip),
                     static_cast<uint32_t>(int80_ip >> 32),
                     0x40000000};
  for (Entry e : {Entry::kI386, Entry::kX32}) {
    const Numbers n = numbers(e);
    for (long nr : {n.getppid, n.getpgid, n.umask, n.getpriority})
      opt.interesting.push_back(static_cast<uint32_t>(nr));
  }
  for (const LiveCall& c : calls) {
    for (uint64_t a : c.args) {
      opt.interesting.push_back(static_cast<uint32_t>(a));
      opt.interesting.push_back(static_cast<uint32_t>(a >> 32));
    }
  }
  return opt;
}

TEST(Differential, RandomProgramsAgreeWithKernel) {
  if (!testing::live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  const uint64_t ip = testing::live_syscall_ip();
  const uint64_t int80_ip = testing::live_int80_ip();  // 0: no i386 entry on this kernel
  const uint64_t seed = sysfence::testing::test_seed("SYSFENCE_DIFF_SEED");
  std::mt19937_64 rng(seed);
#if defined(__SANITIZE_ADDRESS__)
  const int kPrograms = 150;  // forking a sanitized process is several times slower
#else
  const int kPrograms = 400;  // x 27 calls: 10,800 cases
#endif
  // Per program: 9 calls through each entry point, all made in one child (a new child only
  // after a call that kills).
  const size_t kCallsPerEntry = 9;
  int forks = 0, stacks = 0, compared = 0;
  int by_outcome[6] = {};
  int by_entry[3] = {};
  const auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < kPrograms; ++n) {
    std::vector<LiveCall> calls;
    for (Entry e : {Entry::kX86_64, Entry::kI386, Entry::kX32}) {
      if (e == Entry::kI386 && int80_ip == 0) continue;
      for (const LiveCall& c : random_calls(rng, kCallsPerEntry, e)) calls.push_back(c);
    }
    std::shuffle(calls.begin(), calls.end(), rng);
    const testing::GenOptions opt = options_for(calls, ip, int80_ip);
    const size_t depth = rng() % 5 == 0 ? 2 + rng() % 2 : 1;
    std::vector<Program> oldest_first;
    while (oldest_first.size() < depth) {
      // A newer filter is installed by a seccomp(2) call that the older ones must allow.
      Program p = testing::random_valid_program(rng, opt);
      if (!oldest_first.empty()) {
        const std::vector<Program> installed(oldest_first.rbegin(), oldest_first.rend());
        const auto e = emulate_stack(installed, data_for(testing::install_call(), ip));
        if (outcome_of(e->ret).outcome != Outcome::Allow) {
          oldest_first.clear();
          continue;
        }
      }
      oldest_first.push_back(std::move(p));
    }
    stacks += depth > 1;
    const std::vector<Program> newest_first(oldest_first.rbegin(), oldest_first.rend());
    if (std::getenv("SYSFENCE_DEBUG_LIVE") != nullptr) {
      std::fprintf(stderr, "program %d\n", n);
      for (const Program& f : oldest_first) std::fprintf(stderr, "%s--\n", disassemble(f).c_str());
      for (const LiveCall& c : calls) {
        std::fprintf(
            stderr, "call %s %ld: %s\n", c.int80 ? "i386" : "syscall", c.nr,
            action_name(emulate_stack(newest_first, data_for(c, ip, int80_ip))->ret).c_str());
      }
    }
    const testing::LiveRun run = testing::live_run(oldest_first, calls);
    forks += run.forks;
    ASSERT_EQ(run.load_errno, 0) << "the kernel refused a program our verifier accepted";
    for (size_t i = 0; i < calls.size(); ++i) {
      auto e = emulate_stack(newest_first, data_for(calls[i], ip, int80_ip));
      ASSERT_TRUE(e.ok());
      ++by_outcome[static_cast<int>(outcome_of(e->ret).outcome)];
      ++by_entry[calls[i].int80 ? 1 : (calls[i].nr & 0x40000000) ? 2 : 0];
      const std::string why = mismatch(e->ret, calls[i], run.observations[i]);
      ++compared;
      if (!why.empty()) {
        std::string dump;
        for (size_t f = 0; f < newest_first.size(); ++f) {
          dump +=
              "filter " + std::to_string(f) + " (newest first):\n" + disassemble(newest_first[f]);
        }
        FAIL() << "seed " << seed << ", program " << n << ", call " << i << ": " << why << "\n"
               << dump << "rerun with SYSFENCE_TEST_SEED=" << seed;
      }
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "[ measured ] seed %llu: %d programs (%d stacks), %d calls compared (x86_64 %d, i386 %d, "
      "x32 %d), %d forks, %.2f s; allow %d errno %d trap %d no-tracer %d kill-thread %d "
      "kill-process %d\n",
      static_cast<unsigned long long>(seed), kPrograms, stacks, compared, by_entry[0], by_entry[1],
      by_entry[2], forks, secs, by_outcome[0], by_outcome[1], by_outcome[2], by_outcome[3],
      by_outcome[4], by_outcome[5]);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_GE(compared, int80_ip ? 10000 : 7000);
#endif
  if (int80_ip == 0) std::printf("[ skipped  ] i386 entry: this kernel has no int 0x80\n");
  // The mix must exercise every outcome, or the test proves less than it claims.
  for (int o = 0; o < 6; ++o) EXPECT_GT(by_outcome[o], 5) << "outcome " << o;
}

// Hand-written programs whose kernel behaviour is known, live and emulated.
TEST(Differential, HandWrittenProgramsAgreeWithKernel) {
  if (!testing::live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  const uint64_t ip = testing::live_syscall_ip();
  // Returns args[1].lo as the action (RET A) for getppid; for umask, whatever the program says.
  auto ret_arg = [](uint32_t umask_ret) {
    return Program{stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, SYS_getppid, 0, 2),
                   stmt(LD | W | ABS, arg_lo(1)), stmt(RET | RVAL_A, 0), stmt(RET | K, umask_ret)};
  };
  struct Expect {
    uint32_t value;  // args[1] for getppid
    LiveObservation::Kind kind;
    long ret_or_trap;  // raw return, or si_errno for a trap
  };
  using Kind = LiveObservation::Kind;
  const Expect table[] = {
      {ret_errno(13), Kind::kReturned, -13},
      {ret_errno(0), Kind::kReturned, 0},
      {ret_errno(5000), Kind::kReturned, -4095},  // clamped to MAX_ERRNO
      {ret_trace(3), Kind::kReturned, -ENOSYS},   // no tracer
      {kRetUserNotif, Kind::kReturned, -ENOSYS},  // no listener
      {ret_trap(77), Kind::kTrapped, 77},
      {kRetKillThread | 5, Kind::kThreadKilled, 0},
      {kRetKillProcess, Kind::kProcessKilled, 0},
      {0x00010000, Kind::kProcessKilled, 0},  // unknown action
      {0x7ffe0000, Kind::kProcessKilled, 0},  // unknown action between LOG and ALLOW
  };
  std::vector<LiveCall> calls;
  for (const Expect& e : table) {
    LiveCall c;
    c.nr = SYS_getppid;
    c.args[1] = e.value;
    calls.push_back(c);
  }
  const Program prog = ret_arg(kRetAllow);
  const auto run = testing::live_run(std::span<const Program>(&prog, 1), calls);
  ASSERT_EQ(run.load_errno, 0);
  for (size_t i = 0; i < calls.size(); ++i) {
    const LiveObservation& o = run.observations[i];
    EXPECT_EQ(o.kind, table[i].kind) << action_name(table[i].value) << ": " << testing::describe(o);
    if (o.kind == Kind::kReturned) { EXPECT_EQ(o.ret, table[i].ret_or_trap); }
    if (o.kind == Kind::kTrapped) { EXPECT_EQ(o.trap_errno, table[i].ret_or_trap); }
    auto e = emulate(prog, data_for(calls[i], ip));
    EXPECT_EQ(mismatch(e->ret, calls[i], o), "");
  }
  // A stack: the newer filter's errno wins a tie; a more restrictive older filter wins.
  LiveCall um;
  um.nr = SYS_umask;
  um.args[0] = 022;
  LiveCall second_call;
  second_call.nr = SYS_getppid;
  second_call.args[1] = ret_trap(9);
  // Both allow seccomp(2), so the newer one can be installed over the older.
  const std::vector<Program> stack = {
      {stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, SYS_seccomp, 0, 1), stmt(RET | K, kRetAllow),
       stmt(RET | K, ret_errno(5))},
      {stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, SYS_seccomp, 0, 1), stmt(RET | K, kRetAllow),
       stmt(RET | K, ret_errno(7))}};
  const std::vector<LiveCall> stack_calls = {um, second_call};
  const auto srun = testing::live_run(stack, stack_calls);
  ASSERT_EQ(srun.load_errno, 0);
  EXPECT_EQ(srun.observations[0].ret, -7);  // tie between errno(5) (older) and errno(7) (newer)
  const std::vector<Program> newest_first(stack.rbegin(), stack.rend());
  for (size_t i = 0; i < stack_calls.size(); ++i) {
    auto e = emulate_stack(newest_first, data_for(stack_calls[i], ip));
    EXPECT_EQ(mismatch(e->ret, stack_calls[i], srun.observations[i]), "");
  }
}

// Shifts by X use X & 31 in the kernel (interpreter and x86-64 JIT): measured, not assumed.
TEST(Differential, ShiftByXMasksTo5Bits) {
  if (!testing::live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  // errno(1 << X) for umask, errno(0x800 >> X) for getppid; X = args[1].
  const Program prog = {stmt(LD | W | ABS, arg_lo(1)),
                        stmt(MISC | TAX, 0),
                        stmt(LD | W | ABS, kOffNr),
                        jump(JMP | JEQ | K, SYS_umask, 0, 4),
                        stmt(LD | IMM, 1),
                        stmt(ALU | LSH | X, 0),
                        stmt(ALU | OR | K, kRetErrno),
                        stmt(RET | RVAL_A, 0),
                        stmt(LD | IMM, 0x800),
                        stmt(ALU | RSH | X, 0),
                        stmt(ALU | OR | K, kRetErrno),
                        stmt(RET | RVAL_A, 0)};
  std::vector<LiveCall> calls;
  for (uint64_t x : {0ull, 1ull, 11ull, 31ull, 32ull, 33ull, 43ull, 63ull, 64ull, 0xffffffffull}) {
    for (long nr : {long{SYS_umask}, long{SYS_getppid}}) {
      LiveCall c;
      c.nr = nr;
      c.args[0] = 022;
      c.args[1] = x;
      calls.push_back(c);
    }
  }
  const auto run = testing::live_run(std::span<const Program>(&prog, 1), calls);
  ASSERT_EQ(run.load_errno, 0);
  const uint64_t ip = testing::live_syscall_ip();
  for (size_t i = 0; i < calls.size(); ++i) {
    auto e = emulate(prog, data_for(calls[i], ip));
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(mismatch(e->ret, calls[i], run.observations[i]), "") << "X = " << calls[i].args[1];
  }
  // And the emulator's answer really is the masked one (not 0 for X >= 32).
  EXPECT_EQ(emulate(prog, data_for(calls[10], ip))->ret, ret_errno(2));  // umask, X = 33
}

TEST(Differential, DivisionByZeroXKillsTheThread) {
  if (!testing::live_kernel_available()) GTEST_SKIP() << "no live seccomp on this machine";
  const Program prog = {stmt(LD | W | ABS, arg_lo(1)), stmt(MISC | TAX, 0),
                        stmt(LD | IMM, 100),           stmt(ALU | DIV | X, 0),
                        stmt(ALU | OR | K, kRetErrno), stmt(RET | RVAL_A, 0)};
  std::vector<LiveCall> calls(3);
  for (LiveCall& c : calls) c.nr = SYS_getppid;
  calls[0].args[1] = 5;
  calls[1].args[1] = 0;
  calls[2].args[1] = 7;
  const auto run = testing::live_run(std::span<const Program>(&prog, 1), calls);
  ASSERT_EQ(run.load_errno, 0);
  EXPECT_EQ(run.observations[0].ret, -20);
  EXPECT_EQ(run.observations[1].kind, LiveObservation::Kind::kThreadKilled);
  EXPECT_EQ(run.observations[2].ret, -14);
  EXPECT_EQ(emulate(prog, data_for(calls[1], 0))->ret, 0u);
}

}  // namespace
}  // namespace sysfence::bpf
