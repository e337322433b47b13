// tests/compat/programs_test.cpp — whole C programs compiled against both libraries (and the
// libseccomp-linked build run on sysfence's libseccomp.so.2): the tutorial filters, the header
// constants, a real USER_NOTIF round trip, and the exported symbol set.
#include <dlfcn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "helpers.hpp"

namespace compat_test {
namespace {

#define REQUIRE_LIBSECCOMP()                                                        \
  do {                                                                              \
    if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed"; \
  } while (0)

std::string describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Same stdout and the same end, on libseccomp, on sysfence, and libseccomp-linked on sysfence.
void expect_same_program(const std::string& name, const std::vector<std::string>& args,
                         const std::string& expect_end, const std::vector<std::string>& env = {}) {
  RunResult ls = run_program(bin(name, Lib::Libseccomp), args, {}, env);
  RunResult sf = run_program(bin(name, Lib::Sysfence), args, {}, env);
  RunResult abi = run_program(bin(name, Lib::Libseccomp), args, {}, abi_env(env));
  const std::string what = name + (args.empty() ? "" : " " + args[0]);
  EXPECT_EQ(ls.out, sf.out) << what;
  EXPECT_EQ(describe(ls.status), describe(sf.status)) << what;
  EXPECT_EQ(describe(sf.status), expect_end) << what << "\n" << sf.out << sf.err;
  EXPECT_EQ(abi.out, ls.out) << what << " (ABI)";
  EXPECT_EQ(describe(abi.status), describe(ls.status)) << what << " (ABI)";
  // The ABI run really used sysfence's object, the others their own library.
  EXPECT_NE(abi.err.find("/sysfence/compat/libseccomp.so.2"), std::string::npos) << abi.err;
  EXPECT_NE(sf.err.find("libsysfence-seccomp.so"), std::string::npos) << sf.err;
  EXPECT_EQ(ls.err.find("sysfence"), std::string::npos) << ls.err;
}

TEST(CompatPrograms, TutorialDefaultKill) {
  REQUIRE_LIBSECCOMP();
  const std::string sigsys = "signal " + std::to_string(SIGSYS);
  expect_same_program("tutorial_kill", {"0"}, "exit 0");  // dup2(1, 2) allowed
  expect_same_program("tutorial_kill", {"1"}, sigsys);    // dup2(2, 1) killed
  expect_same_program("tutorial_kill", {"2"}, sigsys);    // getpid killed
  expect_same_program("tutorial_kill", {"3"}, "exit 0");  // read allowed
  expect_same_program("tutorial_kill", {"4"}, sigsys);    // exit_group not in the list
}

TEST(CompatPrograms, TutorialDefaultAllowWritesToStdoutOnly) {
  REQUIRE_LIBSECCOMP();
  const std::string sigsys = "signal " + std::to_string(SIGSYS);
  expect_same_program("tutorial_allow", {"0"}, "exit 0");
  expect_same_program("tutorial_allow", {"1"}, sigsys);
  expect_same_program("tutorial_allow", {"2"}, sigsys);
  RunResult sf = run_program(bin("tutorial_allow", Lib::Sysfence), {"0"});
  EXPECT_NE(sf.out.find("allow rc=-13 (EACCES=-13) kill rc=0"), std::string::npos) << sf.out;
}

TEST(CompatPrograms, TutorialErrnoTrapLogMaskedAnd64Bit) {
  REQUIRE_LIBSECCOMP();
  expect_same_program("tutorial_mix", {}, "exit 0");
  RunResult sf = run_program(bin("tutorial_mix", Lib::Sysfence));
  // Spot checks of the expected decisions (the comparison with libseccomp is above).
  EXPECT_NE(sf.out.find("openat wronly                ret=-1 errno=13"), std::string::npos)
      << sf.out;
  EXPECT_NE(sf.out.find("lseek 1<<32 + 1              ret=-1 errno=34"), std::string::npos);
  EXPECT_NE(sf.out.find("lseek 1<<32                  ret=ok"), std::string::npos);
  EXPECT_NE(sf.out.find("pread64 off 5<<32 + 7        ret=-1 errno=7"), std::string::npos);
  EXPECT_NE(sf.out.find("trapped=62"), std::string::npos);  // SIGSYS names kill(2)
  EXPECT_NE(sf.out.find("getppid (log)                ret=ok"), std::string::npos);
}

TEST(CompatPrograms, HeaderConstantsAreLibseccomps) {
  REQUIRE_LIBSECCOMP();
  RunResult ls = run_program(bin("constants", Lib::Libseccomp));
  RunResult sf = run_program(bin("constants", Lib::Sysfence));
  EXPECT_EQ(ls.out, sf.out);
  EXPECT_NE(sf.out.find("SCMP_SYS(socketcall) -10"), std::string::npos);
  EXPECT_GT(std::count(sf.out.begin(), sf.out.end(), '\n'), 500);
}

TEST(CompatPrograms, UserNotifRoundTrip) {
  // sysfence with its seccomp_notify_addfd() extension: must succeed on its own.
  // Under ASan, LeakSanitizer's exit-time check runs in a new thread that calls getppid(): that
  // thread inherits the filter, which sends getppid to a supervisor that has finished, so the
  // process would wait forever. Leak checking is off for this one program.
  const std::vector<std::string> no_lsan{"ASAN_OPTIONS=detect_leaks=0"};
  RunResult ext = run_program(bin("notify_roundtrip", Lib::SysfenceExt), {}, {}, no_lsan);
  EXPECT_EQ(describe(ext.status), "exit 0") << ext.out << ext.err;
  EXPECT_NE(ext.out.find("getppid returned 4242"), std::string::npos) << ext.out;
  EXPECT_NE(ext.out.find("uname returned -1 errno=1"), std::string::npos) << ext.out;
  EXPECT_NE(ext.out.find("getpgid gave a copy of the pipe: 1"), std::string::npos) << ext.out;
  EXPECT_NE(ext.out.find("stale id valid=-2"), std::string::npos) << ext.out;
  if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed";
  expect_same_program("notify_roundtrip", {}, "exit 0", no_lsan);
}

std::set<std::string> defined_dynamic_symbols(const std::string& lib) {
  std::set<std::string> out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(
      popen(("nm -D --defined-only " + lib + " 2>/dev/null").c_str(), "r"), pclose);
  if (!p) return out;
  char line[512];
  while (fgets(line, sizeof line, p.get())) {
    std::istringstream ss(line);
    std::string addr, type, name;
    if (ss >> addr >> type >> name) out.insert(name);
  }
  return out;
}

TEST(CompatPrograms, ExportsExactlyTheLibseccompApi) {
  const std::string abi = std::string(COMPAT_ABI_DIR) + "/libseccomp.so.2";
  const std::set<std::string> ours = defined_dynamic_symbols(abi);
  if (ours.empty()) GTEST_SKIP() << "nm is not available";
  for (const std::string& s : ours) EXPECT_EQ(s.rfind("seccomp_", 0), 0u) << s;
  EXPECT_EQ(ours, defined_dynamic_symbols(COMPAT_SF_LIB));
  // Everything Debian's libseccomp exports is there (2.6 additions and addfd on top).
  if (COMPAT_HAVE_LIBSECCOMP) {
    for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64"}) {
      std::set<std::string> theirs = defined_dynamic_symbols(std::string(dir) + "/libseccomp.so.2");
      if (theirs.empty()) continue;
      for (const std::string& s : theirs) EXPECT_TRUE(ours.count(s)) << "missing " << s;
      break;
    }
  }
  for (const char* s :
       {"seccomp_export_bpf_mem", "seccomp_precompute", "seccomp_transaction_start",
        "seccomp_transaction_commit", "seccomp_transaction_reject", "seccomp_notify_addfd"})
    EXPECT_TRUE(ours.count(s)) << s;
  // Same soname as libseccomp, so the dynamic loader takes it for libseccomp.so.2.
  void* h = dlopen(abi.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  EXPECT_NE(dlsym(h, "seccomp_init"), nullptr);
  EXPECT_EQ(dlsym(h, "_ZN8sysfence8compat6Filter8add_ruleEjiPKNS0_7ArgCmpCEjb"), nullptr);
  dlclose(h);
  std::unique_ptr<FILE, int (*)(FILE*)> p(
      popen(("objdump -p " + abi + " 2>/dev/null | grep SONAME").c_str(), "r"), pclose);
  char line[256] = {0};
  if (p && fgets(line, sizeof line, p.get())) {
    EXPECT_NE(std::string(line).find("libseccomp.so.2"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace compat_test
