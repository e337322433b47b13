// Syscall tables against Debian's libseccomp (the test oracle, never linked into the product):
// a reference generated on this machine, so the check runs in any clone (the upstream CSV in
// ../shared is newer but optional). libseccomp's arch tokens are the AUDIT_ARCH values, so every
// arch sysfence and libseccomp both know is compared, both ways:
//   - every number 0..kMaxNr libseccomp names on an arch: sysfence has that name, same number;
//   - every name sysfence has on an arch that libseccomp also resolves: the same number.
// Names libseccomp (2.5.4 in Debian 12) does not know yet are newer syscalls: they are counted and
// printed, and checked by Generated.SyscallTableIsFresh against the kernel headers instead.
//
//   ./test_arch --gtest_filter='SyscallTable.MatchesDebianLibseccomp'
#include <seccomp.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sysfence/arch/arch.hpp"

namespace {

using namespace sysfence::arch;

constexpr int kMaxNr = 1100;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

TEST(SyscallTable, MatchesDebianLibseccomp) {
  int compared_arches = 0;
  for (const ArchInfo& ai : all_arches()) {
    const uint32_t token = ai.audit_arch;
    // An arch libseccomp does not know resolves nothing, not even exit.
    if (seccomp_syscall_resolve_name_arch(token, "exit") < 0 &&
        seccomp_syscall_resolve_name_arch(token, "exit_group") < 0) {
      std::cout << "[ note ] " << ai.name << ": not known to this libseccomp, not compared\n";
      continue;
    }
    ++compared_arches;
    // libseccomp keeps MIPS numbers without the ABI's base (4000 o32, 5000 n64, 6000 n32) and
    // adds it when it writes the filter; sysfence's tables hold the numbers the kernel sees.
    const std::string an(ai.name);
    const int offset = !an.starts_with("mips")               ? 0
                       : an.find("n32") != std::string::npos ? 6000
                       : an.find("64") != std::string::npos  ? 5000
                                                             : 4000;
    std::vector<std::string> missing, different, newer;
    int x32_quirks = 0;
    // libseccomp -> sysfence, by number (ARM's private syscalls live at 0x0f0000 + n).
    std::vector<int> numbers;
    for (int nr = 0; nr < kMaxNr; ++nr) numbers.push_back(nr);
    for (int nr = 0x0f0000; nr < 0x0f0010; ++nr) numbers.push_back(nr);
    for (int bare : numbers) {
      const int nr = bare | static_cast<int>(ai.nr_bit);
      char* name = seccomp_syscall_resolve_num_arch(token, nr);
      if (!name) continue;
      const std::string n = name;
      std::free(name);
      auto ours = syscall_number(ai.arch, n);
      if (!ours) {
        missing.push_back(n + "=" + std::to_string(bare));
      } else if ((*ours & ~static_cast<int32_t>(ai.nr_bit)) - offset != bare) {
        different.push_back(n + " ours " + std::to_string(*ours) + " libseccomp " +
                            std::to_string(nr));
      }
    }
    // sysfence -> libseccomp, by name.
    for (const SyscallEntry& e : syscalls(ai.arch)) {
      const std::string n(e.name);
      const int theirs = seccomp_syscall_resolve_name_arch(token, n.c_str());
      if (theirs < 0) {  // unknown to libseccomp, or a pseudo-number (socketcall/ipc multiplexed)
        newer.push_back(n);
        continue;
      }
      const int bare = (e.nr & ~static_cast<int32_t>(ai.nr_bit)) - offset;
      // libseccomp 2.5.4 gives x32's own entry points (512..547: rt_sigaction, ioctl, execve...)
      // the x86_64 number; the kernel's x32 table (arch/x86/entry/syscalls/syscall_64.tbl) has
      // them at 512..547. Only that known oracle error is tolerated, nothing else.
      if (ai.arch == Arch::X32 && bare >= 512 && bare <= 547 &&
          syscall_number(Arch::X86_64, n) == theirs) {
        ++x32_quirks;
        continue;
      }
      if ((theirs & ~static_cast<int>(ai.nr_bit)) != bare && theirs + offset != bare + offset &&
          theirs != bare + offset)
        different.push_back(n + " ours " + std::to_string(e.nr) + " libseccomp " +
                            std::to_string(theirs));
    }
    EXPECT_TRUE(missing.empty()) << ai.name
                                 << ": libseccomp has, sysfence lacks: " << join(missing);
    EXPECT_TRUE(different.empty()) << ai.name << ": different numbers: " << join(different);
    if (ai.arch == Arch::X32) { EXPECT_EQ(x32_quirks, 36) << "x32 entry points 512..547"; }
    std::cout << "[ note ] " << ai.name << ": " << syscalls(ai.arch).size() << " syscalls, "
              << newer.size() << " that this libseccomp does not resolve to a real number "
              << "(newer, or multiplexed through socketcall/ipc): " << join(newer) << "\n";
    // The tables are not empty guesses: most of them libseccomp confirms.
    EXPECT_LT(newer.size() * 4, syscalls(ai.arch).size()) << ai.name;
  }
  EXPECT_GE(compared_arches, 6)
      << "x86_64, i386, x32, aarch64, arm and riscv64 are all in libseccomp 2.5";
}

}  // namespace
