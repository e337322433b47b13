// The proof of `sysfence learn` on real workloads: learn a policy from a run, then the same
// command succeeds under `sysfence run --policy learned.policy`, the policy passes
// `check --strict`, and it is strictly smaller than the default policy (never allows what the
// default denies; denies ptrace, mount, bpf, namespaces).
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "cli_helpers.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "workloads.hpp"

namespace {

using namespace sysfence;
using clitest::Ran;

bpf::VerifiedProgram compile_file(const std::string& path, bool strict) {
  frontend::ParseOptions po;
  po.warnings_are_errors = strict;
  auto p = frontend::load_policy_file(path, po);
  if (!p.ok() || (strict && !p.warnings.empty())) {
    ADD_FAILURE() << p.render();
    std::abort();
  }
  return *bpf::VerifiedProgram::make(*compiler::compile(*p.value));
}

// learned ⊂ default, checked on every x86_64 syscall with a set of argument vectors (the exact
// check over all inputs is `sysfence diff`, in diff_test.cpp).
void expect_strictly_smaller_than_default(const std::string& learned_path) {
  const auto learned = compile_file(learned_path, true);
  auto def = frontend::load_default_policy();
  ASSERT_TRUE(def.ok());
  const auto dflt = *bpf::VerifiedProgram::make(*compiler::compile(*def.value));
  auto allows = [](const bpf::VerifiedProgram& p, int32_t n, const uint64_t* a) {
    auto d = bpf::SeccompData::make(bpf::kAuditArchX86_64, n, a[0], a[1], a[2], a[3], a[4], a[5]);
    return bpf::outcome_of(bpf::emulate(p, d).ret).outcome == bpf::Outcome::Allow;
  };
  const uint64_t vecs[][6] = {{0, 0, 0, 0, 0, 0},         {1, 1, 1, 1, 1, 1},
                              {3, 0x5401, 5, 0x22, 0, 0}, {0x1200011, 0, 0, 0, 0, 0},
                              {1, 0x80001, 0, 0, 0, 0},   {~0ULL, ~0ULL, ~0ULL, ~0ULL, 0, 0}};
  size_t only_default = 0;
  for (const auto& s : arch::syscalls(arch::Arch::X86_64)) {
    for (const auto& v : vecs) {
      const bool l = allows(learned, s.nr, v), d = allows(dflt, s.nr, v);
      EXPECT_FALSE(l && !d) << s.name << " is allowed by the learned policy but not by the default";
      only_default += d && !l;
    }
  }
  EXPECT_GT(only_default, 100u);
  for (const char* n : {"ptrace", "mount", "umount2", "bpf", "unshare", "setns", "init_module",
                        "kexec_load", "process_vm_writev", "io_uring_setup", "keyctl"}) {
    const uint64_t z[6] = {};
    EXPECT_FALSE(allows(learned, *arch::syscall_number(arch::Arch::X86_64, n), z)) << n;
  }
  const uint64_t nsclone[6] = {CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0, 0};
  EXPECT_FALSE(allows(learned, *arch::syscall_number(arch::Arch::X86_64, "clone"), nsclone));
}

void prove(const Workload& w) {
  if (!w.available())
    GTEST_SKIP() << w.name << ": needs " << w.needs << " (scripts/setup.sh installs it)";
  clitest::TempDir t;
  const std::string policy = t.join(w.name + ".policy");
  const std::string run1 = t.join("learn"), run2 = t.join("run"), run3 = t.join("positive");
  for (const auto& d : {run1, run2, run3}) ::mkdir(d.c_str(), 0777);
  // Positive control: the workload works unconfined.
  Ran r = clitest::run(w.command(run3), "", 120);
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence(with({"learn", "-o", policy, "--"}, w.command(run1)));
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::sysfence(with({"run", "--policy", policy, "--"}, w.command(run2)));
  ASSERT_EQ(r.code, 0) << r.all() << "\n--- policy ---\n" << clitest::read_file(policy);
  r = clitest::sysfence({"check", "--strict", policy});
  EXPECT_EQ(r.code, 0) << r.all();
  expect_strictly_smaller_than_default(policy);
  // The learned policy is enforced: what the workload never did fails under it, and works
  // under the default policy (positive control).
  if (on_path("ionice")) {
    r = clitest::sysfence({"run", "--policy", policy, "--", "ionice", "-p", "1"});
    EXPECT_NE(r.code, 0) << r.all();
    r = clitest::sysfence({"run", "--default", "--", "ionice", "-p", "1"});
    EXPECT_EQ(r.code, 0) << r.all();
  }
}

TEST(Workloads, PythonJsonSqliteThreadsSubprocessSocketpair) { prove(python_workload()); }
TEST(Workloads, GitInitAddCommitLog) { prove(git_workload()); }
TEST(Workloads, TarCzfGzipT) { prove(tar_workload()); }
TEST(Workloads, MakeWithGcc) { prove(make_workload()); }

// As an unprivileged user: the tracer needs no privilege (it traces its own child; the filter
// goes in with NO_NEW_PRIVS).
TEST(Workloads, LearnAndRunAsNobody) {
  const Workload w = tar_workload();
  if (!w.available() || !on_path("setpriv") || ::geteuid() != 0)
    GTEST_SKIP() << "needs root, setpriv and tar";
  clitest::TempDir t;
  ::chmod(t.path.c_str(), 0777);
  const std::string policy = t.join("tar.policy");
  for (const char* d : {"a", "b"}) {
    ::mkdir(t.join(d).c_str(), 0777);
    ::chmod(t.join(d).c_str(), 0777);
  }
  const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                           "--clear-groups", SYSFENCE_CLI};
  Ran r = clitest::run(with(with(nobody, {"learn", "-o", policy, "--"}), w.command(t.join("a"))),
                       "", 120);
  ASSERT_EQ(r.code, 0) << r.all();
  r = clitest::run(with(with(nobody, {"run", "--policy", policy, "--"}), w.command(t.join("b"))),
                   "", 120);
  EXPECT_EQ(r.code, 0) << r.all();
  // The exit status is the program's.
  r = clitest::run(with(nobody, {"learn", "-o", t.join("x.policy"), "--", "sh", "-c", "exit 4"}));
  EXPECT_EQ(r.code, 4) << r.all();
}

}  // namespace
