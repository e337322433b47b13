// Argument-heavy policies (issue 11 §1): 100 allowed syscalls plus K argument rules on one
// syscall. For each: the exact program length (a change in the compiler's output shows here),
// the answer on every probe against the reference semantics (helpers.hpp), and, against Debian's
// libseccomp 2.5.4 (a test-only oracle), a length at most its default program's and, on every
// probe, at most as many executed instructions as its binary tree. Times are benchmarks
// (bench/compare.cpp --synthetic), never asserted here.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <vector>

#include "helpers.hpp"

namespace sysfence {
namespace {

using namespace sysfence::testing;
using arch::Arch;
using bpf::SeccompData;
using ir::Action;
using ir::ArgCmp;
using ir::PolicySpec;
using ir::Rule;

// The first 100 x86_64 syscalls by number other than `except` (all known to libseccomp 2.5.4).
PolicySpec base(const char* except) {
  PolicySpec s;
  s.default_action = Action::errno_(EPERM);
  s.arches = {Arch::X86_64};
  for (const auto& sc : arch::syscalls(Arch::X86_64)) {
    if (s.rules.size() == 100) break;
    if (std::string_view(sc.name) == except) continue;
    s.rules.push_back(Rule::on(std::string(sc.name), Action::allow()));
  }
  return s;
}

PolicySpec ioctl_values(int k) {
  PolicySpec s = base("ioctl");
  for (int i = 0; i < k; ++i)
    s.rules.push_back(Rule::on("ioctl", Action::allow(), {ArgCmp::eq(1, 0x5400 + 3 * i)}));
  return s;
}

PolicySpec fcntl_masked(int k) {
  PolicySpec s = base("fcntl");
  for (int i = 0; i < k; ++i)
    s.rules.push_back(Rule::on("fcntl", Action::allow(),
                               {ArgCmp::eq(0, i % 16), ArgCmp::masked_eq(1, 0xfff, i)}));
  return s;
}

// The same rules added in the opposite order (libseccomp's tree does not depend on it).
PolicySpec reversed(PolicySpec s, const char* name) {
  auto first = std::find_if(s.rules.begin(), s.rules.end(),
                            [&](const Rule& r) { return r.syscall == name; });
  std::reverse(first, s.rules.end());
  return s;
}

PolicySpec getpriority_ranges(int k) {
  PolicySpec s = base("getpriority");
  for (int i = 1; i <= k; ++i)
    s.rules.push_back(Rule::on("getpriority", Action::allow(),
                               {ArgCmp::ge(0, 10 * i), ArgCmp::le(1, 10 * i + 5)}));
  return s;
}

// A VMM's mmap: ten flag combinations, each compared on its low 32 bits (a 32-bit mask), some
// with a prot condition.
constexpr uint32_t kPrivAnon = MAP_PRIVATE | MAP_ANONYMOUS;
const uint32_t kMmapFlags[] = {kPrivAnon,
                               MAP_SHARED | MAP_FIXED,
                               kPrivAnon | MAP_NORESERVE,
                               kPrivAnon | MAP_FIXED,
                               MAP_SHARED,
                               MAP_PRIVATE,
                               MAP_PRIVATE | MAP_FIXED,
                               MAP_SHARED | MAP_NORESERVE,
                               kPrivAnon | MAP_STACK,
                               MAP_SHARED | MAP_ANONYMOUS};
PolicySpec vmm_mmap() {
  PolicySpec s = base("mmap");
  for (size_t i = 0; i < std::size(kMmapFlags); ++i) {
    std::vector<ArgCmp> c{ArgCmp::masked_eq(3, 0xffffffffULL, kMmapFlags[i])};
    if (i % 3 == 2) c.push_back(ArgCmp::eq(2, PROT_READ | PROT_WRITE));
    s.rules.push_back(Rule::on("mmap", Action::allow(), std::move(c)));
  }
  return s;
}

// libseccomp's program (optimize 1: default, 2: binary tree).
std::optional<bpf::Program> libseccomp_program(const ir::ValidatedPolicy& p, int optimize) {
  const PolicySpec& s = p.spec();
  scmp_filter_ctx ctx = seccomp_init(s.default_action.to_ret());
  if (!ctx) return std::nullopt;
  std::optional<bpf::Program> out;
  if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, s.bad_arch_action.to_ret()) == 0 &&
      seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, static_cast<uint32_t>(optimize)) == 0) {
    bool ok = true;
    for (const Rule& r : s.rules) {
      std::vector<scmp_arg_cmp> cmps;
      for (const ArgCmp& c : r.conds) {
        scmp_compare op = SCMP_CMP_EQ;
        switch (c.op) {
          case ir::CmpOp::Eq: op = SCMP_CMP_EQ; break;
          case ir::CmpOp::Ne: op = SCMP_CMP_NE; break;
          case ir::CmpOp::Lt: op = SCMP_CMP_LT; break;
          case ir::CmpOp::Le: op = SCMP_CMP_LE; break;
          case ir::CmpOp::Gt: op = SCMP_CMP_GT; break;
          case ir::CmpOp::Ge: op = SCMP_CMP_GE; break;
          case ir::CmpOp::MaskedEq: op = SCMP_CMP_MASKED_EQ; break;
        }
        cmps.push_back(op == SCMP_CMP_MASKED_EQ ? scmp_arg_cmp{c.arg, op, c.mask, c.value}
                                                : scmp_arg_cmp{c.arg, op, c.value, 0});
      }
      ok = ok && seccomp_rule_add_array(ctx, r.action.to_ret(),
                                        seccomp_syscall_resolve_name(r.syscall.c_str()),
                                        static_cast<unsigned>(cmps.size()), cmps.data()) == 0;
    }
    const int fd = memfd_create("sysfence-libseccomp", 0);
    if (ok && fd >= 0 && seccomp_export_bpf(ctx, fd) == 0) {
      const off_t len = lseek(fd, 0, SEEK_END);
      bpf::Program prog(static_cast<size_t>(len) / sizeof(bpf::Insn));
      if (pread(fd, prog.data(), static_cast<size_t>(len), 0) == len) out = std::move(prog);
    }
    if (fd >= 0) close(fd);
  }
  seccomp_release(ctx);
  return out;
}

// Probe inputs for syscall `nr`: all zero, then every compared value, ±1, the mask and the
// usual extremes, one argument at a time and with every rule's own values together.
std::vector<SeccompData> probes(const ir::ValidatedPolicy& p, int32_t nr) {
  std::vector<SeccompData> out;
  const uint32_t au = bpf::kAuditArchX86_64;
  out.push_back(SeccompData::make(au, nr));
  for (const ir::ResolvedRule& rr : p.rules_for(Arch::X86_64)) {
    if (rr.nr != nr) continue;
    uint64_t own[6] = {};
    for (const ArgCmp& c : rr.rule->conds) {
      own[c.arg] = c.value;
      const uint64_t v0 = c.value, m = c.mask;
      for (uint64_t v :
           {v0, v0 + 1, v0 - 1, m, v0 | ~m, ~v0, uint64_t{0xffffffff}, (uint64_t{1} << 32) + v0}) {
        uint64_t a[6] = {};
        a[c.arg] = v;
        out.push_back(SeccompData::make(au, nr, a[0], a[1], a[2], a[3], a[4], a[5]));
      }
    }
    out.push_back(SeccompData::make(au, nr, own[0], own[1], own[2], own[3], own[4], own[5]));
    uint64_t up[6], down[6];
    for (int i = 0; i < 6; ++i) {
      up[i] = own[i] + 1;
      down[i] = own[i] - 1;
    }
    out.push_back(SeccompData::make(au, nr, up[0], up[1], up[2], up[3], up[4], up[5]));
    out.push_back(SeccompData::make(au, nr, down[0], down[1], down[2], down[3], down[4], down[5]));
  }
  return out;
}

struct Expect {
  size_t length;         // sysfence's program, exact
  size_t max_executed;   // sysfence, over the probes of the rules' syscall, exact
  size_t over_tree = 0;  // probes where sysfence runs more instructions than libseccomp's tree
};

// Checks one policy: exact numbers, meaning on every probe, and against libseccomp (when
// `vs_libseccomp`; libseccomp takes minutes on some of them).
void check(PolicySpec spec, const char* name, Expect want, bool vs_libseccomp = true) {
  const ir::ValidatedPolicy p = build_ok(std::move(spec));
  const auto ours = compile_ok(p);
  EXPECT_EQ(ours.program().size(), want.length) << "program length";
  const int32_t nr = nr_of(Arch::X86_64, name);
  std::optional<bpf::VerifiedProgram> def, tree;
  if (vs_libseccomp) {
    auto d = libseccomp_program(p, 1), t = libseccomp_program(p, 2);
    ASSERT_TRUE(d && t) << "libseccomp refused the policy";
    EXPECT_LE(ours.program().size(), d->size()) << "longer than libseccomp's default program";
    auto vd = bpf::VerifiedProgram::make(*d);
    auto vt = bpf::VerifiedProgram::make(*t);
    ASSERT_TRUE(vd && vt);
    def.emplace(std::move(*vd));
    tree.emplace(std::move(*vt));
    std::printf("%s: sysfence %zu, libseccomp default %zu, tree %zu instructions\n", name,
                ours.program().size(), d->size(), t->size());
  }
  size_t max_exec = 0;
  size_t n = 0, over = 0, worst = 0;
  for (const SeccompData& d : probes(p, nr)) {
    ++n;
    const auto r = bpf::emulate(ours, d);
    ASSERT_EQ(r.ret, reference(p, d)) << name << " args " << std::hex << d.args[0] << " "
                                      << d.args[1] << " " << d.args[2] << " " << d.args[3];
    max_exec = std::max(max_exec, r.executed);
    if (tree) {
      const auto theirs = bpf::emulate(*tree, d);
      EXPECT_EQ(theirs.ret, r.ret);
      if (r.executed > theirs.executed) {
        ++over;
        worst = std::max(worst, r.executed - theirs.executed);
      }
    }
  }
  EXPECT_EQ(max_exec, want.max_executed) << "most instructions executed on a probe";
  if (tree) { EXPECT_EQ(over, want.over_tree) << "probes costing more than libseccomp's tree"; }
  std::printf(
      "%s: %zu probes, at most %zu instructions executed; %zu probes cost more than "
      "libseccomp's tree (by up to %zu)\n",
      name, n, max_exec, over, worst);
}

TEST(ArgumentPolicies, IoctlValueSet1000) { check(ioctl_values(1000), "ioctl", {1097, 57}); }
TEST(ArgumentPolicies, FcntlMasked100) { check(fcntl_masked(100), "fcntl", {180, 22}); }
// 49 probes (arg0 12..15, their rules about the 100th to 200th from the end) cost up to 10
// instructions more than libseccomp's tree while value sets were searched by rule order (the
// last rules first): libseccomp sorts a level by value instead, arg0 == 15 first.
TEST(ArgumentPolicies, FcntlMasked1000) { check(fcntl_masked(1000), "fcntl", {1171, 41, 0}); }
// The order rules are added in changes nothing in libseccomp's tree, nor here.
TEST(ArgumentPolicies, IoctlValueSet1000Reversed) {
  check(reversed(ioctl_values(1000), "ioctl"), "ioctl", {1097, 57});
}
TEST(ArgumentPolicies, FcntlMasked1000Reversed) {
  check(reversed(fcntl_masked(1000), "fcntl"), "fcntl", {1171, 41, 0});
}
// One of the 49: fcntl(14, 0x32e), 36 instructions before, 35 in libseccomp's tree.
TEST(ArgumentPolicies, FcntlMasked1000FormerlyCostlyProbe) {
  const ir::ValidatedPolicy p = build_ok(fcntl_masked(1000));
  const auto ours = compile_ok(p);
  const auto d = SeccompData::make(bpf::kAuditArchX86_64, nr_of(Arch::X86_64, "fcntl"), 14, 0x32e);
  const auto r = bpf::emulate(ours, d);
  EXPECT_EQ(r.ret, bpf::kRetAllow);
  EXPECT_EQ(r.executed, 20u);
}
// libseccomp 2.5.4 takes minutes here (and is wrong): no comparison. 8076 instructions before
// (refused: > 4096).
TEST(ArgumentPolicies, GetpriorityRanges1000) {
  check(getpriority_ranges(1000), "getpriority", {3050, 27}, /*vs_libseccomp=*/false);
}
TEST(ArgumentPolicies, VmmMmapFlags) { check(vmm_mmap(), "mmap", {27, 15}); }

// The VMM's MAP_SHARED|MAP_FIXED: 42 instructions before (the values tested one after
// another), 23 in libseccomp's tree.
TEST(ArgumentPolicies, VmmMmapSharedFixedPath) {
  const ir::ValidatedPolicy p = build_ok(vmm_mmap());
  const auto ours = compile_ok(p);
  const auto d = SeccompData::make(bpf::kAuditArchX86_64, nr_of(Arch::X86_64, "mmap"), 0, 4096,
                                   PROT_READ, MAP_SHARED | MAP_FIXED);
  const auto r = bpf::emulate(ours, d);
  EXPECT_EQ(r.ret, bpf::kRetAllow);
  EXPECT_EQ(r.executed, 11u);
}

}  // namespace
}  // namespace sysfence
