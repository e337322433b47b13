// Compiler: table-driven emulator cases on all six arches, the arch doors (i386, x32), nr == -1,
// wrong arch, 64-bit and 32-bit comparisons, long jumps, the size limit, determinism.
#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace sysfence {
namespace {

using namespace bpf;
using namespace sysfence::testing;
using arch::Arch;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

constexpr uint32_t kEperm = kRetErrno | EPERM;

struct Probe {
  const char* syscall;
  uint64_t a0, a1;
  uint32_t want;    // on 64-bit arches
  uint32_t want32;  // on 32-bit arches (only the low words count)
};

// One policy, every action, every operator, checked through the emulator on every arch.
PolicySpec table_policy(Arch a) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.arches = {a};
  s.rules = {
      Rule::on("read", Action::allow()),
      Rule::on("write", Action::allow(), {ArgCmp::eq(0, 1)}),
      Rule::on("write", Action::allow(), {ArgCmp::eq(0, 2).as32()}),
      Rule::on("getpid", Action::kill_thread()),
      Rule::on("getppid", Action::trap(5)),
      Rule::on("umask", Action::trace(7), {ArgCmp::ne(0, 0)}),
      Rule::on("getpriority", Action::log(), {ArgCmp::lt(0, 3), ArgCmp::le(1, 10)}),
      Rule::on("setpriority", Action::user_notif(), {ArgCmp::gt(0, 5)}),
      Rule::on("setpriority", Action::kill_process(), {ArgCmp::ge(1, 100)}),
      Rule::on("close", Action::allow(), {ArgCmp::masked_eq(0, 0xff, 9)}),
      Rule::on("close", Action::errno_(9), {ArgCmp::masked_eq(0, 0x100, 0x100)}),
      Rule::on("dup", Action::allow(), {ArgCmp::masked_eq(0, 0x100000000ULL, 0)}),
      Rule::on("fchdir", Action::errno_(3)),
      Rule::on("fchdir", Action::errno_(4)),  // same kind: the earlier rule's data wins
  };
  return s;
}

const Probe kProbes[] = {
    {"read", 0, 0, kRetAllow, kRetAllow},
    {"read", ~0ULL, ~0ULL, kRetAllow, kRetAllow},
    {"write", 1, 0, kRetAllow, kRetAllow},
    {"write", 2, 0, kRetAllow, kRetAllow},               // low32 == 2
    {"write", 0x100000002ULL, 0, kRetAllow, kRetAllow},  // low32 == 2 too
    {"write", 0x100000001ULL, 0, kEperm, kRetAllow},     // 64-bit: high word differs
    {"write", 3, 0, kEperm, kEperm},
    {"getpid", 0, 0, kRetKillThread, kRetKillThread},
    {"getppid", 0, 0, kRetTrap | 5, kRetTrap | 5},
    {"umask", 0, 0, kEperm, kEperm},
    {"umask", 1, 0, kRetTrace | 7, kRetTrace | 7},
    {"umask", 0x100000000ULL, 0, kRetTrace | 7, kEperm},
    {"getpriority", 2, 10, kRetLog, kRetLog},
    {"getpriority", 3, 10, kEperm, kEperm},
    {"getpriority", 2, 11, kEperm, kEperm},
    {"getpriority", 0xffffffff00000001ULL, 0, kEperm, kRetLog},
    {"setpriority", 6, 0, kRetUserNotif, kRetUserNotif},
    {"setpriority", 5, 0, kEperm, kEperm},
    {"setpriority", 6, 100, kRetKillProcess, kRetKillProcess},  // most restrictive wins
    {"setpriority", 0, 0x100000000ULL, kRetKillProcess, kEperm},
    {"setpriority", 0x100000000ULL, 0, kRetUserNotif, kEperm},
    {"close", 9, 0, kRetAllow, kRetAllow},
    {"close", 0x1009, 0, kRetAllow, kRetAllow},
    {"close", 0x109, 0, kRetErrno | 9, kRetErrno | 9},  // both match: errno beats allow
    {"close", 0x100, 0, kRetErrno | 9, kRetErrno | 9},
    {"close", 0x8, 0, kEperm, kEperm},
    {"dup", 0, 0, kRetAllow, kRetAllow},
    {"dup", 0x100000000ULL, 0, kEperm, kRetAllow},  // 32-bit: the mask has no low bits
    {"fchdir", 0, 0, kRetErrno | 3, kRetErrno | 3},
};

class PerArch : public ::testing::TestWithParam<Arch> {};

TEST_P(PerArch, EveryActionAndOperator) {
  const Arch a = GetParam();
  const auto& ai = arch::info(a);
  const auto prog = compile_ok(table_policy(a));
  for (const Probe& p : kProbes) {
    const uint32_t want = ai.args_are_64bit ? p.want : p.want32;
    EXPECT_EQ(run(prog, ai.audit_arch, nr_of(a, p.syscall), p.a0, p.a1), want)
        << ai.name << " " << p.syscall << "(" << std::hex << p.a0 << ", " << p.a1 << ")";
  }
  // A named syscall without rules: the default. nr == -1 and numbers past the table: default
  // (no unknown_syscall_action here).
  EXPECT_EQ(run(prog, ai.audit_arch, nr_of(a, "openat")), kEperm);
  EXPECT_EQ(run(prog, ai.audit_arch, -1), kEperm);
  EXPECT_EQ(run(prog, ai.audit_arch, 0x3fffffff), ai.arch == Arch::X32 ? kRetKillProcess : kEperm);
  // Another arch's audit value: bad arch (kill_process by default).
  for (const auto& other : arch::all_arches()) {
    if (other.audit_arch == ai.audit_arch) continue;
    EXPECT_EQ(run(prog, other.audit_arch, nr_of(a, "read")), kRetKillProcess) << other.name;
  }
  EXPECT_EQ(run(prog, 0, 0), kRetKillProcess);
  EXPECT_EQ(run(prog, 0xffffffffU, 0), kRetKillProcess);
}

TEST_P(PerArch, UnknownSyscallAction) {
  const Arch a = GetParam();
  const auto& ai = arch::info(a);
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.unknown_syscall_action = Action::errno_(ENOSYS);
  s.bad_arch_action = Action::trap(1);
  s.arches = {a};
  s.rules = {Rule::on("read", Action::allow())};
  const auto prog = compile_ok(std::move(s));
  EXPECT_EQ(run(prog, ai.audit_arch, nr_of(a, "read")), kRetAllow);
  EXPECT_EQ(run(prog, ai.audit_arch, nr_of(a, "close")), kEperm);
  EXPECT_EQ(run(prog, ai.audit_arch, -1), kRetErrno | ENOSYS);
  const auto last = arch::syscalls(a).back().nr;
  EXPECT_EQ(run(prog, ai.audit_arch, last + 1), kRetErrno | ENOSYS);
  EXPECT_EQ(run(prog, ai.audit_arch, last + 1000), kRetErrno | ENOSYS);
  if (ai.arch != Arch::X32) {
    EXPECT_EQ(run(prog, ai.audit_arch, 0x40000000 | nr_of(a, "read")),
              ai.arch == Arch::X86_64 ? kRetTrap | 1 : kRetErrno | ENOSYS);
  }
  EXPECT_EQ(run(prog, ai.audit_arch, INT32_MIN),
            ai.arch == Arch::X86_64 ? kRetTrap | 1 : kRetErrno | ENOSYS);
  // Every number of the table: read allowed, the rest the default.
  for (const auto& e : arch::syscalls(a)) {
    EXPECT_EQ(run(prog, ai.audit_arch, e.nr), e.name == "read" ? kRetAllow : kEperm) << e.name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllArches, PerArch,
                         ::testing::Values(Arch::X86_64, Arch::I386, Arch::X32, Arch::AArch64,
                                           Arch::Arm, Arch::RiscV64),
                         [](const auto& info) { return std::string(arch::info(info.param).name); });

// ---- doors -----------------------------------------------------------------------------------

PolicySpec allow_read_on(std::vector<Arch> arches) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.bad_arch_action = Action::kill_thread();
  s.arches = std::move(arches);
  s.rules = {Rule::on("read", Action::allow()), Rule::on("getpid", Action::allow())};
  return s;
}

TEST(Doors, X86_64AloneKeepsI386AndX32Out) {
  const auto prog = compile_ok(allow_read_on({Arch::X86_64}));
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0), kRetAllow);                    // read
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000 | 0), kRetKillThread);  // x32 read
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000 | 39), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x7fffffff), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, INT32_MIN), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, -2), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, -1), kEperm);       // a tracer's skip: no door
  EXPECT_EQ(run(prog, kAuditArchI386, 3), kRetKillThread);  // i386 read via int 0x80
  EXPECT_EQ(run(prog, kAuditArchI386, 0), kRetKillThread);
  // Every x32 number: closed.
  for (const auto& e : arch::syscalls(Arch::X32))
    EXPECT_EQ(run(prog, kAuditArchX86_64, e.nr), kRetKillThread) << e.name;
}

TEST(Doors, X32Targeted) {
  const auto prog = compile_ok(allow_read_on({Arch::X86_64, Arch::X32}));
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000 | 0), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000 | 1), kEperm);
  EXPECT_EQ(run(prog, kAuditArchX86_64, INT32_MIN), kEperm);  // unknown x32 number
  EXPECT_EQ(run(prog, kAuditArchI386, 3), kRetKillThread);
}

TEST(Doors, X32AloneKeepsX86_64Out) {
  const auto prog = compile_ok(allow_read_on({Arch::X32}));
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000 | 0), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 39), kRetKillThread);
  EXPECT_EQ(run(prog, kAuditArchX86_64, -1), kEperm);
}

TEST(Doors, I386Targeted) {
  const auto prog = compile_ok(allow_read_on({Arch::X86_64, Arch::I386}));
  EXPECT_EQ(run(prog, kAuditArchI386, 3), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchI386, 20), kRetAllow);  // getpid on i386
  EXPECT_EQ(run(prog, kAuditArchI386, 0), kEperm);      // restart_syscall
  EXPECT_EQ(run(prog, kAuditArchX86_64, 39), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0x40000000), kRetKillThread);
}

TEST(Doors, AllSixArchesInOneFilter) {
  std::vector<Arch> all;
  for (const auto& ai : arch::all_arches()) all.push_back(ai.arch);
  auto p = build_ok(allow_read_on(all));
  const auto prog = compile_ok(p);
  for (const auto& ai : arch::all_arches()) {
    EXPECT_EQ(run(prog, ai.audit_arch, nr_of(ai.arch, "read")), kRetAllow) << ai.name;
    EXPECT_EQ(run(prog, ai.audit_arch, nr_of(ai.arch, "getpid")), kRetAllow) << ai.name;
    EXPECT_EQ(run(prog, ai.audit_arch, nr_of(ai.arch, "close")), kEperm) << ai.name;
  }
  EXPECT_EQ(run(prog, 0x12345678, 0), kRetKillThread);
}

TEST(Doors, ArchIsCheckedFirst) {
  const auto prog = compile_ok(allow_read_on({Arch::AArch64, Arch::X86_64}));
  const Program& p = prog.program();
  ASSERT_GE(p.size(), 2u);
  EXPECT_EQ(p[0], stmt(LD | W | ABS, kOffArch));
  // The native door (x86_64 on an amd64 build) is tested first.
  if (arch::native_arch() == Arch::X86_64) { EXPECT_EQ(p[1].k, kAuditArchX86_64); }
}

// ---- comparisons ---------------------------------------------------------------------------

TEST(Compare, SixtyFourBitOrderingUsesBothWords) {
  // CVE-2019-9893-style cases: the high word decides unless it is equal.
  struct C {
    ir::CmpOp op;
    uint64_t v;
    uint64_t x;
    bool want;
  };
  const uint64_t big = 0x100000005ULL;
  const C cases[] = {
      {ir::CmpOp::Gt, big, 0x100000006ULL, true},
      {ir::CmpOp::Gt, big, 0x100000005ULL, false},
      {ir::CmpOp::Gt, big, 0x200000000ULL, true},
      {ir::CmpOp::Gt, big, 0x0ffffffffULL, false},
      {ir::CmpOp::Gt, big, 6, false},
      {ir::CmpOp::Ge, big, big, true},
      {ir::CmpOp::Ge, big, 0x100000004ULL, false},
      {ir::CmpOp::Lt, big, 6, true},
      {ir::CmpOp::Lt, big, big, false},
      {ir::CmpOp::Lt, big, 0x200000000ULL, false},
      {ir::CmpOp::Le, big, big, true},
      {ir::CmpOp::Le, big, 0x100000006ULL, false},
      {ir::CmpOp::Eq, big, 5, false},
      {ir::CmpOp::Ne, big, 5, true},
      {ir::CmpOp::Lt, ~0ULL, ~0ULL - 1, true},
      {ir::CmpOp::Gt, 0, 1ULL << 32, true},
      {ir::CmpOp::Le, 0, 1ULL << 32, false},
      {ir::CmpOp::Ge, 1ULL << 63, 1ULL << 63, true},
  };
  for (const C& c : cases) {
    PolicySpec s;
    s.default_action = Action::errno_(1);
    s.arches = {Arch::X86_64};
    ArgCmp cmp;
    cmp.arg = 3;
    cmp.op = c.op;
    cmp.value = c.v;
    s.rules = {Rule::on("read", Action::allow(), {cmp})};
    const auto prog = compile_ok(std::move(s));
    EXPECT_EQ(run(prog, kAuditArchX86_64, 0, 0, 0, 0, c.x), c.want ? kRetAllow : kRetErrno | 1)
        << static_cast<int>(c.op) << " " << std::hex << c.v << " x=" << c.x;
  }
}

TEST(Compare, NegativeNumbersAreUnsigned) {
  PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {Arch::X86_64, Arch::I386};
  s.rules = {Rule::on("read", Action::allow(), {ArgCmp::gt(0, static_cast<uint64_t>(-5))}),
             Rule::on("write", Action::allow(), {ArgCmp::eq(0, static_cast<uint64_t>(-1)).as32()})};
  const auto prog = compile_ok(std::move(s));
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0, static_cast<uint64_t>(-1)), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0, 5), kRetErrno | 1);  // 5 < 2^64-5
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0, 0xfffffffcULL), kRetErrno | 1);
  EXPECT_EQ(run(prog, kAuditArchI386, 3, 0xfffffffcULL), kRetAllow);  // low word: -4 > -5
  EXPECT_EQ(run(prog, kAuditArchI386, 3, 0xfffffffaULL), kRetErrno | 1);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 1, 0xffffffffULL), kRetAllow);  // 32-bit compare
  EXPECT_EQ(run(prog, kAuditArchX86_64, 1, ~0ULL), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchI386, 4, 0xffffffffULL), kRetAllow);
}

TEST(Compare, JsetForFlagsAndAndForMasks) {
  PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {Arch::X86_64};
  s.rules = {Rule::on("read", Action::allow(), {ArgCmp::masked_eq(2, 0x4, 0)}),
             Rule::on("write", Action::allow(), {ArgCmp::masked_eq(2, 0x4, 0x4)}),
             Rule::on("close", Action::allow(), {ArgCmp::masked_eq(2, 0x3, 0x1)})};
  const auto prog = compile_ok(std::move(s));
  int jset = 0, and_k = 0, hi_loads = 0;
  for (const Insn& i : prog.program()) {
    if (i.code == (JMP | JSET | K)) ++jset;
    if (i.code == (ALU | AND | K)) ++and_k;
    if (i.code == (LD | W | ABS) && i.k == arg_hi(2)) ++hi_loads;
  }
  EXPECT_EQ(jset, 2);
  EXPECT_EQ(and_k, 1);
  EXPECT_EQ(hi_loads, 0);  // the masks have no high bits: the high word is never loaded
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0, 0, 0, 3), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 0, 0, 0, 4), kRetErrno | 1);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 1, 0, 0, 5), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 1, 0, 0, 3), kRetErrno | 1);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 3, 0, 0, 0x1001), kRetAllow);
  EXPECT_EQ(run(prog, kAuditArchX86_64, 3, 0, 0, 0x3), kRetErrno | 1);
}

// ---- structure -------------------------------------------------------------------------------

TEST(Structure, UnconditionalAllowsEndInExactlyRetAllowAndLoadOnlyNrAndArch) {
  PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {Arch::X86_64};
  for (const char* n : {"read", "write", "close", "mmap", "futex", "exit_group"})
    s.rules.push_back(Rule::on(n, Action::allow()));
  s.rules.push_back(Rule::on("ioctl", Action::allow(), {ArgCmp::eq(1, 0x5401)}));
  const auto prog = compile_ok(std::move(s));
  // Walk each unconditional allow's path: only LD nr/arch, JEQ/JGE/JGT/JSET K, JA, RET allow.
  for (const char* n : {"read", "write", "close", "mmap", "futex", "exit_group"}) {
    const int32_t nr = nr_of(Arch::X86_64, n);
    size_t pc = 0;
    uint32_t acc = 0;
    for (;;) {
      const Insn& i = prog.program().at(pc);
      if (i.code == (LD | W | ABS)) {
        ASSERT_TRUE(i.k == kOffNr || i.k == kOffArch) << n << " loads " << i.k;
        acc = i.k == kOffNr ? static_cast<uint32_t>(nr) : kAuditArchX86_64;
        ++pc;
      } else if (i.code == (JMP | JA)) {
        pc += 1 + i.k;
      } else if (class_of(i.code) == JMP) {
        ASSERT_EQ(src_of(i.code), K);
        bool t = false;
        switch (op_of(i.code)) {
          case JEQ: t = acc == i.k; break;
          case JGT: t = acc > i.k; break;
          case JGE: t = acc >= i.k; break;
          case JSET: t = (acc & i.k) != 0; break;
          default: FAIL() << "unexpected jump";
        }
        pc += 1 + (t ? i.jt : i.jf);
      } else {
        ASSERT_EQ(i, stmt(RET | K, kRetAllow)) << n;
        break;
      }
    }
  }
}

TEST(Structure, Deterministic) {
  auto p = build_ok(table_policy(Arch::X86_64));
  auto a = compiler::compile(p);
  auto b = compiler::compile(p);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  ir::ValidatedPolicy copy = p;  // copies rebind their rule pointers
  auto c = compiler::compile(copy);
  ASSERT_TRUE(c);
  EXPECT_EQ(*a, *c);
}

TEST(Structure, WeightingsAgreeOnMeaning) {
  auto p = build_ok(table_policy(Arch::X86_64));
  compiler::Options uni;
  uni.weighting = compiler::Weighting::Uniform;
  compiler::FrequencyProfile prof{{{Arch::X86_64, 1}, 1e6}, {{Arch::X86_64, 0}, 10}};
  compiler::Options fp;
  fp.profile = &prof;
  const auto pa = compile_ok(p), pb = compile_ok(p, uni), pc = compile_ok(p, fp);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 3000; ++i) {
    auto d = SeccompData::make(kAuditArchX86_64, static_cast<int32_t>(rng() % 500), rng() % 300);
    const uint32_t want = reference(p, d);
    EXPECT_EQ(emulate(pa, d).ret, want);
    EXPECT_EQ(emulate(pb, d).ret, want);
    EXPECT_EQ(emulate(pc, d).ret, want);
  }
  // The profile's favourite (write, nr 1) sits high: at most two splits below the nr load,
  // then its argument check (5: the later rule's value, 2, is tested first) and the RET.
  const auto w = SeccompData::make(kAuditArchX86_64, 1, 1);
  EXPECT_LE(emulate(pc, w).executed, 3u + 2u + 5u + 1u);
  EXPECT_LE(emulate(pc, w).executed, emulate(pb, w).executed);
}

TEST(Structure, LongJumpsStayCorrect) {
  // 400 syscalls with distinct argument checks: jump targets far beyond 255.
  PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {Arch::X86_64};
  size_t n = 0;
  for (const auto& e : arch::syscalls(Arch::X86_64)) {
    if (n++ >= 300) break;
    s.rules.push_back(Rule::on(std::string(e.name), Action::allow(),
                               {ArgCmp::eq(0, n), ArgCmp::gt(1, 0x100000000ULL * n)}));
    s.rules.push_back(Rule::on(std::string(e.name), Action::trace(static_cast<uint16_t>(n)),
                               {ArgCmp::masked_eq(2, 0xf0, n & 0xf0)}));
  }
  auto p = build_ok(std::move(s));
  const auto prog = compile_ok(p);
  EXPECT_GT(prog.size(), 1000u);
  bool has_ja = false;
  for (const Insn& i : prog.program()) has_ja = has_ja || i.code == (JMP | JA);
  EXPECT_TRUE(has_ja);
  std::mt19937_64 rng(7);
  for (const auto& e : arch::syscalls(Arch::X86_64)) {
    for (int k = 0; k < 8; ++k) {
      const uint64_t v = static_cast<uint64_t>(rng() % 310);
      auto d = SeccompData::make(kAuditArchX86_64, e.nr, k & 1 ? v : rng() % 4,
                                 (rng() % 400) * 0x80000000ULL, v);
      ASSERT_EQ(emulate(prog, d).ret, reference(p, d)) << e.name << " " << v;
    }
  }
}

TEST(Structure, TooLongIsAClearError) {
  PolicySpec s;
  s.default_action = Action::errno_(1);
  s.arches = {Arch::X86_64};
  for (uint64_t v = 0; v < 1500; ++v)
    s.rules.push_back(Rule::on("ioctl", Action::allow(), {ArgCmp::eq(1, v * 0x100000001ULL)}));
  auto p = build_ok(std::move(s));
  auto prog = compiler::compile(p);
  ASSERT_FALSE(prog);
  EXPECT_NE(prog.error().message.find("instructions"), std::string::npos) << prog.error().message;
  EXPECT_NE(prog.error().message.find("4096"), std::string::npos);
}

}  // namespace
}  // namespace sysfence

namespace sysfence {
namespace {

// Equality rules on one argument with one action (Docker's personality(0 | 8 | 0x20000 |
// 0x20008 | 0xffffffff)) are searched by value: same answers as the rules one by one, fewer
// instructions for the last values. Mixed with other rules and actions around the run.
TEST(ValueSets, SearchedByValueWithTheSameAnswers) {
  const std::vector<uint64_t> values = {0, 8, 0x20000, 0x20008, 0xffffffff};
  for (const arch::ArchInfo& ai : arch::all_arches()) {
    PolicySpec s;
    s.default_action = Action::errno_(EPERM);
    s.arches = {ai.arch};
    for (uint64_t v : values)
      s.rules.push_back(Rule::on("personality", Action::allow(), {ArgCmp::eq(0, v)}));
    s.rules.push_back(Rule::on("personality", Action::kill_process(), {ArgCmp::eq(0, 0x12345)}));
    for (uint64_t v : {3, 1, 4, 15, 9, 2, 6})
      s.rules.push_back(Rule::on("umask", Action::log(), {ArgCmp::eq(0, v).as32()}));
    s.rules.push_back(Rule::on("umask", Action::log(), {ArgCmp::eq(0, 5), ArgCmp::eq(1, 5)}));
    if (ai.args_are_64bit) {  // values with a high word: 64-bit arches only
      for (uint64_t v : {0x100000000ULL, 0x100000005ULL, 0x1000000ffULL, 0x100000007ULL})
        s.rules.push_back(Rule::on("getpgid", Action::trap(3), {ArgCmp::eq(0, v)}));
    }
    const ir::ValidatedPolicy p = build_ok(std::move(s));
    const auto prog = compile_ok(p);
    const std::vector<uint64_t> probes = {0,
                                          1,
                                          2,
                                          3,
                                          4,
                                          5,
                                          6,
                                          7,
                                          8,
                                          9,
                                          15,
                                          16,
                                          0x20000,
                                          0x20008,
                                          0x20009,
                                          0x12345,
                                          0xffffffff,
                                          0xfffffffe,
                                          0x100000000ULL,
                                          0x100000005ULL,
                                          0x1000000ffULL,
                                          0x100000007ULL,
                                          0x200000007ULL,
                                          0xffffffff00000008ULL};
    for (const char* name : {"personality", "umask", "getpgid"}) {
      const auto nr = arch::syscall_number(ai.arch, name);
      ASSERT_TRUE(nr) << name;
      for (uint64_t a0 : probes) {
        for (uint64_t a1 : {0ULL, 5ULL}) {
          bpf::SeccompData d = bpf::SeccompData::make(ai.audit_arch, *nr, a0, a1);
          if (!ai.args_are_64bit) d.args[0] &= 0xffffffffULL;
          EXPECT_EQ(bpf::emulate(prog, d).ret, reference(p, d))
              << ai.name << " " << name << "(" << std::hex << a0 << ", " << a1 << ")";
        }
      }
    }
    if (ai.arch != Arch::X86_64) continue;
    // personality(0xffffffff), the last of five rules: a chain in rule order would test four
    // values more than for personality(0); the search (a JGE split, then at most two levels)
    // costs at most two more.
    const auto nr = *arch::syscall_number(Arch::X86_64, "personality");
    const size_t last =
        bpf::emulate(prog, bpf::SeccompData::make(ai.audit_arch, nr, 0xffffffff)).executed;
    const size_t first = bpf::emulate(prog, bpf::SeccompData::make(ai.audit_arch, nr, 0)).executed;
    EXPECT_LE(last, first + 2);
  }
}

}  // namespace
}  // namespace sysfence
