// `run --permissive` and `--freq`: what a policy would deny is reported (and runs), the lines
// it suggests make the enforced run work; frequency-weighted filters mean the same and cost less.
#include <gtest/gtest.h>

#include <cerrno>

#include "cli_helpers.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/learn/learn.hpp"
#include "workloads.hpp"

namespace {

using clitest::Ran;
using namespace sysfence;

// Enough for `cat` to start, but no openat: reading a file by name is denied.
const char* kNoOpen =
    "default errno EPERM\nunknown-syscall errno ENOSYS\narch x86_64\n"
    "read, write, close, fstat, newfstatat, lseek, pread64, mmap, munmap, mprotect, brk, "
    "exit_group, execve,\n"
    "  arch_prctl, set_tid_address, set_robust_list, rseq, prlimit64, getrandom, fadvise64, "
    "access: allow\n"
    "ptrace: errno EACCES   # mine\n";

TEST(Permissive, RecordsWhatWouldBeDeniedAndSuggestsTheLines) {
  clitest::TempDir t;
  const std::string p = t.file("cat.policy", kNoOpen);
  const std::string f = t.file("hello.txt", "hello\n");
  // Enforced: cat cannot open the file (positive control below: unconfined it can).
  Ran r = clitest::sysfence({"run", "--policy", p, "--", "cat", f});
  EXPECT_NE(r.code, 0) << r.all();
  r = clitest::run({"cat", f});
  ASSERT_EQ(r.out, "hello\n");
  // Permissive: it works, and says that nothing was enforced.
  r = clitest::sysfence({"run", "--permissive", "--policy", p, "--", "cat", f});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_NE(r.err.find("PERMISSIVE run"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NOTHING IS ENFORCED"), std::string::npos);
  EXPECT_NE(r.err.find("\n  openat("), std::string::npos)
      << r.err;  // decoded, with its first example
  EXPECT_NE(r.err.find("-> errno(1) by the default action"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lines to add to " + p), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("openat: allow"), std::string::npos) << r.err;
  // --suggest-to: the lines in a file; appended to the policy, the enforced run works.
  r = clitest::sysfence(
      {"run", "--permissive", "--suggest-to", t.join("add.policy"), "--policy", p, "--", "cat", f});
  EXPECT_EQ(r.code, 0) << r.all();
  const std::string add = clitest::read_file(t.join("add.policy"));
  EXPECT_NE(add.find("openat: allow"), std::string::npos) << add;
  const std::string fixed = t.file("fixed.policy", std::string(kNoOpen) + add);
  r = clitest::sysfence({"run", "--policy", fixed, "--", "cat", f});
  EXPECT_EQ(r.code, 0) << r.all() << fixed;
  EXPECT_EQ(r.out, "hello\n");
  r = clitest::sysfence({"run", "--permissive", "--policy", fixed, "--", "cat", f});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("would have allowed every call"), std::string::npos) << r.err;
}

TEST(Permissive, TheUsersOwnDenialsAreReportedNotSuggested) {
  clitest::TempDir t;
  const std::string p = t.file("p.policy", std::string(kNoOpen) + "openat: errno EACCES\n");
  Ran r = clitest::sysfence({"run", "--permissive", "--policy", p, "--", "cat", "/dev/null"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(r.err.find("is refused by the rule at " + p + ":7:1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("openat: allow"), std::string::npos) << r.err;
  // The program's status comes through.
  r = clitest::sysfence({"run", "--permissive", "--policy", p, "--", "sh", "-c", "exit 9"});
  EXPECT_EQ(r.code, 9);
}

// compile --freq: the weighted program decides exactly as the unweighted one (diff), and on the
// traced workload it executes no more instructions per call than the other weightings.
TEST(Freq, WeightedFilterMeansTheSameAndCostsLessOnTheWorkload) {
  const Workload w = tar_workload();
  if (!w.available()) GTEST_SKIP() << "needs tar and gzip";
  clitest::TempDir t;
  ::mkdir(t.join("w").c_str(), 0777);
  Ran r =
      clitest::sysfence(with({"learn", "-o", t.join("w.policy"), "--freq", t.join("w.freq"), "--"},
                             w.command(t.join("w"))));
  ASSERT_EQ(r.code, 0) << r.all();
  for (const char* policy : {"@default", "w.policy"}) {
    const std::string pol =
        std::string(policy) == "@default" ? std::string("--default") : t.join(policy);
    std::vector<std::string> src = std::string(policy) == "@default"
                                       ? std::vector<std::string>{"--default"}
                                       : std::vector<std::string>{pol};
    r = clitest::sysfence(with(with({"compile"}, src), {"-o", t.join("plain.bpf")}));
    ASSERT_EQ(r.code, 0) << r.all();
    r = clitest::sysfence(
        with(with({"compile"}, src), {"--freq", t.join("w.freq"), "-o", t.join("freq.bpf")}));
    ASSERT_EQ(r.code, 0) << r.all();
    r = clitest::sysfence({"diff", t.join("plain.bpf"), t.join("freq.bpf")});
    EXPECT_EQ(r.code, 0) << r.all();
  }
  // The mean over the traced calls, from the library.
  auto prof = learn::parse_frequency(clitest::read_file(t.join("w.freq")), "w.freq");
  ASSERT_TRUE(prof.ok());
  auto def = frontend::load_policy_file(SYSFENCE_SOURCE_DIR "/policies/default.policy");
  ASSERT_TRUE(def.ok());
  auto mean = [&](const compiler::Options& o) {
    const auto prog = *bpf::VerifiedProgram::make(*compiler::compile(*def.value, o));
    double sum = 0, n = 0;
    for (const auto& [k, c] : *prof) {
      const auto e =
          bpf::emulate(prog, bpf::SeccompData::make(arch::info(k.first).audit_arch, k.second));
      sum += c * static_cast<double>(e.executed);
      n += c;
    }
    return sum / n;
  };
  compiler::Options guided;
  guided.profile = &*prof;
  compiler::Options uniform;
  uniform.weighting = compiler::Weighting::Uniform;
  EXPECT_LE(mean(guided), mean({}) + 1e-9);
  EXPECT_LE(mean(guided), mean(uniform) + 1e-9);
  // Bad profiles are bad input, with a location.
  const std::string bad = t.file("bad.freq", "x86_64 read 1\nx86_64 raed 2\n");
  r = clitest::sysfence({"compile", "--default", "--freq", bad, "-o", t.join("x.bpf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.freq(2:8)"), std::string::npos) << r.err;
  r = clitest::sysfence({"run", "--freq", t.join("w.freq"), "--", "true"});
  EXPECT_EQ(r.code, 0) << r.all();
}

}  // namespace
