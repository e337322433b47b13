// Golden disassembly: a few small policies per arch, compiled and disassembled
// (bpf::disassemble), compared with tests/compiler/golden/<name>.txt.
//
// To regenerate after an intended change in the compiler's output, run
//   SYSFENCE_UPDATE_GOLDEN=1 ./build/<dir>/tests/test_compiler --gtest_filter='*Golden*'
// and review the diff (git diff tests/compiler/golden) before committing it.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "helpers.hpp"
#include "sysfence/bpf/disasm.hpp"

namespace sysfence {
namespace {

using namespace sysfence::testing;
using arch::Arch;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

std::string golden_path(const std::string& name) {
  return std::string(SYSFENCE_SOURCE_DIR) + "/tests/compiler/golden/" + name + ".txt";
}

void check_golden(const std::string& name, const ir::ValidatedPolicy& p) {
  const auto prog = compile_ok(p);
  bpf::DisasmOptions o;
  o.default_arch = p.arches()[0];
  const std::string text = bpf::disassemble(prog.program(), o);
  const std::string path = golden_path(name);
  if (std::getenv("SYSFENCE_UPDATE_GOLDEN")) {
    std::ofstream(path) << text;
    std::printf("wrote %s\n", path.c_str());
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (SYSFENCE_UPDATE_GOLDEN=1 creates it)\nactual:\n"
                  << text;
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(text, want.str()) << "golden mismatch for " << name
                              << " (SYSFENCE_UPDATE_GOLDEN=1 regenerates)";
}

// read/write allowed (write only to fd 1 or 2), getpid killed, everything else EPERM.
PolicySpec small(Arch a) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.arches = {a};
  s.rules = {Rule::on("read", Action::allow()),
             Rule::on("write", Action::allow(), {ArgCmp::eq(0, 1)}),
             Rule::on("write", Action::allow(), {ArgCmp::eq(0, 2)}),
             Rule::on("close", Action::allow()),
             Rule::on("exit_group", Action::allow()),
             Rule::on("getpid", Action::kill_process())};
  return s;
}

// Masks, 64-bit ordering, and a flag test: the lowering patterns.
PolicySpec args(Arch a) {
  PolicySpec s;
  s.default_action = Action::kill_process();
  s.arches = {a};
  s.rules = {Rule::on("mprotect", Action::allow(), {ArgCmp::masked_eq(2, 0x4, 0)}),  // no PROT_EXEC
             Rule::on("clone", Action::allow(), {ArgCmp::masked_eq(0, 0x7e020000, 0)}),
             Rule::on("socket", Action::allow(), {ArgCmp::lt(0, 38)}),
             Rule::on("openat", Action::allow(), {ArgCmp::masked_eq(2, 3, 0)}),
             Rule::on("lseek", Action::allow(), {ArgCmp::le(1, 0x100000000ULL)}),
             Rule::on("ioctl", Action::errno_(ENOTTY), {ArgCmp::eq(1, 0x5412).as32()})};
  if (!arch::info(a).args_are_64bit) s.rules[4].conds[0].value = 0x7fffffff;
  return s;
}

class Golden : public ::testing::TestWithParam<Arch> {};

TEST_P(Golden, SmallAllowlist) {
  check_golden(std::string("small-") + std::string(arch::info(GetParam()).name),
               build_ok(small(GetParam())));
}

TEST_P(Golden, ArgumentPatterns) {
  check_golden(std::string("args-") + std::string(arch::info(GetParam()).name),
               build_ok(args(GetParam())));
}

std::vector<Arch> every_arch() {
  std::vector<Arch> v;
  for (const arch::ArchInfo& ai : arch::all_arches()) v.push_back(ai.arch);
  return v;
}

// Every arch: the big-endian ones (mips, ppc, ppc64, s390, s390x, parisc, parisc64, m68k, sheb)
// load an argument's high word from 16 + 8i and its low word from 16 + 8i + 4.
INSTANTIATE_TEST_SUITE_P(AllArches, Golden, ::testing::ValuesIn(every_arch()),
                         [](const auto& info) { return std::string(arch::info(info.param).name); });

TEST(GoldenMulti, X86FamilyDoors) {
  PolicySpec s = small(Arch::X86_64);
  s.arches = {Arch::X86_64, Arch::I386, Arch::X32};
  s.unknown_syscall_action = Action::errno_(ENOSYS);
  check_golden("doors-x86-family", build_ok(s));
}

}  // namespace
}  // namespace sysfence
