// tests/compat/stacked_test.cpp — a filter past 4096 instructions through sysfence's C API
// (issue 11 §1): seccomp_export_bpf refuses with -E2BIG (one program cannot hold the stack),
// seccomp_load installs the stacked filters in the real kernel, and they decide like the policy
// (an allowed value reaches the kernel: EBADF; another value: EPERM). The same program unconfined
// (no "load") is the positive control: its export is only tried.
#include <gtest/gtest.h>

#include "helpers.hpp"

namespace compat_test {
namespace {

TEST(CompatStacked, LoadInstallsAStackExportRefuses) {
  RunResult ctl = run_program(bin("stacked", Lib::Sysfence), {});
  EXPECT_TRUE(WIFEXITED(ctl.status) && WEXITSTATUS(ctl.status) == 0) << ctl.out << ctl.err;
  EXPECT_NE(ctl.out.find("export rc=-7 (E2BIG=-7)"), std::string::npos) << ctl.out;

  RunResult sf = run_program(bin("stacked", Lib::Sysfence), {"load"});
  EXPECT_TRUE(WIFEXITED(sf.status) && WEXITSTATUS(sf.status) == 0) << sf.out << sf.err;
  EXPECT_NE(sf.out.find("load rc=0"), std::string::npos) << sf.out;
  EXPECT_NE(sf.out.find("allowed value: -1 errno=9; other value: -1 errno=1"), std::string::npos)
      << sf.out;
}

}  // namespace
}  // namespace compat_test
