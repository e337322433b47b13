// Tests of the diff engine (sysfence/diff/diff.hpp): exactness against the emulator on random
// policy pairs (every input where the filters disagree lies in exactly one reported region, and
// no input where they agree lies in any), examples that really differ, stacks, refusals.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/diff/diff.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

using namespace sysfence;

ir::ValidatedPolicy load(const std::string& text) {
  auto p = frontend::load_policy_text(text, "t.policy");
  if (!p.ok()) {
    ADD_FAILURE() << p.render() << text;
    std::abort();
  }
  return *p.value;
}

bpf::Program compiled(const ir::ValidatedPolicy& p) { return *compiler::compile(p); }

diff::FilterGraph graph(const bpf::Program& p) {
  auto g = diff::FilterGraph::from_program(p);
  if (!g) {
    ADD_FAILURE() << g.error().render();
    std::abort();
  }
  return *g;
}

diff::DiffResult compare(const bpf::Program& a, const bpf::Program& b) {
  const auto ga = graph(a), gb = graph(b);
  auto r = diff::compare({&ga, 1}, {&gb, 1});
  if (!r) {
    ADD_FAILURE() << r.error().render();
    std::abort();
  }
  return *r;
}

bool in_region(const diff::Region& r, const bpf::SeccompData& d) {
  uint32_t w[16];
  static_assert(sizeof(d) == sizeof(w));
  std::memcpy(w, &d, sizeof w);
  if (bpf::audit_arch_big_endian(d.arch))  // the ABI's byte order: high word first
    for (int i = 2; i < 16; i += 2) std::swap(w[i], w[i + 1]);
  for (int i = 0; i < 16; ++i)
    if (!r.words[i].contains(w[i])) return false;
  return true;
}

uint32_t emu(const bpf::Program& p, const bpf::SeccompData& d) { return bpf::emulate(p, d)->ret; }

TEST(Diff, IdenticalFiltersAreEquivalent) {
  auto def = frontend::load_default_policy();
  ASSERT_TRUE(def.ok());
  const auto p = compiled(*def.value);
  const auto r = compare(p, p);
  EXPECT_TRUE(r.differences.empty());
  EXPECT_GT(r.paths_a, 50u);
}

TEST(Diff, FindsExactlyTheChangedRule) {
  const std::string base = "default errno EPERM\narch x86_64\nread, write, close: allow\n";
  const auto a = compiled(load(base + "clone: allow\n"));
  const auto b = compiled(load(base + "clone: (u32(flags) & CLONE_NEWUSER) == 0\n"));
  const auto r = compare(a, b);
  ASSERT_EQ(r.differences.size(), 1u);
  const diff::Difference& d = r.differences[0];
  EXPECT_EQ(d.ret_a, bpf::kRetAllow);
  EXPECT_EQ(d.ret_b, bpf::ret_errno(EPERM));
  EXPECT_EQ(emu(a, d.example), d.ret_a);
  EXPECT_EQ(emu(b, d.example), d.ret_b);
  const auto sc = diff::syscalls_in(d.region);
  ASSERT_EQ(sc.size(), 1u);
  EXPECT_EQ(sc[0].arch, arch::Arch::X86_64);
  ASSERT_EQ(sc[0].numbers.size(), 1u);
  EXPECT_EQ(sc[0].numbers[0], *arch::syscall_number(arch::Arch::X86_64, "clone"));
  EXPECT_FALSE(sc[0].other_numbers);
  EXPECT_EQ(diff::describe_args(d.region, arch::Arch::X86_64, "clone"), "u32(flags) & 0x10000000");
}

TEST(Diff, RangesAndHighWords) {
  const std::string base = "default errno EPERM\narch x86_64\n";
  const auto a = compiled(load(base + "write: fd <= 2\n"));
  const auto b = compiled(load(base + "write: fd < 2\n"));
  auto r = compare(a, b);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(diff::describe_args(r.differences[0].region, arch::Arch::X86_64, "write"), "fd == 2");
  const auto c = compiled(load(base + "write: fd >= 0x100000000\n"));
  r = compare(compiled(load(base)), c);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(diff::describe_args(r.differences[0].region, arch::Arch::X86_64, "write"),
            "fd >= 0x100000000");
}

// Random policies over a few syscalls and arguments: the reported regions are exactly the
// inputs where the two filters disagree (checked on sampled inputs with the emulator, with
// values drawn near the policies' constants so that the boundaries are hit).
TEST(Diff, ExactOnRandomPolicyPairs) {
  std::mt19937_64 rng(7);
  const char* names[] = {"read", "write", "ioctl", "openat", "close"};
  const uint64_t consts[] = {0,    1, 2, 3, 0x10, 0x5401, 0xffffffff, 0x100000000ULL, 0x80000000ULL,
                             ~0ULL};
  auto pick = [&](auto& arr) { return arr[rng() % (sizeof(arr) / sizeof(arr[0]))]; };
  auto random_policy = [&] {
    std::string t =
        "default errno EPERM\nunknown-syscall errno ENOSYS\narch x86_64, i386, ppc64, mips\n";
    const int rules = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < rules; ++i) {
      t += std::string(pick(names)) + ": ";
      const int kind = static_cast<int>(rng() % 6);
      const std::string arg = "arg" + std::to_string(rng() % 3);
      char v[32];
      std::snprintf(v, sizeof v, "0x%llx",
                    static_cast<unsigned long long>(pick(consts) & 0xffffffffULL));
      switch (kind) {
        case 0: t += "allow"; break;
        case 1: t += "u32(" + arg + ") == " + v; break;
        case 2: t += "u32(" + arg + ") > " + v; break;
        case 3:
          t += "u32(" + arg + ") & " + std::string(v == std::string("0x0") ? "0x4" : v);
          break;
        case 4: t += "(u32(" + arg + ") & 0xff) == 0x" + std::to_string(rng() % 4); break;
        case 5: t += "u32(" + arg + ") <= " + v + " -> errno EACCES"; break;
      }
      t += "\n";
    }
    return t;
  };
  int compared = 0;
  for (int round = 0; round < 60; ++round) {
    const std::string ta = random_policy(), tb = random_policy();
    auto pa = frontend::load_policy_text(ta, "a"), pb = frontend::load_policy_text(tb, "b");
    if (!pa.ok() || !pb.ok()) continue;
    ++compared;
    const auto a = compiled(*pa.value), b = compiled(*pb.value);
    const auto r = compare(a, b);
    for (const auto& d : r.differences) {
      EXPECT_EQ(emu(a, d.example), d.ret_a) << ta << tb;
      EXPECT_EQ(emu(b, d.example), d.ret_b) << ta << tb;
    }
    for (int i = 0; i < 3000; ++i) {
      bpf::SeccompData d;
      // x86_64, i386, ppc64 (big-endian, 64-bit), mips (big-endian, 32-bit), an unknown arch.
      const arch::Arch abis[] = {arch::Arch::X86_64, arch::Arch::I386, arch::Arch::Ppc64,
                                 arch::Arch::Mips};
      const arch::Arch abi = abis[rng() % 4];
      d.arch = rng() % 50 == 0 ? 0x1234 : arch::info(abi).audit_arch;
      const char* nm = names[rng() % 5];
      d.nr = rng() % 8 == 0 ? static_cast<int32_t>(rng() % 6000)
                            : arch::syscall_number(abi, nm).value_or(-1);
      if (rng() % 30 == 0) d.nr = static_cast<int32_t>(0x40000001);
      for (auto& x : d.args) {
        const uint64_t c = pick(consts);
        x = rng() % 2 ? c : (rng() % 2 ? c + 1 : c - 1);
        if (rng() % 4 == 0) x = (x & 0xffffffffULL) | (rng() << 32);
      }
      const bool differ = emu(a, d) != emu(b, d);
      int regions = 0;
      for (const auto& reg : r.differences) regions += in_region(reg.region, d);
      ASSERT_EQ(regions, differ ? 1 : 0) << ta << "---\n"
                                         << tb << " nr " << d.nr << " arch " << d.arch;
    }
  }
  EXPECT_GT(compared, 40);
}

// Random raw programs that compare masked words every way the kernel allows (JEQ, JGT, JGE and
// JSET; with K, with a constant in X, and a constant in A against a word in X), chained with
// forward jumps: compare() never refuses them, and its regions are exact, checked exhaustively
// on every input of a small domain (nr and arg0 in 0..63 plus values with high bits set).
TEST(Diff, MaskedComparisonsOfEveryKindAreExact) {
  using namespace bpf;
  std::mt19937_64 rng(11);
  const uint32_t masks[] = {0xffffffff, 0x3f, 0x3c, 0x21, 0x0e, 0x30, 0x80000007, 0xc0000010, 0x1};
  const uint32_t ks[] = {0,    1,    2,    5,    7,          0x10,       0x1f,
                         0x20, 0x21, 0x3f, 0x40, 0x80000000, 0x80000005, 0xffffffff};
  const uint16_t ops[] = {JEQ, JGT, JGE, JSET};
  auto pick = [&](const auto& arr) { return arr[rng() % std::size(arr)]; };
  const uint32_t rets[] = {kRetAllow, ret_errno(1), ret_errno(2), kRetKillProcess};
  auto random_program = [&] {
    // Blocks of a test each; a jump goes to a later block or to one of the returns at the end.
    struct Block {
      std::vector<Insn> body;  // ends with the jump (targets patched below)
      size_t t, f;             // block index; >= blocks: return number - blocks
    };
    const size_t blocks = 2 + rng() % 6;
    std::vector<Block> bs(blocks);
    for (size_t i = 0; i < blocks; ++i) {
      Block& b = bs[i];
      const uint32_t word = rng() % 2 ? kOffNr : arg_lo(0);  // nr, or arg0's low word
      const uint16_t op = pick(ops);
      const uint32_t k = pick(ks);
      switch (rng() % 4) {
        case 0:  // A = word & m, compare with K
          b.body.push_back(stmt(LD | W | ABS, word));
          if (uint32_t m = pick(masks); m != 0xffffffff) b.body.push_back(stmt(ALU | AND | K, m));
          b.body.push_back(jump(JMP | op | K, k, 0, 0));
          break;
        case 1:  // the mask and the constant from X
          b.body.push_back(stmt(LDX | IMM, pick(masks)));
          b.body.push_back(stmt(LD | W | ABS, word));
          b.body.push_back(stmt(ALU | AND | X, 0));
          b.body.push_back(stmt(LDX | IMM, k));
          b.body.push_back(jump(JMP | op | X, 0, 0, 0));
          break;
        case 2:  // a constant in A against the (masked) word in X
          b.body.push_back(stmt(LD | W | ABS, word));
          b.body.push_back(stmt(ALU | AND | K, pick(masks)));
          b.body.push_back(stmt(MISC | TAX, 0));
          b.body.push_back(stmt(LD | IMM, k));
          b.body.push_back(jump(JMP | op | X, 0, 0, 0));
          break;
        default:  // the mask as a constant in A, ANDed with the word in X
          b.body.push_back(stmt(LD | W | ABS, word));
          b.body.push_back(stmt(MISC | TAX, 0));
          b.body.push_back(stmt(LD | IMM, pick(masks)));
          b.body.push_back(stmt(ALU | AND | X, 0));
          b.body.push_back(jump(JMP | op | K, k, 0, 0));
          break;
      }
      auto target = [&] { return i + 1 + rng() % (blocks - i - 1 + std::size(rets)); };
      b.t = target();
      b.f = target();
    }
    std::vector<size_t> start(blocks + std::size(rets));
    size_t pc = 0;
    for (size_t i = 0; i < blocks; ++i) {
      start[i] = pc;
      pc += bs[i].body.size();
    }
    for (size_t r = 0; r < std::size(rets); ++r) start[blocks + r] = pc + r;
    Program p;
    for (size_t i = 0; i < blocks; ++i) {
      for (Insn in : bs[i].body) p.push_back(in);
      const size_t at = p.size() - 1;
      p.back().jt = static_cast<uint8_t>(start[bs[i].t] - at - 1);
      p.back().jf = static_cast<uint8_t>(start[bs[i].f] - at - 1);
    }
    for (uint32_t r : rets) p.push_back(stmt(RET | K, r));
    return p;
  };
  std::vector<uint32_t> domain;
  for (uint32_t v = 0; v < 64; ++v) domain.push_back(v);
  for (uint32_t v :
       {0x80000000u, 0x80000005u, 0x80000007u, 0xc0000010u, 0xc000003fu, 0xffffffffu, 0x40000021u})
    domain.push_back(v);
  size_t differing = 0;
  for (int round = 0; round < 150; ++round) {
    const Program a = random_program(), b = random_program();
    const auto ga = graph(a), gb = graph(b);
    auto r = diff::compare({&ga, 1}, {&gb, 1});
    ASSERT_TRUE(r.ok()) << r.error().render();
    for (const auto& d : r->differences) {
      EXPECT_EQ(emu(a, d.example), d.ret_a);
      EXPECT_EQ(emu(b, d.example), d.ret_b);
    }
    for (uint32_t nr : domain)
      for (uint32_t arg : domain) {
        bpf::SeccompData d;
        d.arch = kAuditArchX86_64;
        d.nr = static_cast<int32_t>(nr);
        d.args[0] = arg;
        const bool differ = emu(a, d) != emu(b, d);
        differing += differ;
        int regions = 0;
        for (const auto& reg : r->differences) regions += in_region(reg.region, d);
        ASSERT_EQ(regions, differ ? 1 : 0) << "round " << round << " nr " << nr << " arg0 " << arg;
      }
  }
  EXPECT_GT(differing, 1000u);  // the programs do differ, often
}

// The work is bounded: past the limit of open paths, a clear error instead of unbounded memory.
TEST(Diff, OpenPathLimitIsAClearError) {
  using namespace bpf;
  // Five independent masked orderings in a row: 9^5 paths, many open at once.
  Program p;
  for (uint32_t i = 0; i < 5; ++i) {
    p.push_back(stmt(LD | W | ABS, arg_lo(i)));
    p.push_back(stmt(ALU | AND | K, 0xff));
    p.push_back(jump(JMP | JGT | K, 0x55, 0, 0));
  }
  p.push_back(stmt(RET | K, kRetAllow));
  const Program plain = {stmt(RET | K, kRetAllow)};
  const auto gp = graph(p), gplain = graph(plain);
  diff::Limits small;
  small.max_open_paths = 20;
  auto r = diff::compare({&gp, 1}, {&gplain, 1}, small);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("open paths"), std::string::npos) << r.error().message;
  r = diff::compare({&gp, 1}, {&gplain, 1});  // within the default limits: equivalent
  ASSERT_TRUE(r.ok()) << r.error().render();
  EXPECT_TRUE(r->differences.empty());
}

TEST(Diff, StacksCombineLikeTheKernel) {
  // A stack of two filters vs one policy that means the same.
  const auto deny_ptrace = compiled(load("default allow\narch x86_64\nptrace: errno EPERM\n"));
  const auto deny_mount =
      compiled(load("default allow\narch x86_64\nmount: kill-process\nptrace: errno EACCES\n"));
  const auto merged =
      compiled(load("default allow\narch x86_64\nptrace: errno EPERM\nmount: kill-process\n"));
  const std::vector<diff::FilterGraph> stack = {graph(deny_ptrace), graph(deny_mount)};
  const auto gm = graph(merged);
  auto r = diff::compare(stack, {&gm, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->differences.empty());
  // The other order: the older filter's EACCES loses to nothing, the newer's EPERM ties: the
  // newer (first) wins.
  const std::vector<diff::FilterGraph> other = {graph(deny_mount), graph(deny_ptrace)};
  r = diff::compare(other, {&gm, 1});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->differences.size(), 1u);
  EXPECT_EQ(r->differences[0].ret_a, bpf::ret_errno(EACCES));
}

TEST(Diff, RefusesWhatItCannotDecideExactly) {
  using namespace bpf;
  const Program add = {stmt(LD | W | ABS, kOffNr), stmt(ALU | ADD | K, 1),
                       jump(JMP | JEQ | K, 2, 0, 1), stmt(RET | K, kRetAllow),
                       stmt(RET | K, kRetKillProcess)};
  const Program plain = {stmt(RET | K, kRetAllow)};
  const auto ga = graph(add), gp = graph(plain);
  auto r = diff::compare({&ga, 1}, {&gp, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("instruction 2"), std::string::npos) << r.error().message;
  const Program reta = {stmt(LD | W | ABS, kOffArch), stmt(RET | RVAL_A, 0)};
  const auto gr = graph(reta);
  r = diff::compare({&gr, 1}, {&gp, 1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("RET A"), std::string::npos);
  // Constants computed in registers and scratch memory are fine.
  const Program mem = {stmt(LD | IMM, 5),
                       stmt(ST, 3),
                       stmt(LDX | MEM, 3),
                       stmt(LD | W | ABS, kOffNr),
                       jump(JMP | JEQ | X, 0, 0, 1),
                       stmt(RET | K, kRetKillProcess),
                       stmt(RET | K, kRetAllow)};
  const Program same = {stmt(LD | W | ABS, kOffNr), jump(JMP | JEQ | K, 5, 0, 1),
                        stmt(RET | K, kRetKillProcess), stmt(RET | K, kRetAllow)};
  const auto gmem = graph(mem), gsame = graph(same);
  r = diff::compare({&gmem, 1}, {&gsame, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->differences.empty());
  // Unsatisfiable masked patterns are recognised (no false difference).
  const Program jset = {stmt(LD | W | ABS, kOffNr), jump(JMP | JSET | K, 1, 1, 0),
                        jump(JMP | JSET | K, 1, 1, 0), stmt(RET | K, kRetAllow),
                        stmt(RET | K, kRetAllow)};
  const auto gj = graph(jset);
  r = diff::compare({&gj, 1}, {&gp, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->differences.empty());
}

TEST(Diff, WordSetSearch) {
  diff::WordSet w;
  w.lo = 10;
  w.hi = 20;
  w.not_values = {10, 11, 12};
  w.not_masked = {{0x1, 0x1}};  // even only
  uint64_t budget = 100000;
  EXPECT_EQ(w.smallest(&budget), 14u);
  w.not_masked.push_back({0x1, 0x0});  // and odd only: empty
  EXPECT_EQ(w.smallest(&budget), std::nullopt);
  EXPECT_GT(budget, 0u);
}

}  // namespace

namespace {

// The oracle of the compiler tests (tests/compiler/helpers.hpp) is only as good as its power to
// tell: the reference of a policy equals the compiled policy, differs from another policy, and
// catches a single changed instruction in the compiled program.
TEST(Diff, ReferenceOracleCatchesAChangedProgram) {
  auto def = frontend::load_default_policy({arch::Arch::X86_64, arch::Arch::I386, arch::Arch::X32});
  ASSERT_TRUE(def.ok()) << def.render();
  const auto prog = compiled(*def.value);
  const auto ref = diff::FilterGraph::reference(*def.value);
  const auto g = graph(prog);
  auto r = diff::compare({&g, 1}, {&ref, 1});
  ASSERT_TRUE(r.ok()) << r.error().render();
  EXPECT_TRUE(r->differences.empty());
  size_t caught = 0, mutated = 0;
  for (size_t i = 0; i < prog.size(); ++i) {
    if (prog[i].code != (bpf::RET | bpf::K)) continue;
    bpf::Program m = prog;
    m[i].k = m[i].k == bpf::kRetAllow ? bpf::ret_errno(1) : bpf::kRetAllow;
    ++mutated;
    const auto gm = graph(m);
    auto rm = diff::compare({&gm, 1}, {&ref, 1});
    ASSERT_TRUE(rm.ok());
    caught += !rm->differences.empty();
  }
  EXPECT_GE(mutated, 5u);
  EXPECT_EQ(caught, mutated);  // every RET is reachable in the compiled program
  auto other = frontend::load_policy_text("default errno EPERM\nread: allow\n", "o");
  ASSERT_TRUE(other.ok());
  const auto ref2 = diff::FilterGraph::reference(*other.value);
  r = diff::compare({&g, 1}, {&ref2, 1});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->differences.empty());
}

}  // namespace
