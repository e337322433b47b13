// tests/compat/bench_test.cpp — export time and executed instructions per syscall, sysfence
// against libseccomp 2.5.4, for filters built through the same C API calls: a 350-rule filter
// (1 and 3 arches) and Docker's default profile (when ../shared/profiles is there).
// Runs only with SYSFENCE_COMPAT_BENCH=1 (it is a measurement, not a check); prints a table for
// docs/benchmarks.md.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "compat/filter.hpp"
#include "helpers.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/frontend/oci.hpp"

namespace compat_test {
namespace {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// 350 rules on x86_64: every syscall from 0 allowed, a quarter of them with an argument check.
std::string rules_350(bool three_arches) {
  std::ostringstream s;
  s << "init 0x50001\n";
  if (three_arches) s << "arch_add 0x40000003\narch_add 0x4000003e\n";
  int n = 0;
  for (const auto& e : sysfence::arch::syscalls(sysfence::arch::Arch::X86_64)) {
    if (n == 350) break;
    ++n;
    if (n % 4 == 0) {
      s << "rule 0x7fff0000 " << e.nr << " 1 " << (n % 3) << " 4 " << n << " 0\n";
    } else {
      s << "rule 0x7fff0000 " << e.nr << " 0\n";
    }
  }
  return s.str();
}

std::string docker_script(const std::string& path) {
  namespace fe = sysfence::frontend;
  fe::OciImportOptions o;
  o.caps = std::vector<std::string>{};
  o.host_arch = sysfence::arch::Arch::X86_64;
  o.kernel_version = "6.18";
  auto r = fe::import_oci_file(path, o);
  if (!r) return {};
  const auto& spec = r.value->spec;
  std::ostringstream s;
  s << "init " << hex(spec.default_action.to_ret()) << "\n";
  for (auto a : spec.arches) {
    if (a == sysfence::arch::Arch::I386) s << "arch_add 0x40000003\n";
    if (a == sysfence::arch::Arch::X32) s << "arch_add 0x4000003e\n";
  }
  for (const auto& rule : spec.rules) {
    const int nr = sysfence::compat::resolve_name_arch(0, rule.syscall, false);
    if (nr == -1) continue;
    s << "rule " << hex(rule.action.to_ret()) << " " << nr << " " << rule.conds.size();
    for (const auto& c : rule.conds) {
      static const int ops[] = {4, 1, 2, 3, 6, 5, 7};  // Eq Ne Lt Le Gt Ge MaskedEq
      const int op = ops[static_cast<int>(c.op)];
      s << " " << int(c.arg) << " " << op << " "
        << hex(op == 7 ? c.mask : c.value) << " " << hex(op == 7 ? c.value : 0);
    }
    s << "\n";
  }
  return s.str();
}

struct Stats {
  double mean = 0;
  size_t max = 0;
};

// Executed instructions over every x86_64 syscall number (arguments 0).
Stats executed(const std::string& bpf) {
  using namespace sysfence;
  std::vector<uint8_t> bytes = read_file(bpf);
  bpf::Program p(bytes.size() / 8);
  std::memcpy(p.data(), bytes.data(), p.size() * 8);
  auto vp = bpf::VerifiedProgram::make(p);
  Stats s;
  if (!vp) return s;
  size_t n = 0, sum = 0;
  for (const auto& e : arch::syscalls(arch::Arch::X86_64)) {
    auto r = bpf::emulate(*vp, bpf::SeccompData::make(bpf::kAuditArchX86_64, e.nr));
    sum += r.executed;
    s.max = std::max(s.max, r.executed);
    ++n;
  }
  s.mean = n ? static_cast<double>(sum) / n : 0;
  return s;
}

double ns_of(const std::string& out) {
  auto p = out.find("ns=");
  return p == std::string::npos ? -1 : std::atof(out.c_str() + p + 3);
}

void measure(const std::string& name, const std::string& rules) {
  std::cout << "| " << name;
  for (int level : {1, 2}) {
    std::string script = rules + "attr_set 8 " + std::to_string(level) +
                         "\nexport_bpf @OUT@\nbench_export 20 " + std::to_string(level) + "\n";
    DiffRun d = run_both(script);
    const Stats ls = executed(d.ls_bpf), sf = executed(d.sf_bpf);
    if (level == 1) {
      std::cout << " | " << ns_of(d.ls.out) / 1000 << " µs | " << ns_of(d.sf.out) / 1000
                << " µs | " << ls.mean << " / " << ls.max;
    } else {
      std::cout << " | " << ns_of(d.ls.out) / 1000 << " µs | " << ls.mean << " / " << ls.max
                << " | " << sf.mean << " / " << sf.max << " |\n";
    }
  }
}

TEST(CompatBench, ExportTimeAndExecutedInstructions) {
  if (!getenv("SYSFENCE_COMPAT_BENCH")) GTEST_SKIP() << "set SYSFENCE_COMPAT_BENCH=1 to measure";
  if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed";
  std::cout << "| filter | libseccomp export (default) | sysfence export | libseccomp "
               "executed mean / max (default) | libseccomp export (binary tree) | libseccomp "
               "executed mean / max (binary tree) | sysfence executed mean / max |\n";
  measure("350 rules, x86_64", rules_350(false));
  measure("350 rules, x86_64 + x86 + x32", rules_350(true));
  const std::string docker = std::string(SYSFENCE_SOURCE_DIR) + "/../shared/profiles/docker-default.json";
  if (std::filesystem::exists(docker)) {
    const std::string s = docker_script(docker);
    if (!s.empty()) measure("Docker default (x86_64 + x86 + x32)", s);
  } else {
    std::cout << "(Docker profile skipped: " << docker << " not found)\n";
  }
}

}  // namespace
}  // namespace compat_test
