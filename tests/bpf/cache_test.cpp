// Constant-allow cache analysis: hand cases for each acceptance rule, an independent oracle
// built on the emulator's trace, and the safety property (cached => ALLOW for every args/ip).
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "bpf/random_program.hpp"
#include "sysfence/bpf/builder.hpp"
#include "sysfence/bpf/cache.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {
namespace {

constexpr uint32_t kX86 = kAuditArchX86_64;

// arch check, then: getpid (39) allow, write (1) with an argument check, openat (257) errno,
// read (0) allow via a masked compare, everything else allow.
Program typical_filter() {
  Builder b;
  Label kill = b.label("kill"), allow = b.label("allow"), write_args = b.label("write");
  Label deny = b.label("deny");
  b.ld_abs(kOffArch).jeq(kX86, Builder::next, kill);
  b.ld_abs(kOffNr).jge(kX32SyscallBit, kill, Builder::next);
  b.jeq(39, allow, Builder::next);
  b.jeq(1, write_args, Builder::next);
  b.jeq(257, deny, Builder::next);
  b.alu_k(AND, 0xfffffffe).jeq(0, allow, allow);  // read (0) and write... masked compare
  b.bind(write_args).ld_abs(arg_lo(0)).jeq(2, deny, allow);
  b.bind(deny).ret(ret_errno(13));
  b.bind(allow).ret(kRetAllow);
  b.bind(kill).ret(kRetKillProcess);
  auto p = b.build();
  EXPECT_TRUE(p.ok());
  EXPECT_TRUE(verify(*p).ok());
  return *p;
}

TEST(Cache, TypicalFilter) {
  const Program p = typical_filter();
  EXPECT_TRUE(is_const_allow(p, kX86, 39));
  EXPECT_TRUE(is_const_allow(p, kX86, 0));
  EXPECT_TRUE(is_const_allow(p, kX86, 500));
  EXPECT_FALSE(is_const_allow(p, kX86, 1));    // loads an argument on its path
  EXPECT_FALSE(is_const_allow(p, kX86, 257));  // errno
  EXPECT_FALSE(is_const_allow(p, kX86, static_cast<int32_t>(kX32SyscallBit | 39)));
  EXPECT_FALSE(is_const_allow(p, kAuditArchI386, 39));  // killed
  EXPECT_FALSE(is_const_allow(p, kX86, -1));            // 0xffffffff >= x32 bit: killed
}

struct CacheCase {
  const char* name;
  Program prog;
  bool cached;
};

TEST(Cache, EachAcceptanceRule) {
  const Insn allow = stmt(RET | K, kRetAllow);
  const CacheCase cases[] = {
      {"RetAllow", {allow}, true},
      {"RetAllowWithData", {stmt(RET | K, kRetAllow | 1)}, false},
      {"RetLog", {stmt(RET | K, kRetLog)}, false},
      {"RetA", {stmt(LD | W | ABS, 0), stmt(RET | RVAL_A, 0)}, false},
      {"LoadNr", {stmt(LD | W | ABS, kOffNr), allow}, true},
      {"LoadArch", {stmt(LD | W | ABS, kOffArch), allow}, true},
      {"LoadIp", {stmt(LD | W | ABS, kOffIpLo), allow}, false},
      {"LoadArg", {stmt(LD | W | ABS, arg_hi(3)), allow}, false},
      {"LdImm", {stmt(LD | IMM, 39), allow}, false},
      {"LdLen", {stmt(LD | W | LEN, 0), allow}, false},
      {"Tax", {stmt(MISC | TAX, 0), allow}, false},
      {"Store", {stmt(ST, 0), allow}, false},
      {"AndK", {stmt(LD | W | ABS, 0), stmt(ALU | AND | K, 0xff), allow}, true},
      {"OrK", {stmt(ALU | OR | K, 1), allow}, false},
      {"AndX", {stmt(ALU | AND | X, 0), allow}, false},
      {"Ja", {stmt(JMP | JA, 1), stmt(RET | K, 0), allow}, true},
      {"JeqKTaken",
       {stmt(LD | W | ABS, 0), jump(JMP | JEQ | K, 39, 1, 0), stmt(RET | K, 0), allow},
       true},
      {"JgeK",
       {stmt(LD | W | ABS, 0), jump(JMP | JGE | K, 40, 0, 1), stmt(RET | K, 0), allow},
       true},
      {"JgtK",
       {stmt(LD | W | ABS, 0), jump(JMP | JGT | K, 38, 1, 0), stmt(RET | K, 0), allow},
       true},
      {"JsetK",
       {stmt(LD | W | ABS, 0), jump(JMP | JSET | K, 1, 1, 0), stmt(RET | K, 0), allow},
       true},
      {"JeqX", {jump(JMP | JEQ | X, 0, 0, 0), allow}, false},
      // An arg load on a path not taken does not matter.
      {"ArgLoadOffPath",
       {stmt(LD | W | ABS, 0), jump(JMP | JEQ | K, 39, 1, 0), stmt(LD | W | ABS, arg_lo(0)), allow},
       true},
  };
  for (const CacheCase& c : cases) {
    ASSERT_TRUE(verify(c.prog).ok()) << c.name;
    EXPECT_EQ(is_const_allow(c.prog, kX86, 39), c.cached) << c.name;
  }
}

TEST(Cache, StackNeedsEveryFilter) {
  const Program allow_all = {stmt(RET | K, kRetAllow)};
  const Program p = typical_filter();
  const Program arg_everywhere = {stmt(LD | W | ABS, arg_lo(0)), stmt(RET | K, kRetAllow)};
  EXPECT_TRUE(stack_is_const_allow(std::vector<Program>{allow_all, p}, kX86, 39));
  EXPECT_FALSE(stack_is_const_allow(std::vector<Program>{allow_all, p}, kX86, 257));
  EXPECT_FALSE(stack_is_const_allow(std::vector<Program>{arg_everywhere, p}, kX86, 39));
  const auto bits = stack_const_allow_bitmap(std::vector<Program>{allow_all, p}, kX86, 0, 300);
  const auto one = const_allow_bitmap(p, kX86, 0, 300);
  EXPECT_EQ(bits, one);
  const auto none = stack_const_allow_bitmap(std::vector<Program>{arg_everywhere, p}, kX86, 0, 300);
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
}

TEST(Cache, PerArchAnalysis) {
  const Program p = typical_filter();
  const ArchCache x86 = analyze_cache(p, arch::Arch::X86_64);
  ASSERT_GT(x86.cached.size(), 400u);
  EXPECT_TRUE(x86.kernel_caches);
  EXPECT_EQ(x86.cached_count(), x86.cached.size() - 2);  // all but write (1) and openat (257)
  EXPECT_FALSE(x86.cached[1]);
  EXPECT_FALSE(x86.cached[257]);
  EXPECT_EQ(analyze_cache(p, arch::Arch::I386).cached_count(), 0u);
  const ArchCache x32 = analyze_cache(p, arch::Arch::X32);
  EXPECT_FALSE(x32.kernel_caches);
  EXPECT_EQ(x32.first_nr, static_cast<int32_t>(kX32SyscallBit));
  EXPECT_EQ(x32.cached_count(), 0u);
  EXPECT_EQ(analyze_stack_cache(std::vector<Program>{p}, arch::Arch::X86_64).cached, x86.cached);
}

// An oracle that does not share code with cache.cpp: follow the emulator's trace for
// (arch, nr, zero args) and check that every executed instruction is one the kernel's walk
// accepts and that the RET is exactly RET K 0x7fff0000.
bool trace_oracle(const VerifiedProgram& vp, uint32_t arch_value, int32_t nr) {
  std::vector<uint32_t> trace;
  emulate(vp, SeccompData::make(arch_value, nr), &trace);
  for (uint32_t pc : trace) {
    const Insn& in = vp.program()[pc];
    const bool accepted = (in.code == (LD | W | ABS) && (in.k == kOffNr || in.k == kOffArch)) ||
                          in.code == (JMP | JA) || in.code == (JMP | JEQ | K) ||
                          in.code == (JMP | JGE | K) || in.code == (JMP | JGT | K) ||
                          in.code == (JMP | JSET | K) || in.code == (ALU | AND | K) ||
                          (in.code == (RET | K) && in.k == kRetAllow);
    if (!accepted) return false;
  }
  return true;
}

TEST(Cache, AgreesWithEmulatorOnRandomPrograms) {
  std::mt19937_64 rng(7);
  testing::GenOptions opt;
  opt.max_len = 24;
  opt.interesting = {0, 1, 2, 3, 39, 60, kX86, kAuditArchI386};
  int cached = 0, checked = 0;
  for (int n = 0; n < 4000; ++n) {
    Program p = testing::random_valid_program(rng, opt);
    // Bias towards cacheable programs: often keep only the instructions the walk accepts.
    if (rng() % 2 == 0) {
      for (Insn& in : p) {
        const bool keep = (in.code == (LD | W | ABS) && in.k <= 4) || class_of(in.code) == JMP ||
                          in.code == (ALU | AND | K) || class_of(in.code) == RET;
        if (!keep) in = stmt(LD | W | ABS, rng() % 2 ? kOffNr : kOffArch);
        if (class_of(in.code) == JMP && src_of(in.code) == X) in.code &= ~X;
        if (class_of(in.code) == RET && rng() % 2) in = stmt(RET | K, kRetAllow);
      }
    }
    auto vp = VerifiedProgram::make(p);
    ASSERT_TRUE(vp.ok()) << vp.error().message;
    for (uint32_t arch_value : {kX86, kAuditArchI386}) {
      for (int32_t nr : {0, 1, 2, 3, 39, 60, 61, -1}) {
        const bool c = is_const_allow(p, arch_value, nr);
        ASSERT_EQ(c, trace_oracle(*vp, arch_value, nr)) << "program " << n << " nr " << nr;
        ++checked;
        if (!c) continue;
        ++cached;
        // Safety: whatever the arguments and instruction pointer, the filter allows.
        for (int trial = 0; trial < 8; ++trial) {
          SeccompData d =
              SeccompData::make(arch_value, nr, rng(), rng(), rng(), rng(), rng(), rng());
          d.instruction_pointer = rng();
          ASSERT_EQ(emulate(*vp, d).ret, kRetAllow) << "program " << n;
        }
      }
    }
  }
  EXPECT_GT(cached, checked / 20) << "too few cacheable cases to prove anything";
  EXPECT_LT(cached, checked);
}

}  // namespace
}  // namespace sysfence::bpf
