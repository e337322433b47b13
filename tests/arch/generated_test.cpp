// The committed generated tables match what the generators produce from this machine's headers.
// Skipped (with the reason) where the generators' inputs are not installed.
//
//   ./test_arch --gtest_filter='Generated*'
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

bool have_tool(const char* name) {
  const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Runs `python3 scripts/<script> --check`; skips when an input is missing.
void check_script(const char* script, std::initializer_list<const char*> tools,
                  std::initializer_list<const char*> inputs) {
  for (const char* t : tools)
    if (!have_tool(t)) GTEST_SKIP() << script << ": needs " << t << ", not installed";
  for (const char* in : inputs)
    if (!fs::exists(in)) GTEST_SKIP() << script << ": needs " << in << ", not installed";
  const std::string cmd = std::string("cd '") + SYSFENCE_SOURCE_DIR + "' && python3 scripts/" +
                          script + " --check 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0)
      << script << " --check: the committed table differs from a fresh run; regenerate it";
}

constexpr const char* kCross[] = {"/usr/aarch64-linux-gnu/include/asm/unistd.h",
                                  "/usr/arm-linux-gnueabihf/include/asm/unistd.h",
                                  "/usr/riscv64-linux-gnu/include/asm/unistd.h",
                                  "/usr/include/x86_64-linux-gnu/asm/unistd_x32.h"};

// The ABIs beyond the first six (syscall tables only; loongarch64 uses asm-generic).
constexpr const char* kMoreCross[] = {
    "/usr/mips-linux-gnu/include/asm/unistd.h",  "/usr/powerpc-linux-gnu/include/asm/unistd.h",
    "/usr/s390x-linux-gnu/include/asm/unistd.h", "/usr/hppa-linux-gnu/include/asm/unistd.h",
    "/usr/m68k-linux-gnu/include/asm/unistd.h",  "/usr/sh4-linux-gnu/include/asm/unistd.h",
    "/usr/include/asm-generic/unistd.h"};

TEST(Generated, SyscallTableIsFresh) {
  check_script("gen_syscalls.py", {"python3", "cpp"},
               {kCross[0], kCross[1], kCross[2], kCross[3], kMoreCross[0], kMoreCross[1],
                kMoreCross[2], kMoreCross[3], kMoreCross[4], kMoreCross[5], kMoreCross[6]});
}

TEST(Generated, ConstantsTableIsFresh) {
  check_script("gen_constants.py", {"python3", "clang", "gcc"},
               {kCross[0], kCross[1], kCross[2], kCross[3]});
}

TEST(Generated, ArgNamesAreFresh) {
  check_script(
      "gen_syscall_args.py", {"python3", "cpp"},
      {"/usr/share/man/man2/read.2.gz", kCross[0], kCross[1], kCross[2], kCross[3], kMoreCross[0],
       kMoreCross[1], kMoreCross[2], kMoreCross[3], kMoreCross[4], kMoreCross[5], kMoreCross[6]});
}

// The C API's SCMP_SYS() header and pseudo numbers, from Debian's libseccomp header (a test
// dependency) and the syscall tables.
TEST(Generated, CompatSyscallsAreFresh) {
  check_script("gen_compat_syscalls.py", {"python3"}, {"/usr/include/seccomp-syscalls.h"});
}

}  // namespace
