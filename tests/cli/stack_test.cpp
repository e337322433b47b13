// The CLI with a policy past 4096 instructions (issue 11 §1): `compile` writes the stacked
// filters to OUT.1 ... OUT.N, `disasm` and `emu --raw` read them back as a stack, `emu` compiles
// the policy to the same stack, `check` reports the stack's size, OCI export refuses with a clear error, and `run` installs the
// stack in the real kernel (a probe outside the allowed values is refused; the same probe with
// an allowed value gets through: the positive control).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_helpers.hpp"

using namespace clitest;

namespace {

// ~6600 instructions: six syscalls with 1000 allowed arg1 values each.
std::string big_policy() {
  std::string s =
      "default errno EPERM\nbad-arch kill-process\n"
      "@basic-io, @memory, @signal, @process, @time: allow\n"
      "openat, newfstatat, fstat, access, readlink, statx, getcwd, stat, uname: allow\n";
  const char* names[] = {"fchmod", "ftruncate", "fchown", "fadvise64", "fallocate", "flistxattr"};
  for (int k = 0; k < 6; ++k)
    for (int i = 0; i < 1000; ++i)
      s +=
          std::string(names[k]) + ": arg1 == " + std::to_string(0x5400 + 7 * i + k) + " -> allow\n";
  return s;
}

TEST(Stack, CompileDisasmEmuExport) {
  TempDir d;
  const std::string pol = d.file("big.policy", big_policy());
  const std::string out = d.join("big.bpf");

  auto c = sysfence({"compile", pol, "-o", out});
  ASSERT_EQ(c.code, 0) << c.all();
  EXPECT_NE(c.err.find("2 stacked filters, install in this order"), std::string::npos) << c.err;
  EXPECT_TRUE(exists(out + ".1"));
  EXPECT_TRUE(exists(out + ".2"));
  EXPECT_FALSE(exists(out + ".3"));
  EXPECT_FALSE(exists(out));

  // Raw to stdout cannot hold two programs.
  auto r = sysfence({"compile", pol});
  EXPECT_EQ(r.code, 2) << r.all();
  EXPECT_NE(r.err.find("OUT.1"), std::string::npos) << r.err;

  auto dis = sysfence({"disasm", out + ".1", out + ".2"});
  ASSERT_EQ(dis.code, 0) << dis.all();
  EXPECT_NE(dis.out.find("; filter 1 of 2"), std::string::npos);
  EXPECT_NE(dis.out.find("; filter 2 of 2"), std::string::npos);

  // fchmod's first allowed value, and a value nobody allows: from the files and from the policy.
  for (const std::vector<std::string>& src :
       {std::vector<std::string>{"--raw", out + ".1", "--raw", out + ".2"},
        std::vector<std::string>{pol}}) {
    auto args = std::vector<std::string>{"emu"};
    args.insert(args.end(), src.begin(), src.end());
    auto ok = args, no = args;
    ok.insert(ok.end(), {"fchmod", "3", std::to_string(0x5400)});
    no.insert(no.end(), {"fchmod", "3", "1"});
    auto a = sysfence(ok), b = sysfence(no);
    EXPECT_EQ(a.code, 0) << a.all();
    EXPECT_NE(a.out.find(": allow"), std::string::npos) << a.out;
    EXPECT_NE(a.out.find("in 2 stacked filters"), std::string::npos) << a.out;
    EXPECT_NE(b.out.find(": errno(1)"), std::string::npos) << b.out;
  }

  auto chk = sysfence({"check", pol});
  EXPECT_EQ(chk.code, 0) << chk.all();
  EXPECT_NE(chk.out.find("in 2 stacked filters"), std::string::npos) << chk.out;

  auto oci = sysfence({"compile", pol, "--format", "oci"});
  EXPECT_EQ(oci.code, 2);
  EXPECT_NE(oci.err.find("cannot export to OCI JSON"), std::string::npos) << oci.err;
  EXPECT_NE(oci.err.find("2 stacked filters"), std::string::npos) << oci.err;
  EXPECT_TRUE(oci.out.empty());
}

TEST(Stack, RunInstallsTheStack) {
  if (!have_program("/usr/bin/truncate")) GTEST_SKIP() << "needs /usr/bin/truncate";
  TempDir d;
  const std::string pol = d.file("big.policy", big_policy());
  const std::string f = d.file("data", "");
  // truncate -s N calls ftruncate(fd, N): 0x5401 is an allowed value, 1 is not.
  for (const char* size : {"21505", "1"}) {
    auto free_run = run({"/usr/bin/truncate", "-s", size, f});
    EXPECT_EQ(free_run.code, 0) << size << ": " << free_run.all();  // unconfined: both work
  }
  auto ok = sysfence({"run", "--policy", pol, "--", "/usr/bin/truncate", "-s", "21505", f});
  EXPECT_EQ(ok.code, 0) << ok.all();
  auto no = sysfence({"run", "--policy", pol, "--", "/usr/bin/truncate", "-s", "1", f});
  EXPECT_EQ(no.code, 1) << no.all();
  EXPECT_NE(no.err.find("Operation not permitted"), std::string::npos) << no.err;
}

}  // namespace
