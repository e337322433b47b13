// tests/compat/random_test.cpp — random rule sets through both libraries (same return codes,
// same decisions in the emulator), and live filters in forked children (same outcome of real
// syscalls under the kernel).
//
// The random generator keeps to rule sets whose meaning both libraries define the same way:
// all arches are added before the first rule (libseccomp 2.5.4 loses an arch added later when a
// rule's transaction is rolled back), and the conditional rules of one syscall share one action
// (when such rules overlap with different actions, libseccomp's choice depends on its internal
// tree and sysfence's on the action's severity; see docs/libseccomp-compat.md and the
// OverlappingConditionalRules test below). Pseudo syscall numbers are left out (a libseccomp
// 2.5.4 BPF bug, see below). Unconditional rules, duplicates with other actions
// (-EEXIST), invalid operators, repeated arguments and actions equal to the default are all in.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <tuple>
#include <utility>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compat/filter.hpp"
#include "helpers.hpp"
#include "common/test_seed.hpp"
#include "pfc_eval.hpp"

namespace compat_test {
namespace {

#define REQUIRE_LIBSECCOMP()                                                        \
  do {                                                                              \
    if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed"; \
  } while (0)

std::string slurp_text(const std::string& path) {
  std::vector<uint8_t> b = read_file(path);
  return std::string(b.begin(), b.end());
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t pick(const std::vector<uint64_t>& v) { return v[rng() % v.size()]; }
  bool chance(int percent) { return static_cast<int>(rng() % 100) < percent; }
};

std::string random_script(uint64_t seed) {
  Gen g(seed);
  std::ostringstream s;
  const std::vector<uint64_t> defaults = {0x0,     0x80000000, 0x7fff0000,
                                          0x50026, 0x30000,    0x7ffc0000};
  const std::vector<uint64_t> actions = {0x0,     0x80000000, 0x30000,    0x50001,    0x50002,
                                         0x50ffe, 0x7ff00005, 0x7ffc0000, 0x7fff0000, 0x7fc00000};
  const uint64_t def = g.pick(defaults);
  s << "init " << hex(def) << "\n";
  bool narrow = false;  // a 32-bit arch is present: no 64-bit comparison values
  bool any = true;
  if (g.chance(40)) {
    s << "arch_add 0x40000003\n";
    narrow = true;
  }
  if (g.chance(30)) {
    s << "arch_add 0x4000003e\n";
    narrow = true;
  }
  if (g.chance(20)) {
    s << "arch_add 0x40000028\n";
    narrow = true;
  }
  if (g.chance(20)) s << "arch_add 0xc00000b7\n";
  if (g.chance(20)) s << "arch_add 0xc00000f3\n";
  if (g.chance(20)) s << "arch_remove 0xc000003e\n";
  // The other ABIs libseccomp 2.5.4 knows: little-endian ones next to the others, or (one
  // script in seven) a big-endian filter of its own (libseccomp keeps one byte order per
  // filter: adding the other order is -EDOM in both libraries).
  if (g.chance(15)) {
    s << "arch_add 0x40000008\n";
    narrow = true;
  }  // mipsel
  if (g.chance(15)) {
    s << "arch_add 0xe0000008\n";
    narrow = true;
  }                                                // mipsel64n32
  if (g.chance(15)) s << "arch_add 0xc0000008\n";  // mipsel64
  if (g.chance(15)) s << "arch_add 0xc0000015\n";  // ppc64le
  if (g.chance(14)) {
    s << "reset " << hex(def) << "\narch_remove 0xc000003e\n";
    s << "arch_add 0x80000016\n";  // s390x
    if (g.chance(50)) {
      s << "arch_add 0x00000016\n";
      narrow = true;
    }  // s390
    if (g.chance(50)) {
      s << "arch_add 0x00000008\n";
      narrow = true;
    }                                                // mips
    if (g.chance(50)) s << "arch_add 0x80000015\n";  // ppc64
    if (g.chance(40)) {
      s << "arch_add 0x0000000f\n";
      narrow = true;
    }                                                // parisc
    if (g.chance(40)) s << "arch_add 0xa0000008\n";  // mips64n32
    s << "arch_add 0xc000003e\n";                    // -EDOM: the other byte order
  }
  (void)any;
  if (g.chance(30)) s << "attr_set 2 " << hex(g.pick({0x50063, 0x7fff0000, 0x80000000})) << "\n";
  const bool tskip = g.chance(20);
  if (tskip) s << "attr_set 5 1\n";

  // x86_64 numbers (the API's native numbers) and a few pseudo and unknown ones.
  std::vector<uint64_t> nrs = {0,  1,  3,  9,   16,  17,  39,  41,  42,  43, 44,  49,  54,  56,
                               62, 65, 30, 72,  257, 202, 157, 158, 110, 70, 288, 135, 59,  272,
                               29, 31, 66, 220, 45,  46,  47,  48,  51,  53, 299, 307, 1000};
  // No pseudo numbers here: with a rule on one (e.g. SCMP_SYS(waitpid) on x86_64) libseccomp
  // 2.5.4's BPF can disagree with its own PFC on other syscalls (seed 12 of an earlier version
  // of this generator: prctl on aarch64 allowed instead of killed). Pseudo numbers are covered
  // by CompatApi.PseudoNumbers instead.
  if (tskip) nrs.push_back(0xffffffffULL);
  std::vector<uint64_t> v32 = {0,
                               1,
                               2,
                               3,
                               5,
                               7,
                               0x10,
                               0xff,
                               0x1000,
                               0x7fffffff,
                               0x80000000,
                               0xfffffffe,
                               0xffffffff,
                               0xffffffff80000000ULL,
                               0xfffffffffffffffeULL};
  std::vector<uint64_t> v64 = {0x100000000ULL, 0x100000001ULL, 0xffffffff00000000ULL,
                               0x8000000000000000ULL, 0x7fffffffffffffffULL};
  std::vector<uint64_t> masks = {0xff, 0xf0, 0x3, 0x80000000, 0xffffffff, 0x1000, 0x8};
  if (!narrow) {
    v32.insert(v32.end(), v64.begin(), v64.end());
    masks.push_back(0xffffffff00000000ULL);
    masks.push_back(0x100000000ULL);
  }

  std::map<uint64_t, uint64_t> cond_action;  // per syscall: the action of its conditional rules
  // Per syscall and argument: the one comparison (op, datum_a, datum_b) its rules may use.
  // With two different comparisons of one argument in two rules of one syscall, libseccomp
  // 2.5.4 can attach one rule's later comparisons under the other's branch, and its filter then
  // matches calls no rule matches, or misses calls one rule matches (seen: a1 > 3 with
  // a1 > 0x1000; a0 != 5 with (a0 & 0xf0) == 0). Documented in docs/libseccomp-compat.md.
  std::map<std::pair<uint64_t, int>, std::tuple<int, uint64_t, uint64_t>> cmp_of;
  struct Added {
    uint64_t nr;
    std::string args;
    unsigned argset;  // bit per argument compared (each argument has one comparison, above)
    bool sure;        // certainly added (not an _exact rule, which fails on several arches)
  };
  std::vector<Added> added;
  // A repeat with another action is an exact duplicate (-EEXIST) only if no other rule of the
  // syscall compares a subset or superset of its arguments; else it would be a new rule that
  // overlaps one with another action, where libseccomp 2.5.4 is inconsistent (it sometimes
  // answers -EEXIST and sometimes drops the rule, depending on the operators).
  auto repeatable = [&](const Added& a) {
    if (!a.sure) return false;
    for (const Added& b : added) {
      if (b.nr != a.nr || b.argset == a.argset) continue;
      if ((b.argset & a.argset) == b.argset || (b.argset & a.argset) == a.argset) return false;
    }
    return true;
  };
  const int n_rules = 12 + static_cast<int>(g.rng() % 30);
  for (int i = 0; i < n_rules; ++i) {
    const uint64_t nr = g.pick(nrs);
    const int kind = static_cast<int>(g.rng() % 100);
    if (kind < 8 && !added.empty()) {  // the same conditions again, maybe another action
      const Added& a = added[g.rng() % added.size()];
      const uint64_t act = repeatable(a) ? g.pick(actions) : cond_action[a.nr];
      s << "rule " << hex(act) << " " << static_cast<int32_t>(a.nr) << a.args << "\n";
      continue;
    }
    const bool uncond = kind < 25;
    const bool exact = g.chance(5);
    uint64_t act;
    if (uncond) {
      act = g.pick(actions);
    } else {
      auto it = cond_action.find(nr);
      if (it == cond_action.end()) it = cond_action.emplace(nr, g.pick(actions)).first;
      act = it->second;
    }
    std::ostringstream args;
    int n = uncond ? 0 : 1 + static_cast<int>(g.rng() % 3);
    std::vector<int> argi = {0, 1, 2, 3, 4, 5};
    std::shuffle(argi.begin(), argi.end(), g.rng);
    bool well_formed = true;
    if (g.chance(3)) {
      argi[1] = argi[0];
      well_formed = n < 2;
    }  // the same argument twice
    if (g.chance(2)) {
      argi[0] = 6;
      well_formed = false;
    }  // argument index out of range
    args << " " << n;
    unsigned argset = 0;
    for (int k = 0; k < n; ++k) {
      int op = 1 + static_cast<int>(g.rng() % 7);
      if (g.chance(2)) {  // invalid operator
        op = g.chance(50) ? 0 : 8;
        well_formed = false;
      }
      uint64_t a = g.pick(v32), b = 0;
      if (op == 7) {
        a = g.pick(masks);
        b = g.chance(85) ? (g.pick(v32) & a) : g.pick(v32);
      }
      if (op >= 1 && op <= 7) {
        auto [it, fresh] = cmp_of.emplace(std::make_pair(nr, argi[k]), std::make_tuple(op, a, b));
        if (!fresh) std::tie(op, a, b) = it->second;
      }
      args << " " << argi[k] << " " << op << " " << hex(a) << " " << hex(b);
      if (argi[k] < 6) argset |= 1u << argi[k];
    }
    s << (exact ? "rule_exact " : "rule ") << hex(act) << " " << static_cast<int32_t>(nr)
      << args.str() << "\n";
    // Repeated later with another action: only rules that were really added (a repeat of a
    // refused rule with another action would be a new, overlapping rule).
    if (!uncond && well_formed && act != def) added.push_back({nr, args.str(), argset, !exact});
  }
  s << "export_pfc @PFC@\n";
  s << "export_bpf @OUT@\n";
  return s.str();
}

TEST(CompatRandom, RandomRuleSetsBehaveTheSame) {
  REQUIRE_LIBSECCOMP();
  const int count = getenv("SYSFENCE_COMPAT_RANDOM") ? atoi(getenv("SYSFENCE_COMPAT_RANDOM")) : 40;
  size_t probes = 0;
  int libseccomp_hangs = 0, libseccomp_inconsistent = 0;
  // SYSFENCE_TEST_SEED=N (or SYSFENCE_COMPAT_SEED=N) runs only seed N (to reproduce a failure).
  const int only =
      static_cast<int>(sysfence::testing::seed_from_env("SYSFENCE_COMPAT_SEED").value_or(0));
  for (int seed = only ? only : 1; seed <= (only ? only : count); ++seed) {
    SCOPED_TRACE("SYSFENCE_TEST_SEED=" + std::to_string(seed));
    const std::string script = random_script(static_cast<uint64_t>(seed));
    DiffRun d = run_both(script);
    ASSERT_FALSE(d.sf.timed_out);
    if (d.ls.timed_out) {  // libseccomp 2.5.4 never finishes some rule sets (e.g. seed 19)
      ++libseccomp_hangs;
      continue;
    }
    ASSERT_EQ(d.ls.status, 0) << d.ls.err;
    ASSERT_EQ(d.sf.status, 0) << d.sf.err;
    expect_same_transcript(d.ls.out, d.sf.out);
    // Where libseccomp's BPF contradicts its own PFC export (its description of the same
    // filter), libseccomp has a code-generation bug; its PFC is then the reference.
    int excused_here = 0;
    auto pfc = Pfc::parse(slurp_text(d.ls_pfc));
    ASSERT_TRUE(pfc.has_value()) << "cannot read libseccomp's PFC:\n" << slurp_text(d.ls_pfc);
    probes += expect_same_filters(d.ls_bpf, d.sf_bpf, script, 5, [&](const Mismatch& m) {
      sysfence::bpf::SeccompData sd =
          sysfence::bpf::SeccompData::make(m.audit_arch, static_cast<int32_t>(m.nr));
      for (int i = 0; i < 6; ++i) sd.args[i] = m.args[i];
      auto meant = pfc->eval(sd);
      if (!meant || *meant == m.ls_ret || *meant != m.sf_ret) return false;
      ++excused_here;
      return true;
    });
    unlink(d.ls_pfc.c_str());
    if (excused_here) ++libseccomp_inconsistent;
    if (HasFailure()) {
      ADD_FAILURE() << "script:\n" << script;
      break;
    }
  }
  RecordProperty("probes", std::to_string(probes));
  RecordProperty("libseccomp_hangs", std::to_string(libseccomp_hangs));
  RecordProperty("libseccomp_inconsistent", std::to_string(libseccomp_inconsistent));
  std::cout << count << " random rule sets, " << probes << " probes in the emulator; libseccomp "
            << "did not finish " << libseccomp_hangs << " of them, and its BPF contradicted "
            << "its own PFC in " << libseccomp_inconsistent << "\n";
}

// Real syscalls in forked children, each loading the filter first: the kernel's verdict.
TEST(CompatLive, ForkedChildrenSeeTheSameOutcomes) {
  REQUIRE_LIBSECCOMP();
  // getpid 39, getppid 110, dup 32, close 3, lseek 8, fcntl 72, getpriority 140, umask 95,
  // getgid 104, getsid 124, sched_yield 24, kill 62, getuid 102 (no probe whose result
  // depends on a pid)
  const std::string script = R"(init 0x7fff0000
rule 0x50001 39 0
rule 0x50002 32 1 0 4 1000 0
rule 0x50003 32 1 0 6 0x100000000 0
rule 0x50004 3 1 0 7 0xf0 0x70
rule 0x50005 8 2 1 5 0x1000 0 2 4 2 0
rule 0x50006 72 1 1 2 1 0
rule 0x50007 140 1 1 3 5 0
rule 0x30000 95 1 0 4 0777 0
rule 0x7ffc0000 104 0
rule 0x7ff00009 124 0
rule 0x80000000 24 0
rule 0x0 62 1 1 4 64 0
rule 0x50008 102 1 0 1 0 0
live 39
live 32 1000
live 32 1001
live 32 0x100000001
live 32 0x1000000000
live 3 0x1070
live 3 0x1071
live 8 -1 0x1000 2
live 8 -1 0x1000 1
live 8 -1 0xfff 2
live 72 -1 0
live 72 -1 1
live 140 0 5
live 140 0 6
live 95 0777
live 95 0
live 104
live 124 0
live 102
live 24
live 62 0 64
init 0x0
rule 0x7fff0000 60 0
rule 0x7fff0000 231 0
rule 0x7fff0000 102 0
rule 0x7fff0000 32 1 0 5 3 0
live 102
live 32 3
live 32 2
live 110
)";
  DiffRun d = run_both(script, /*abi=*/true);
  ASSERT_EQ(d.ls.status, 0) << d.ls.err;
  ASSERT_EQ(d.sf.status, 0) << d.sf.err;
  EXPECT_EQ(d.ls.out, d.sf.out);
  EXPECT_EQ(d.abi.out, d.sf.out);
  // A few known verdicts, so that "both equally broken" cannot pass.
  EXPECT_NE(d.sf.out.find("live ret=-1 errno=1\n"), std::string::npos) << d.sf.out;
  EXPECT_NE(d.sf.out.find("live signal=31"), std::string::npos) << d.sf.out;
  EXPECT_NE(d.sf.out.find("live trap"), std::string::npos) << d.sf.out;
}

// Documents both libraries on rules of one syscall that overlap with different actions.
TEST(CompatDifferences, OverlappingConditionalRules) {
  // read(a0 == 1) -> ERRNO(1), read(a1 == 2) -> KILL_PROCESS: a call with a0 == 1 and a1 == 2
  // matches both. sysfence: the most restrictive action (KILL_PROCESS), whatever the order.
  const std::string script = R"(init 0x7fff0000
rule 0x50001 0 1 0 4 1 0
rule 0x80000000 0 1 1 4 2 0
live 0 1 2
live 0 1 3
live 0 7 2
init 0x7fff0000
rule 0x80000000 0 1 1 4 2 0
rule 0x50001 0 1 0 4 1 0
live 0 1 2
)";
  RunResult sf = run_program(bin("driver", Lib::Sysfence), {}, script);
  EXPECT_EQ(sf.out,
            "init ok\nrule 0\nrule 0\nlive signal=31\nlive ret=-1 errno=1\n"
            "live signal=31\ninit ok\nrule 0\nrule 0\nlive signal=31\n");
  if (COMPAT_HAVE_LIBSECCOMP) {
    RunResult ls = run_program(bin("driver", Lib::Libseccomp), {}, script);
    // Recorded, not required: libseccomp answers from the first comparison its tree checks.
    RecordProperty("libseccomp", ls.out);
    std::cout << "libseccomp 2.5 on overlapping rules:\n" << ls.out;
  }
}

}  // namespace
}  // namespace compat_test
