// `run --permissive` and `--freq`: what a policy would deny is reported (and runs), the lines
// it suggests make the enforced run work; frequency-weighted filters mean the same and cost less.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "cli_helpers.hpp"
#include "sysfence/bpf/cache.hpp"
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

// Every kind of child is followed by a permissive run, as root and as nobody: the child's getcpu
// (denied by the policy) is recorded once and runs; clone3 is answered ENOSYS and the fallback
// clone recorded; CLONE_UNTRACED cannot hide a child. The enforced run of the same policy denies
// getcpu (the helper exits with EPERM): the recording is of a real denial.
TEST(Permissive, FollowsEveryKindOfChildAndRecordsItsDenials) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = 0;
  clitest::TempDir t;
  ::chmod(t.path.c_str(), 0755);
  const std::string p = t.file("p.policy",
                               "default allow\nunknown-syscall errno ENOSYS\narch x86_64\n"
                               "getcpu: errno EPERM\nclone: (u32(flags) & CLONE_NEWUSER) == 0\n");
  ::chmod(p.c_str(), 0644);
  ::setenv("ASAN_OPTIONS", "detect_leaks=0", 1);  // the traced helper: see tracer_test.cpp
  const bool as_nobody = ::geteuid() == 0 && ::access("/usr/bin/setpriv", X_OK) == 0 &&
                         ::access(self, R_OK | X_OK) == 0;
  for (const char* mode :
       {"fork", "vfork", "clone", "clone-untraced", "clone3", "clone3-untraced", "thread"}) {
    SCOPED_TRACE(mode);
    ::setenv("SYSFENCE_SPAWN", mode, 1);
    const std::vector<std::string> prog = {self, "--gtest_filter=Helper.Spawn"};
    Ran r = clitest::sysfence(with({"run", "--policy", p, "--"}, prog));
    EXPECT_EQ(r.code, EPERM) << r.all();  // enforced: the child's getcpu is denied
    for (bool nobody : {false, true}) {
      if (nobody && !as_nobody) continue;
      std::vector<std::string> cmd = {SYSFENCE_CLI};
      if (nobody)
        cmd = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SYSFENCE_CLI};
      r = clitest::run(with(with(cmd, {"run", "--permissive", "--policy", p, "--"}), prog));
      EXPECT_EQ(r.code, 0) << r.all();  // the child's getcpu ran: it was followed
      EXPECT_NE(r.err.find("\n  getcpu("), std::string::npos) << r.err;
      EXPECT_EQ(r.err.find("getcpu(cpu=0x"), r.err.rfind("getcpu(cpu=0x")) << r.err;
      EXPECT_EQ(r.err.find("(x"), std::string::npos) << r.err;  // recorded once
      EXPECT_NE(r.err.find("is refused by the rule at " + p + ":4:1"), std::string::npos) << r.err;
      const std::string m = mode;
      if (m.rfind("clone3", 0) == 0) {
        EXPECT_NE(r.err.find("the tracer answered it ENOSYS"), std::string::npos) << r.err;
      }
      if (m.find("untraced") != std::string::npos) {
        EXPECT_NE(r.err.find("cleared that flag"), std::string::npos) << r.err;
      }
    }
  }
  ::unsetenv("SYSFENCE_SPAWN");
}

// clone3 is never suggested as `allow` (its flags cannot be checked): ENOSYS, so that glibc
// uses clone, whose flags the suggested clone rule checks.
TEST(Permissive, Clone3IsSuggestedAsEnosys) {
  learn::Observations seen;
  const auto nr = *arch::syscall_number(arch::Arch::X86_64, "clone3");
  seen.add(arch::Arch::X86_64, nr, {});
  const std::string lines = learn::suggest_rules(seen, {arch::Arch::X86_64});
  EXPECT_NE(lines.find("clone3: errno ENOSYS"), std::string::npos) << lines;
  EXPECT_EQ(lines.find("clone3: allow"), std::string::npos) << lines;
  const std::string whole = learn::synthesize_policy(seen);
  EXPECT_EQ(whole.find("clone3: allow"), std::string::npos) << whole;
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
  // As the kernel runs it: a call its constant-allow cache takes runs no instruction.
  auto mean = [&](const compiler::Options& o) {
    const bpf::Program raw = *compiler::compile(*def.value, o);
    const auto prog = *bpf::VerifiedProgram::make(raw);
    double sum = 0, n = 0;
    for (const auto& [k, c] : *prof) {
      const uint32_t audit = arch::info(k.first).audit_arch;
      const auto e = bpf::emulate(prog, bpf::SeccompData::make(audit, k.second));
      if (!bpf::is_const_allow(raw, audit, k.second)) sum += c * static_cast<double>(e.executed);
      n += c;
    }
    return sum / n;
  };
  compiler::Options guided;
  guided.profile = &*prof;
  compiler::Options uniform;
  uniform.weighting = compiler::Weighting::Uniform;
  compiler::Options guided_uniform = uniform;
  guided_uniform.profile = &*prof;
  const double g = mean(guided);
  EXPECT_LE(g, mean({}) + 1e-9);
  EXPECT_LE(g, mean(uniform) + 1e-9);
  EXPECT_LE(mean(guided_uniform), mean(uniform) + 1e-9);
  // Bad profiles are bad input, with a location.
  const std::string bad = t.file("bad.freq", "x86_64 read 1\nx86_64 raed 2\n");
  r = clitest::sysfence({"compile", "--default", "--freq", bad, "-o", t.join("x.bpf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.freq(2:8)"), std::string::npos) << r.err;
  r = clitest::sysfence({"run", "--freq", t.join("w.freq"), "--", "true"});
  EXPECT_EQ(r.code, 0) << r.all();
}

}  // namespace
