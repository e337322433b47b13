// tests/compat/overlap_test.cpp — conditional rules of one syscall that overlap with different
// actions (issue 8 item 25: `read` with A2 > 128 -> ERRNO(5) and A2 > 256 -> ERRNO(6) answers
// ERRNO(6) for A2 = 257 in libseccomp). The C API resolves such overlaps as libseccomp does for
// rules of one comparison each, all on one argument, with ==, >= or > (docs/libseccomp-compat.md):
// random rule sets of that shape through both libraries, compared in the emulator at every datum
// and its neighbours. The seed is printed; SYSFENCE_TEST_SEED=N (or SYSFENCE_OVERLAP_SEED=N) reruns one rule set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "common/test_seed.hpp"

namespace compat_test {
namespace {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// One rule set: a default, maybe the i386 arch beside x86_64, and per syscall 2..6 rules of one
// comparison (==, >= or >) on one argument with distinct actions.
std::string overlap_script(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<uint64_t>& v) { return v[rng() % v.size()]; };
  std::ostringstream s;
  s << "init " << hex(pick({0x7fff0000, 0x50063, 0x7ff00000})) << "\n";
  const bool narrow = rng() % 3 == 0;
  // x86 alone: arguments compared on 32 bits, any number of rules. x86_64: two rules per
  // syscall (with more, libseccomp's answer for high words above every datum is not modelled).
  if (narrow) s << "arch_add 0x40000003\narch_remove 0xc000003e\n";
  std::vector<uint64_t> datums = {0,   1,          2,          5,          128,       256,
                                  257, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  if (!narrow) {
    for (uint64_t v :
         {0x100000000ULL, 0x100000080ULL, 0xffffffff00000000ULL, 0xfffffffffffffffeULL})
      datums.push_back(v);
  }
  const std::vector<uint64_t> actions = {0x50001,    0x50002,    0x50005, 0x50006,    0x50007,
                                         0x7ff00003, 0x7fc00000, 0x30000, 0x80000000, 0x7fff0000};
  const std::vector<int> syscalls = {0, 1, 3, 8, 16};  // read write close lseek ioctl
  const int n_sys = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < n_sys; ++k) {
    const int nr = syscalls[(seed + static_cast<uint64_t>(k)) % syscalls.size()];
    const int arg = static_cast<int>(rng() % 3);
    const int n = narrow ? 2 + static_cast<int>(rng() % 5) : 2;
    std::vector<uint64_t> acts = actions;
    std::shuffle(acts.begin(), acts.end(), rng);
    for (int i = 0; i < n; ++i) {
      const int op = 4 + static_cast<int>(rng() % 3);  // SCMP_CMP_EQ, _GE, _GT
      s << "rule " << hex(acts[static_cast<size_t>(i)]) << " " << nr << " 1 " << arg << " " << op
        << " " << hex(pick(datums)) << " 0\n";
    }
  }
  s << "export_bpf @OUT@\n";
  return s.str();
}

TEST(CompatOverlap, FirstMatchInLibseccompsOrder) {
  if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed";
  const std::optional<uint64_t> one = sysfence::testing::seed_from_env("SYSFENCE_OVERLAP_SEED");
  const uint64_t first = one ? *one : static_cast<uint64_t>(std::random_device{}()) % 1000000;
  const int count = one ? 1 : 60;
  std::cout << "overlap seeds " << first << ".." << first + static_cast<uint64_t>(count) - 1
            << " (rerun one: SYSFENCE_TEST_SEED=N)\n";
  size_t probes = 0;
  for (uint64_t seed = first; seed < first + static_cast<uint64_t>(count); ++seed) {
    SCOPED_TRACE("SYSFENCE_TEST_SEED=" + std::to_string(seed));
    const std::string script = overlap_script(seed);
    DiffRun d = run_both(script);
    ASSERT_FALSE(d.sf.timed_out);
    if (d.ls.timed_out) continue;
    ASSERT_EQ(d.ls.status, 0) << d.ls.err;
    ASSERT_EQ(d.sf.status, 0) << d.sf.err;
    expect_same_transcript(d.ls.out, d.sf.out);
    probes += expect_same_filters(d.ls_bpf, d.sf_bpf, script, 5, nullptr);
    if (HasFailure()) {
      ADD_FAILURE() << "script:\n" << script;
      break;
    }
  }
  std::cout << count << " rule sets, " << probes << " probes in the emulator\n";
}

// The issue's example, by hand: the larger datum decides where both match, in either order.
TEST(CompatOverlap, IssueExample) {
  const std::string script = R"(init 0x7fff0000
rule 0x50005 0 1 2 6 128 0
rule 0x50006 0 1 2 6 256 0
rule 0x50007 1 1 2 6 256 0
rule 0x50008 1 1 2 6 128 0
live 0 -1 0 257
live 0 -1 0 200
live 1 -1 0 257
live 1 -1 0 200
)";
  RunResult sf = run_program(bin("driver", Lib::Sysfence), {}, script);
  EXPECT_EQ(sf.out,
            "init ok\nrule 0\nrule 0\nrule 0\nrule 0\nlive ret=-1 errno=6\n"
            "live ret=-1 errno=5\nlive ret=-1 errno=7\nlive ret=-1 errno=8\n");
  if (COMPAT_HAVE_LIBSECCOMP) {
    RunResult ls = run_program(bin("driver", Lib::Libseccomp), {}, script);
    EXPECT_EQ(ls.out, sf.out);
  }
}

}  // namespace
}  // namespace compat_test
