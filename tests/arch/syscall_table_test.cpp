// Syscall tables: against the shared reference CSV (when present), the host's <sys/syscall.h>,
// and their own invariants.
//
//   ./test_arch --gtest_filter='SyscallTable*'
#include <sys/syscall.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sysfence/arch/arch.hpp"

namespace {

using namespace sysfence::arch;

const std::string kCsvPath =
    std::string(SYSFENCE_SOURCE_DIR) + "/../shared/reference/syscalls-by-arch.csv";

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  return out;
}

// name -> number per column, "PNR" cells left out.
struct Reference {
  std::map<std::string, std::map<std::string, long>> by_column;
};

std::optional<Reference> load_reference() {
  std::ifstream in(kCsvPath);
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto header = split_csv(line);
  Reference ref;
  while (std::getline(in, line)) {
    const auto row = split_csv(line);
    if (row.empty()) continue;
    for (size_t c = 1; c < row.size() && c < header.size(); ++c) {
      if (header[c].ends_with("_kver") || row[c] == "PNR") continue;
      ref.by_column[header[c]][row[0]] = std::stol(row[c]);
    }
  }
  return ref;
}

std::string column_of(Arch a) {
  switch (a) {
    case Arch::X86_64: return "x86_64";
    case Arch::I386: return "x86";
    case Arch::X32: return "x32";
    case Arch::AArch64: return "aarch64";
    case Arch::Arm: return "arm";
    case Arch::RiscV64: return "riscv64";
    // One column per syscall table: endian twins share it (libseccomp's layout).
    case Arch::Mips:
    case Arch::MipsEl: return "mips";
    case Arch::Mips64:
    case Arch::Mips64El: return "mips64";
    case Arch::Mips64N32:
    case Arch::Mips64N32El: return "mips64n32";
    case Arch::Ppc: return "ppc";
    case Arch::Ppc64:
    case Arch::Ppc64Le: return "ppc64";
    case Arch::S390: return "s390";
    case Arch::S390X: return "s390x";
    case Arch::Parisc: return "parisc";
    case Arch::Parisc64: return "parisc64";
    case Arch::LoongArch64: return "loongarch64";
    case Arch::M68K: return "m68k";
    case Arch::Sh:
    case Arch::ShEb: return "sh";
  }
  return {};
}

// Where our table knowingly differs from the reference (libseccomp's table): parisc64's
// _llseek (140) is "common" in the kernel's parisc syscall.tbl and in Debian's
// asm/unistd_64.h, and parisc defines __ARCH_WANT_SYS_LLSEEK, so a 64-bit call reaches it.
bool known_extra(Arch a, const std::string& name) {
  return a == Arch::Parisc64 && name == "_llseek";
}

TEST(SyscallTable, MatchesReferenceCsv) {
  auto ref = load_reference();
  if (!ref)
    GTEST_SKIP() << "reference file not found: " << kCsvPath
                 << " (SyscallTable.MatchesDebianLibseccomp checks the tables without it)";
  for (const ArchInfo& ai : all_arches()) {
    const std::string col = column_of(ai.arch);
    ASSERT_TRUE(ref->by_column.count(col)) << "CSV has no column " << col;
    const auto& want = ref->by_column[col];
    std::vector<std::string> missing, extra, different;
    for (const auto& [name, nr] : want) {
      auto got = syscall_number(ai.arch, name);
      if (!got) {
        missing.push_back(name + "=" + std::to_string(nr));
      } else if (static_cast<long>(*got & ~ai.nr_bit) != nr + ai.nr_base) {
        // The reference leaves out the x32 bit and MIPS's base (4000, 5000, 6000).
        different.push_back(name + " ours " + std::to_string(*got & ~ai.nr_bit) + " csv " +
                            std::to_string(nr) + " + " + std::to_string(ai.nr_base));
      }
    }
    for (const SyscallEntry& e : syscalls(ai.arch))
      if (!want.count(std::string(e.name)) && !known_extra(ai.arch, std::string(e.name)))
        extra.push_back(std::string(e.name));
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    EXPECT_TRUE(missing.empty()) << ai.name << ": missing from our table: " << join(missing);
    EXPECT_TRUE(extra.empty()) << ai.name << ": not in the reference: " << join(extra);
    EXPECT_TRUE(different.empty()) << ai.name << ": different numbers: " << join(different);
  }
}

TEST(SyscallTable, SortedUniqueAndRoundTrip) {
  for (const ArchInfo& ai : all_arches()) {
    auto t = syscalls(ai.arch);
    ASSERT_GT(t.size(), 300u) << ai.name;
    std::set<std::string_view> names;
    for (size_t i = 0; i < t.size(); ++i) {
      if (i) { EXPECT_LT(t[i - 1].nr, t[i].nr) << ai.name << " at " << t[i].name; }
      EXPECT_TRUE(names.insert(t[i].name).second) << ai.name << " duplicate " << t[i].name;
      EXPECT_EQ(syscall_number(ai.arch, t[i].name), t[i].nr) << ai.name << " " << t[i].name;
      EXPECT_EQ(syscall_name(ai.arch, t[i].nr), t[i].name) << ai.name << " " << t[i].nr;
      if (ai.nr_bit) { EXPECT_TRUE(static_cast<uint32_t>(t[i].nr) & ai.nr_bit) << t[i].name; }
      EXPECT_TRUE(
          std::binary_search(all_syscall_names().begin(), all_syscall_names().end(), t[i].name))
          << t[i].name;
    }
  }
  auto all = all_syscall_names();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(SyscallTable, UnknownLookups) {
  EXPECT_EQ(syscall_number(Arch::X86_64, "no_such_syscall"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::X86_64, ""), std::nullopt);
  EXPECT_EQ(syscall_name(Arch::X86_64, -1), std::nullopt);
  EXPECT_EQ(syscall_name(Arch::X86_64, 100000), std::nullopt);
  // x32 numbers carry the bit; the bare number is not an x32 syscall number.
  EXPECT_EQ(syscall_name(Arch::X32, 257), std::nullopt);
  EXPECT_EQ(syscall_name(Arch::X32, 0x40000000 | 257), "openat");
  // 64-bit-only entry points that x32 replaces with its own (512..547).
  EXPECT_EQ(syscall_number(Arch::X86_64, "rt_sigaction"), 13);
  EXPECT_EQ(syscall_number(Arch::X32, "rt_sigaction"), 0x40000000 | 512);
  EXPECT_EQ(syscall_number(Arch::X32, "execveat"), 0x40000000 | 545);
  EXPECT_EQ(syscall_number(Arch::X32, "uselib"), std::nullopt);  // 64-bit only
}

TEST(SyscallTable, KnownNumbers) {
  EXPECT_EQ(syscall_number(Arch::X86_64, "read"), 0);
  EXPECT_EQ(syscall_number(Arch::X86_64, "openat"), 257);
  EXPECT_EQ(syscall_number(Arch::X86_64, "clone3"), 435);
  EXPECT_EQ(syscall_number(Arch::X86_64, "uretprobe"), 335);
  EXPECT_EQ(syscall_number(Arch::X86_64, "map_shadow_stack"), 453);
  EXPECT_EQ(syscall_number(Arch::X86_64, "file_setattr"), 469);
  EXPECT_EQ(syscall_number(Arch::I386, "socketcall"), 102);
  EXPECT_EQ(syscall_number(Arch::I386, "open"), 5);
  EXPECT_EQ(syscall_number(Arch::I386, "mseal"), 462);
  EXPECT_EQ(syscall_number(Arch::I386, "uretprobe"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::AArch64, "openat"), 56);
  EXPECT_EQ(syscall_number(Arch::AArch64, "open"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::AArch64, "fstat"), 80);
  EXPECT_EQ(syscall_number(Arch::Arm, "breakpoint"), 0x0f0001);
  EXPECT_EQ(syscall_number(Arch::Arm, "cacheflush"), 0x0f0002);
  EXPECT_EQ(syscall_number(Arch::Arm, "usr26"), 0x0f0003);
  EXPECT_EQ(syscall_number(Arch::Arm, "usr32"), 0x0f0004);
  EXPECT_EQ(syscall_number(Arch::Arm, "set_tls"), 0x0f0005);
  EXPECT_EQ(syscall_number(Arch::Arm, "get_tls"), 0x0f0006);
  EXPECT_EQ(syscall_number(Arch::Arm, "arm_sync_file_range"), 341);
  EXPECT_EQ(syscall_number(Arch::Arm, "sync_file_range2"), std::nullopt);  // alias, one name
  EXPECT_EQ(syscall_number(Arch::Arm, "cachestat"), 451);
  EXPECT_EQ(syscall_number(Arch::RiscV64, "riscv_flush_icache"), 259);
  EXPECT_EQ(syscall_number(Arch::RiscV64, "riscv_hwprobe"), 258);
  EXPECT_EQ(syscall_number(Arch::RiscV64, "renameat"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::RiscV64, "renameat2"), 276);
  // MIPS numbers carry the ABI's base, as seccomp_data.nr does: o32 4000, n64 5000, n32 6000.
  EXPECT_EQ(syscall_number(Arch::Mips, "read"), 4003);
  EXPECT_EQ(syscall_number(Arch::MipsEl, "socketcall"), 4102);
  EXPECT_EQ(syscall_number(Arch::MipsEl, "ipc"), 4117);
  EXPECT_EQ(syscall_number(Arch::Mips, "socket"), 4183);
  EXPECT_EQ(syscall_number(Arch::Mips64, "read"), 5000);
  EXPECT_EQ(syscall_number(Arch::Mips64El, "socket"), 5040);
  EXPECT_EQ(syscall_number(Arch::Mips64, "socketcall"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::Mips64N32, "read"), 6000);
  EXPECT_EQ(syscall_number(Arch::Mips64N32El, "clone3"), 6435);
  EXPECT_EQ(syscall_number(Arch::Mips, "cachestat"), 4451);  // newer than the headers: + base
  EXPECT_EQ(syscall_number(Arch::Mips64, "listns"), 5470);
  EXPECT_EQ(syscall_name(Arch::Mips, 3), std::nullopt);  // the bare number is nothing
  EXPECT_EQ(syscall_name(Arch::Mips, 4001), "exit");
  EXPECT_EQ(syscall_number(Arch::Mips, "unused18"), std::nullopt);  // holes are not syscalls
  // ppc, s390, parisc, loongarch64, m68k, sh.
  EXPECT_EQ(syscall_number(Arch::Ppc, "socketcall"), 102);
  EXPECT_EQ(syscall_number(Arch::Ppc64Le, "socket"), 326);
  EXPECT_EQ(syscall_number(Arch::Ppc64, "ipc"), 117);
  EXPECT_EQ(syscall_number(Arch::S390X, "socket"), 359);
  EXPECT_EQ(syscall_number(Arch::S390X, "socketcall"), 102);
  EXPECT_EQ(syscall_number(Arch::S390, "_llseek"), 140);
  EXPECT_EQ(syscall_number(Arch::S390X, "_llseek"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::S390X, "memfd_secret"), 447);    // 6.2, after the headers
  EXPECT_EQ(syscall_number(Arch::S390, "listns"), std::nullopt);  // s390 compat left first
  EXPECT_EQ(syscall_number(Arch::Parisc, "socket"), 17);
  EXPECT_EQ(syscall_number(Arch::Parisc, "cacheflush"), 356);  // 6.5
  EXPECT_EQ(syscall_number(Arch::Parisc64, "socketcall"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::LoongArch64, "read"), 63);
  EXPECT_EQ(syscall_number(Arch::LoongArch64, "fstat"), 80);  // back in 6.11
  EXPECT_EQ(syscall_number(Arch::LoongArch64, "newfstatat"), 79);
  EXPECT_EQ(syscall_number(Arch::LoongArch64, "getrlimit"), std::nullopt);
  EXPECT_EQ(syscall_number(Arch::LoongArch64, "clone3"), 435);
  EXPECT_EQ(syscall_number(Arch::M68K, "socketcall"), 102);
  EXPECT_EQ(syscall_number(Arch::M68K, "cacheflush"), 123);
  EXPECT_EQ(syscall_number(Arch::Sh, "socket"), 340);
  EXPECT_EQ(syscall_number(Arch::ShEb, "sync_file_range2"), 388);  // 6.10
}

#if defined(__x86_64__) && !defined(__ILP32__)
TEST(SyscallTable, HostSysSyscallH) {
  EXPECT_EQ(syscall_number(Arch::X86_64, "read"), SYS_read);
  EXPECT_EQ(syscall_number(Arch::X86_64, "write"), SYS_write);
  EXPECT_EQ(syscall_number(Arch::X86_64, "execve"), SYS_execve);
  EXPECT_EQ(syscall_number(Arch::X86_64, "ptrace"), SYS_ptrace);
  EXPECT_EQ(syscall_number(Arch::X86_64, "seccomp"), SYS_seccomp);
  EXPECT_EQ(syscall_number(Arch::X86_64, "clone3"), SYS_clone3);
  EXPECT_EQ(syscall_number(Arch::X86_64, "exit_group"), SYS_exit_group);
  EXPECT_EQ(syscall_number(Arch::X86_64, "io_uring_setup"), SYS_io_uring_setup);
  EXPECT_EQ(syscall_number(Arch::X86_64, "set_mempolicy_home_node"), SYS_set_mempolicy_home_node);
  EXPECT_EQ(syscall_name(Arch::X86_64, SYS_mprotect), "mprotect");
  EXPECT_EQ(syscall_name(Arch::X86_64, SYS_landlock_restrict_self), "landlock_restrict_self");
}
#endif

}  // namespace
