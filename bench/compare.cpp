// bench/compare.cpp — sysfence vs Debian's libseccomp, side by side in one run.
//
//   sysfence_bench_compare [--profile PATH] [--caps host|docker] [--quick] [--no-live|--live-only]
//                          [--worst N] [--live-calls N] [--live-reps N] [--synthetic [--dat-dir D]]
//
// Prints Markdown tables (they go into docs/benchmarks.md as they are):
//   1. program length;
//   2. executed instructions per syscall in the emulator, (a) over every allowed syscall,
//      (b) over the paths the kernel cannot cache, with per-syscall violations against
//      libseccomp's binary tree;
//   3. compile time (policy -> BPF) for 1 and 3 arches vs seccomp_export_bpf;
//   4. live syscall cost in forked children (no filter, sysfence, libseccomp).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common.hpp"
#include "report.hpp"
#include "sysfence/frontend/oci.hpp"

namespace {

using namespace bench;
const ScmpApi& LS = linked_libseccomp();
using sysfence::bpf::SeccompData;
using sysfence::compiler::Options;
using sysfence::compiler::Weighting;

struct Args {
  std::string profile = "/work/shared/profiles/docker-default.json";
  std::string caps = "host";
  bool quick = false;
  bool live = true;
  int worst = 10;
  int worst_given = 0;  // --worst N as given (0: not given)
  long live_calls = 300000;
  std::vector<std::string> traces;  // --trace NAME[:a0[:a1...]] (x86_64)
  int live_reps = 11;
  bool fifo = false;
  bool live_only = false;  // only the live syscall table
  bool synthetic = false;  // only the argument-heavy synthetic policies
  bool tradeoff = false;   // only the dispatch weighting trade-off (Docker, Podman)
  std::string podman = "tests/data/podman-seccomp.json";
  std::string dat_dir;  // where --synthetic writes its data for the charts
};

// The programs compared for one policy and arch set.
std::vector<Contender> contenders(const BenchPolicy& pol, const std::vector<Arch>& arches,
                                  bool* ok) {
  std::vector<Contender> cs;
  *ok = true;
  const int memfd = make_memfd();
  for (int opt : {1, 2}) {
    std::string err;
    void* ctx = ls_build(LS, pol, arches, opt, &err);
    if (!ctx) {
      std::printf("libseccomp build failed: %s\n", err.c_str());
      *ok = false;
      continue;
    }
    cs.push_back({opt == 1 ? "libseccomp default" : "libseccomp tree", ls_export(LS, ctx, memfd)});
    ls_release(LS, ctx);
  }
  close(memfd);
  auto policy = to_sysfence(pol, arches);
  if (!policy) {
    std::printf("sysfence policy build failed: %s\n", policy.error().render().c_str());
    *ok = false;
    return cs;
  }
  for (auto w : {Weighting::CacheAware, Weighting::Uniform}) {
    auto prog = sysfence_compile(*policy, w);
    if (!prog) {
      std::printf("sysfence compile failed: %s\n", prog.error().render().c_str());
      *ok = false;
      continue;
    }
    cs.push_back({w == Weighting::CacheAware ? "sysfence cache-aware" : "sysfence uniform", *prog});
  }
  *ok = *ok && cs.size() == 4;
  return cs;
}

// Cross-check of the bench's own minimal Docker reader against sysfence's OCI importer: both
// imports compiled for x86_64, every probe emulated, actions compared.
void check_oci_importer(const BenchPolicy& mine, const std::string& path,
                        const std::vector<std::string>& caps) {
  sysfence::frontend::OciImportOptions o;
  o.caps = caps;
  o.host_arch = Arch::X86_64;
  auto imp = sysfence::frontend::import_oci_file(path, o);
  if (!imp) {
    std::printf("\nOCI importer cross-check: import failed: %s\n", imp.render().c_str());
    return;
  }
  sysfence::ir::PolicySpec spec = imp.value->spec;
  spec.arches = {Arch::X86_64};
  spec.missing_syscall = sysfence::ir::MissingSyscall::Ignore;
  // The bench drops names libseccomp 2.5.4 does not know; drop them here too.
  std::erase_if(spec.rules, [](const sysfence::ir::Rule& r) {
    return !r.syscall.empty() && !libseccomp_knows(r.syscall);
  });
  auto pol = sysfence::ir::ValidatedPolicy::build(std::move(spec));
  auto theirs =
      pol ? sysfence_compile(*pol, Weighting::CacheAware) : sysfence::Result<Program>(pol.error());
  auto ours_pol = to_sysfence(mine, {Arch::X86_64});
  if (!theirs || !ours_pol) {
    std::printf("\nOCI importer cross-check: build/compile failed\n");
    return;
  }
  auto ours = sysfence_compile(*ours_pol, Weighting::CacheAware);
  if (!ours) return;
  int probes = 0, differ = 0;
  std::string first;
  for (const auto& e : sysfence::arch::syscalls(Arch::X86_64))
    for (uint64_t a0 : {uint64_t{0}, uint64_t{8}, uint64_t{0x20000}, uint64_t{0x20008},
                        uint64_t{0xffffffff}, uint64_t{0x7e020000}, uint64_t{1}, ~uint64_t{0}}) {
      const auto d = sysfence::bpf::SeccompData::make(sysfence::bpf::kAuditArchX86_64, e.nr, a0);
      const auto x = emulate(*ours, d), y = emulate(*theirs, d);
      ++probes;
      if (x.ret != y.ret) {
        if (!differ)
          first = std::string(e.name) + "(" + std::to_string(a0) + "): bench " +
                  sysfence::bpf::action_name(x.ret) + ", importer " +
                  sysfence::bpf::action_name(y.ret);
        ++differ;
      }
    }
  std::printf(
      "\nCross-check: sysfence's OCI importer (frontend::import_oci_file) and this bench's "
      "reader give the same action on %d of %d probes%s%s.\n",
      probes - differ, probes, differ ? "; first difference: " : "", first.c_str());
}

void compile_times(const std::vector<BenchPolicy*>& pols, bool quick) {
  std::printf("\n### Compile time (policy -> BPF), median thread CPU time\n\n");
  std::printf(
      "sysfence *compile* = compiler::compile on a built ir::ValidatedPolicy (cache-aware); "
      "*build+compile* adds ir::ValidatedPolicy::build from the rule list. libseccomp *export* = "
      "seccomp_export_bpf of a filled context into a memfd (2.5.4 regenerates the "
      "program on every export); *build+export* adds seccomp_init, attributes, "
      "arch_add and every seccomp_rule_add. Speed-up = libseccomp / sysfence (export vs "
      "compile, and build+export vs build+compile); target >= 10x. The six measurements of a "
      "row run round-robin, so they share the same machine load.\n\n");
  std::printf(
      "| policy | arches | sysfence compile | sysfence build+compile | libseccomp default "
      "export | libseccomp tree export | libseccomp default build+export | libseccomp "
      "tree build+export | speed-up export (default / tree) | speed-up build (default / "
      "tree) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  const int reps = quick ? 5 : 31;
  const double budget = quick ? 100 : 3000;
  for (BenchPolicy* p : pols) {
    for (const auto& arches : {std::vector<Arch>{Arch::X86_64},
                               std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}}) {
      auto policy = to_sysfence(*p, arches);
      if (!policy) {
        std::printf("| %s | %zu | %s |\n", p->title.c_str(), arches.size(),
                    policy.error().render().c_str());
        continue;
      }
      const int memfd = make_memfd();
      std::string err;
      void* ctx1 = ls_build(LS, *p, arches, 1, &err);
      void* ctx2 = ls_build(LS, *p, arches, 2, &err);
      if (!ctx1 || !ctx2) {
        std::printf("| %s | libseccomp build failed: %s |\n", p->title.c_str(), err.c_str());
        if (ctx1) ls_release(LS, ctx1);
        if (ctx2) ls_release(LS, ctx2);
        close(memfd);
        continue;
      }
      auto ls_full = [&](int opt) {
        return cpu_us([&] {
          std::string e2;
          void* c2 = ls_build(LS, *p, arches, opt, &e2);
          if (!c2) return false;
          const bool ok = !ls_export(LS, c2, memfd).empty();
          ls_release(LS, c2);
          return ok;
        });
      };
      const auto m = interleaved_medians(
          {[&] {
             return cpu_us([&] { return sysfence_compile(*policy, Weighting::CacheAware).ok(); });
           },
           [&] {
             return cpu_us([&] {
               auto q = to_sysfence(*p, arches);
               return q && sysfence_compile(*q, Weighting::CacheAware).ok();
             });
           },
           [&] { return cpu_us([&] { return !ls_export(LS, ctx1, memfd).empty(); }); },
           [&] { return cpu_us([&] { return !ls_export(LS, ctx2, memfd).empty(); }); },
           [&] { return ls_full(1); }, [&] { return ls_full(2); }},
          reps, budget);
      ls_release(LS, ctx1);
      ls_release(LS, ctx2);
      const double sf = m[0], sfb = m[1], ls[2] = {m[2], m[3]}, lsb[2] = {m[4], m[5]};
      close(memfd);
      std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %.1fx / %.1fx | %.1fx / %.1fx |\n",
                  p->title.c_str(), arches.size() == 1 ? "x86_64" : "x86_64+i386+x32",
                  fmt_us(sf).c_str(), fmt_us(sfb).c_str(), fmt_us(ls[0]).c_str(),
                  fmt_us(ls[1]).c_str(), fmt_us(lsb[0]).c_str(), fmt_us(lsb[1]).c_str(), ls[0] / sf,
                  ls[1] / sf, lsb[0] / sfb, lsb[1] / sfb);
    }
  }
}

void live(const BenchPolicy& pol, const Args& a) {
  bool ok = false;
  auto cs = contenders(pol, {Arch::X86_64}, &ok);
  if (!ok) return;
  std::printf("\n### Live syscall cost — %s filter, x86_64, forked children\n\n",
              pol.title.c_str());
  std::printf(
      "%ld calls per child after a 10%% warm-up; %d children per cell, interleaved%s; "
      "median ns/call of thread CPU time (min–max). getppid is allowed unconditionally (cached by "
      "the "
      "kernel); getpriority(PRIO_PROCESS, 0) is argument-checked (`which < 3`, 64-bit).\n\n",
      a.live_calls, a.live_reps, a.fifo ? ", children SCHED_FIFO" : "");
  // "RET ALLOW only": the cheapest filter there is (the kernel's cache takes every syscall).
  // The difference between it and "no filter" is the kernel's fixed price for being in seccomp
  // mode at all (the syscall entry's slow path), which every filter pays on every syscall.
  std::vector<std::pair<std::string, Program>> modes = {
      {"no filter", {}},
      {"RET ALLOW only",
       {sysfence::bpf::stmt(sysfence::bpf::RET | sysfence::bpf::K, sysfence::bpf::kRetAllow)}}};
  for (const auto& c : cs)
    if (c.name != "sysfence uniform") modes.push_back({c.name, c.prog});
  std::printf("| syscall |");
  for (const auto& m : modes) std::printf(" %s |", m.first.c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < modes.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (int which : {0, 1}) {
    std::vector<std::vector<double>> t(modes.size());
    std::string err;
    for (int r = 0; r < a.live_reps; ++r)
      for (size_t m = 0; m < modes.size(); ++m) {
        const double v = live_ns_per_call(modes[m].second, which, a.live_calls, &err, a.fifo);
        if (v < 0) {
          std::printf("live measurement failed (%s): %s\n", modes[m].first.c_str(), err.c_str());
          return;
        }
        t[m].push_back(v);
      }
    const double base = median(t[0]);
    std::printf("| %s |", which == 0 ? "getppid (cached)" : "getpriority (arg-checked)");
    for (size_t m = 0; m < modes.size(); ++m) {
      const double med = median(t[m]);
      const auto [lo, hi] = std::minmax_element(t[m].begin(), t[m].end());
      if (m == 0)
        std::printf(" %.1f (%.1f–%.1f) |", med, *lo, *hi);
      else
        std::printf(" %.1f (%.1f–%.1f) %+.1f%% |", med, *lo, *hi, 100 * (med - base) / base);
    }
    std::printf("\n");
  }
}

}  // namespace

// Probe inputs on syscall `nr` (x86_64): all zero, then every compared value, +-1, the mask
// and extremes, one argument at a time, and each rule's own values together (and all +-1).
std::vector<SeccompData> arg_probes(const sysfence::ir::ValidatedPolicy& p, int32_t nr) {
  std::vector<SeccompData> out;
  const uint32_t au = sysfence::bpf::kAuditArchX86_64;
  out.push_back(SeccompData::make(au, nr));
  for (const auto& rr : p.rules_for(Arch::X86_64)) {
    if (rr.nr != nr) continue;
    uint64_t own[6] = {};
    for (const auto& c : rr.rule->conds) {
      own[c.arg] = c.value;
      const uint64_t v0 = c.value, m = c.mask;
      for (uint64_t v :
           {v0, v0 + 1, v0 - 1, m, v0 | ~m, ~v0, uint64_t{0xffffffff}, (uint64_t{1} << 32) + v0}) {
        uint64_t a[6] = {};
        a[c.arg] = v;
        out.push_back(SeccompData::make(au, nr, a[0], a[1], a[2], a[3], a[4], a[5]));
      }
    }
    uint64_t up[6], down[6];
    for (int i = 0; i < 6; ++i) {
      up[i] = own[i] + 1;
      down[i] = own[i] - 1;
    }
    out.push_back(SeccompData::make(au, nr, own[0], own[1], own[2], own[3], own[4], own[5]));
    out.push_back(SeccompData::make(au, nr, up[0], up[1], up[2], up[3], up[4], up[5]));
    out.push_back(SeccompData::make(au, nr, down[0], down[1], down[2], down[3], down[4], down[5]));
  }
  return out;
}

// --synthetic: the argument-heavy policies of issue 11, sysfence against libseccomp; and the
// compile time against K for the chart (synthetic-scaling.dat in `dat_dir`).
void synthetic_tables(bool quick, const std::string& dat_dir, int list_over) {
  std::printf("\n### Argument-heavy policies (100 allowed syscalls + K rules on one)\n\n");
  std::printf(
      "Executed instructions over the probes of the rules' syscall (all zero, every "
      "compared value, +-1, masks, extremes, each rule's own values): max / mean. *over "
      "tree*: probes where sysfence runs more than libseccomp's binary tree (by up to). "
      "Compile: median thread CPU time (sysfence compile of a built policy; libseccomp "
      "seccomp_export_bpf of a filled context, default program).\n\n");
  std::printf(
      "| policy | sysfence length | libseccomp default / tree length | sysfence executed | "
      "libseccomp tree executed | over tree | sysfence compile | libseccomp export |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  struct Case {
    std::string kind;
    int k;
    bool libseccomp;
  };
  const std::vector<Case> cases = {{"ioctl", 1000, true},      {"fcntl", 100, true},
                                   {"fcntl", 1000, true},      {"getpriority", 1000, false},
                                   {"mmap", 10, true},         {"ioctl-masks", 10, true},
                                   {"ioctl-masks", 100, true}, {"ioctl-masks", 1000, true},
                                   {"ioctl-args", 100, true},  {"ioctl-args", 1000, true}};
  const int reps = quick ? 5 : 21;
  FILE* exec_dat =
      dat_dir.empty() ? nullptr : std::fopen((dat_dir + "/synthetic-executed.dat").c_str(), "w");
  if (exec_dat) std::fprintf(exec_dat, "# policy sysfence_max sysfence_mean tree_max tree_mean\n");
  for (const Case& c : cases) {
    const BenchPolicy bp = synthetic(c.kind, c.k);
    auto pol = to_sysfence(bp, {Arch::X86_64});
    if (!pol) {
      std::printf("| %s | %s |\n", bp.title.c_str(), pol.error().render().c_str());
      continue;
    }
    auto ours = sysfence_compile(*pol, Weighting::CacheAware);
    if (!ours) {
      std::string theirs;  // libseccomp's default program's length, when it has one
      if (c.libseccomp) {
        const int memfd = make_memfd();
        std::string err;
        if (void* c1 = ls_build(LS, bp, {Arch::X86_64}, 1, &err)) {
          theirs =
              " (libseccomp's default program: " + std::to_string(ls_export(LS, c1, memfd).size()) +
              " instructions)";
          ls_release(LS, c1);
        }
        close(memfd);
      }
      std::printf("| %s | refused: %s%s |\n", bp.title.c_str(), ours.error().message.c_str(),
                  theirs.c_str());
      continue;
    }
    Program def, tree;
    std::string not_compared = "not compared: libseccomp takes minutes";
    double ls_us = -1;
    if (c.libseccomp) {
      const int memfd = make_memfd();
      std::string err;
      void* c1 = ls_build(LS, bp, {Arch::X86_64}, 1, &err);
      void* c2 = ls_build(LS, bp, {Arch::X86_64}, 2, &err);
      if (c1 && c2) {
        def = ls_export(LS, c1, memfd);
        tree = ls_export(LS, c2, memfd);
        if (def.size() > sysfence::bpf::kMaxInsns || tree.size() > sysfence::bpf::kMaxInsns) {
          // The kernel would refuse them: lengths only, nothing to run.
          not_compared = "libseccomp " + std::to_string(def.size()) + " / " +
                         std::to_string(tree.size()) + ": past 4096, the kernel refuses both";
          tree.clear();
        }
        std::vector<double> t;
        for (int r = 0; r < reps; ++r)
          t.push_back(cpu_us([&] { return !ls_export(LS, c1, memfd).empty(); }));
        ls_us = median(t);
      }
      if (c1) ls_release(LS, c1);
      if (c2) ls_release(LS, c2);
      close(memfd);
    }
    std::vector<double> t;
    for (int r = 0; r < reps; ++r)
      t.push_back(cpu_us([&] { return sysfence_compile(*pol, Weighting::CacheAware).ok(); }));
    const double sf_us = median(t);
    const auto nr =
        *sysfence::arch::syscall_number(Arch::X86_64, c.kind.substr(0, c.kind.find('-')));
    uint32_t max_s = 0, max_t = 0, over = 0, worst = 0;
    double sum_s = 0, sum_t = 0;
    const auto probes = arg_probes(*pol, nr);
    for (const auto& d : probes) {
      const auto a = emulate(*ours, d);
      max_s = std::max(max_s, a.insns);
      sum_s += a.insns;
      if (!tree.empty()) {
        const auto b = emulate(tree, d);
        max_t = std::max(max_t, b.insns);
        sum_t += b.insns;
        if (a.insns > b.insns) {
          ++over;
          worst = std::max(worst, a.insns - b.insns);
          if (static_cast<int>(over) <= list_over)
            std::fprintf(stderr, "%s: args %#llx %#llx %#llx %#llx: sysfence %u, tree %u\n",
                         bp.title.c_str(), static_cast<unsigned long long>(d.args[0]),
                         static_cast<unsigned long long>(d.args[1]),
                         static_cast<unsigned long long>(d.args[2]),
                         static_cast<unsigned long long>(d.args[3]), a.insns, b.insns);
          if (over == 1 && list_over > 0) {
            std::printf("\nsysfence path:\n");
            print_path(*ours, d);
            std::printf("\nlibseccomp tree path:\n");
            print_path(tree, d);
          }
        }
      }
    }
    const double n = static_cast<double>(probes.size());
    if (exec_dat && !tree.empty())
      std::fprintf(exec_dat, "\"%s\" %u %.2f %u %.2f\n", bp.title.c_str(), max_s, sum_s / n, max_t,
                   sum_t / n);
    if (tree.empty()) {
      std::printf("| %s | %zu | (%s) | %u / %.1f | — | — | %s | — |\n", bp.title.c_str(),
                  ours->size(), not_compared.c_str(), max_s, sum_s / n, fmt_us(sf_us).c_str());
    } else {
      std::printf(
          "| %s | **%zu** | %zu / %zu | %u / %.1f | %u / %.1f | %u of %zu (+%u) | %s | %s |\n",
          bp.title.c_str(), ours->size(), def.size(), tree.size(), max_s, sum_s / n, max_t,
          sum_t / n, over, probes.size(), worst, fmt_us(sf_us).c_str(), fmt_us(ls_us).c_str());
    }
  }
  if (exec_dat) std::fclose(exec_dat);
  // Compile time against K, for the chart.
  if (dat_dir.empty()) return;
  const std::string path = dat_dir + "/synthetic-scaling.dat";
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return;
  std::fprintf(f, "# K  sysfence_us(ioctl fcntl getpriority)  libseccomp_us(ioctl fcntl)\n");
  for (int k : {10, 30, 100, 300, 1000}) {
    std::fprintf(f, "%d", k);
    double ls_cols[2] = {-1, -1};
    for (const char* kind : {"ioctl", "fcntl", "getpriority"}) {
      const BenchPolicy bp = synthetic(kind, k);
      auto pol = to_sysfence(bp, {Arch::X86_64});
      std::vector<double> t;
      for (int r = 0; r < reps && pol; ++r)
        t.push_back(cpu_us([&] { return sysfence_compile(*pol, Weighting::CacheAware).ok(); }));
      std::fprintf(f, " %.1f", t.empty() ? -1 : median(t));
      if (std::string(kind) != "getpriority") {
        const int memfd = make_memfd();
        std::string err;
        if (void* c1 = ls_build(LS, bp, {Arch::X86_64}, 1, &err)) {
          std::vector<double> u;
          for (int r = 0; r < reps; ++r)
            u.push_back(cpu_us([&] { return !ls_export(LS, c1, memfd).empty(); }));
          ls_cols[std::string(kind) == "ioctl" ? 0 : 1] = median(u);
          ls_release(LS, c1);
        }
        close(memfd);
      }
    }
    std::fprintf(f, " %.1f %.1f\n", ls_cols[0], ls_cols[1]);
  }
  std::fclose(f);
  std::printf("\n(compile time against K written to %s)\n", path.c_str());
}

// --tradeoff: the dispatch tree's two means as the cache-aware weighting's cached-allow weight
// goes from ~0 to 1 (issue 11 §2): (a) over every allowed syscall, (b) over the paths the kernel
// cannot cache, and the probes costing more than libseccomp's tree; the uniform weighting's (a)
// is the optimum (a) is compared with. Writes tradeoff-<name>.dat to `dat_dir`; then the exact
// minimum of (a) when each uncached path may cost 0, 1, 2, ... more than under the default
// (Options::refine_for_all, refine_slack): tradeoff-exact-<name>.dat.
void tradeoff(const BenchPolicy& bp, const std::string& name, const std::string& dat_dir) {
  auto pol = to_sysfence(bp, {Arch::X86_64});
  if (!pol) return;
  const auto base = sysfence_compile(*pol, Weighting::CacheAware);  // the default
  sysfence::compiler::Options refine;  // + the exact second tree (no uncached path costlier)
  refine.refine_for_all = true;
  const auto refined = sysfence::compiler::compile(*pol, refine);
  const auto uni = sysfence_compile(*pol, Weighting::Uniform);
  const int memfd = make_memfd();
  std::string err;
  Program tree;
  if (void* c2 = ls_build(LS, bp, {Arch::X86_64}, 2, &err)) {
    tree = ls_export(LS, c2, memfd);
    ls_release(LS, c2);
  }
  close(memfd);
  if (!base || !refined || !uni || tree.empty()) return;
  struct Num {
    int32_t nr;
    bool allowed, cached;
    std::vector<SeccompData> probes;
  };
  std::vector<Num> nums;
  for (const auto& e : sysfence::arch::syscalls(Arch::X86_64)) {
    bool allowed = false;
    for (const auto& r : pol->rules_for(Arch::X86_64))
      if (r.nr == e.nr && r.rule->action.kind == sysfence::ir::ActionKind::Allow) allowed = true;
    nums.push_back({e.nr, allowed, cacheable(*base, Arch::X86_64, e.nr), arg_probes(*pol, e.nr)});
  }
  // One program's numbers: (a) the mean over allowed numbers, (b) the mean and the maximum over
  // uncached ones, `over` probes costlier than libseccomp's tree, `worse` probes of uncached
  // numbers costlier than under the default (the first cache-aware tree).
  struct Point {
    double a = 0, b = 0;
    uint32_t bmax = 0;
    int over = 0, worse = 0;
  };
  auto measure = [&](const Program& prog) {
    Point p;
    double sa = 0, sb = 0;
    int na = 0, nb = 0;
    for (const Num& n : nums) {
      double sum = 0;
      uint32_t mx = 0;
      for (const auto& d : n.probes) {
        const auto r = emulate(prog, d);
        sum += r.insns;
        mx = std::max(mx, r.insns);
        if (r.insns > emulate(tree, d).insns) ++p.over;
        if (!n.cached && r.insns > emulate(*base, d).insns) ++p.worse;
      }
      const double mean = sum / static_cast<double>(n.probes.size());
      if (n.allowed) {
        sa += mean;
        ++na;
      }
      if (!n.cached) {
        sb += mean;
        ++nb;
        p.bmax = std::max(p.bmax, mx);
      }
    }
    p.a = sa / na;
    p.b = sb / nb;
    return p;
  };
  const Point uniform = measure(*uni), refined_point = measure(*refined), dflt = measure(*base);
  std::printf(
      "\n#### %s: uniform weighting (a) %.2f, (b) %.2f / %u; default (cache-aware, cached "
      "weight 0.1) (a) %.2f (+%.1f%%), (b) %.2f / %u; + exact second tree (a) %.2f (+%.1f%%), (b) "
      "%.2f / %u, %d uncached probes costlier than the default\n\n",
      name.c_str(), uniform.a, uniform.b, uniform.bmax, dflt.a, 100 * (dflt.a / uniform.a - 1),
      dflt.b, dflt.bmax, refined_point.a, 100 * (refined_point.a / uniform.a - 1), refined_point.b,
      refined_point.bmax, refined_point.worse);
  // A table of one sweep: a row per setting (each also a line of `dat_file`), then `last`.
  auto sweep = [&](const char* first_column, const std::string& dat_file, const char* dat_header,
                   const std::vector<std::pair<std::string, Options>>& rows,
                   const std::pair<std::string, Point>& last) {
    std::printf(
        "| %s | (a) mean, allowed | vs uniform optimum | (b) mean, uncached | (b) max | probes "
        "over libseccomp tree | uncached probes over the 0.1 tree |\n"
        "|---:|---:|---:|---:|---:|---:|---:|\n",
        first_column);
    FILE* f = dat_dir.empty() ? nullptr : std::fopen((dat_dir + "/" + dat_file).c_str(), "w");
    if (f) std::fprintf(f, "%s\n", dat_header);
    auto print = [&](const std::string& label, const Point& p) {
      std::printf("| %s | %.2f | %+.1f%% | %.2f | %u | %d | %d |\n", label.c_str(), p.a,
                  100 * (p.a / uniform.a - 1), p.b, p.bmax, p.over, p.worse);
    };
    for (const auto& [label, options] : rows) {
      auto prog = sysfence::compiler::compile(*pol, options);
      if (!prog) continue;
      const Point p = measure(*prog);
      print(label, p);
      if (f)
        std::fprintf(f, "%s %.3f %.3f %u %d %d\n", label.c_str(), p.a, p.b, p.bmax, p.over,
                     p.worse);
    }
    print(last.first, last.second);
    if (f) std::fclose(f);
  };
  std::vector<std::pair<std::string, Options>> weights;
  for (double w : {0.001, 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0}) {
    Options o;
    o.cached_weight = w;
    char label[16];
    std::snprintf(label, sizeof label, "%.3f", w);
    weights.emplace_back(label, o);
  }
  char weights_header[128];
  std::snprintf(weights_header, sizeof weights_header,
                "# cached_weight a_mean b_mean b_max over_tree uncached_over_default (uniform "
                "a=%.3f b=%.3f)",
                uniform.a, uniform.b);
  sweep("cached-allow weight", "tradeoff-" + name + ".dat", weights_header, weights,
        {"uniform", uniform});
  // The exact minimum of (a)'s weighting when every uncached path may pay `slack` dispatch
  // instructions more than in the 0.1 tree (Options::refine_slack; refine_for_all on).
  std::printf("\n");
  std::vector<std::pair<std::string, Options>> slacks;
  for (size_t slack = 0; slack <= 6; ++slack) {
    Options o;
    o.refine_for_all = true;
    o.refine_slack = slack;
    slacks.emplace_back(std::to_string(slack), o);
  }
  sweep("uncached paths: at most the 0.1 tree's +", "tradeoff-exact-" + name + ".dat",
        "# slack a_mean b_mean b_max over_tree uncached_over_default", slacks,
        {"0.1 + exact second tree (slack 0)", refined_point});
}

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", s.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (s == "--profile")
      a.profile = next();
    else if (s == "--caps")
      a.caps = next();
    else if (s == "--quick")
      a.quick = true;
    else if (s == "--no-live")
      a.live = false;
    else if (s == "--live-only")
      a.live_only = true;
    else if (s == "--worst")
      a.worst = a.worst_given = std::atoi(next().c_str());
    else if (s == "--live-calls")
      a.live_calls = std::atol(next().c_str());
    else if (s == "--live-reps")
      a.live_reps = std::atoi(next().c_str());
    else if (s == "--trace")
      a.traces.push_back(next());
    else if (s == "--fifo")
      a.fifo = true;
    else if (s == "--synthetic")
      a.synthetic = true;
    else if (s == "--tradeoff")
      a.tradeoff = true;
    else if (s == "--podman")
      a.podman = next();
    else if (s == "--dat-dir")
      a.dat_dir = next();
    else {
      std::fprintf(
          stderr,
          "usage: %s [--profile PATH] [--caps host|docker] [--quick] [--no-live|--live-only] "
          "[--worst N] [--live-calls N] [--live-reps N] [--fifo] [--trace NAME[:a0[:a1..]]] "
          "[--synthetic|--tradeoff [--podman PATH]] [--dat-dir DIR]\n",
          argv[0]);
      return 2;
    }
  }
  if (a.quick) {
    a.live_calls = 50000;
    a.live_reps = 3;
  }
  std::printf("## sysfence vs libseccomp — one run\n\n%s; %s\n", machine_summary().c_str(),
              LS.name.c_str());
  if (a.synthetic) {
    synthetic_tables(a.quick, a.dat_dir, a.worst_given);
    return 0;
  }
  if (a.tradeoff) {
    std::printf("\n### Dispatch weighting: the two means against the cached-allow weight\n");
    for (const auto& [label, caps] : {std::pair<std::string, std::vector<std::string>>{
                                          "docker-host-caps", host_effective_caps()},
                                      {"docker-container-caps", docker_container_caps()}}) {
      if (auto d = load_docker_profile(a.profile, caps)) {
        keep_common_names(*d, LS);
        tradeoff(*d, label, a.dat_dir);
      }
    }
    if (auto d = load_docker_profile(a.podman, docker_container_caps())) {
      keep_common_names(*d, LS);
      tradeoff(*d, "podman-container-caps", a.dat_dir);
    } else {
      std::printf("\nPodman profile: SKIPPED (%s not found)\n", a.podman.c_str());
    }
    return 0;
  }

  std::vector<BenchPolicy> pols;
  const auto caps = a.caps == "docker" ? docker_container_caps() : host_effective_caps();
  if (auto d = load_docker_profile(a.profile, caps)) {
    d->title += a.caps == "docker" ? " (container caps)" : " (host caps)";
    keep_common_names(*d, LS);
    check_oci_importer(*d, a.profile, caps);
    pols.push_back(std::move(*d));
  } else {
    std::printf("\nDocker profile: SKIPPED (%s not found)\n", a.profile.c_str());
  }
  pols.push_back(allowlist350(libseccomp_knows));

  if (a.live_only) {
    live(pols.back(), a);
    return 0;
  }
  for (const auto& p : pols) {
    std::printf("\n### Policy: %s — %zu rules\n\n", p.title.c_str(), p.rules.size());
    for (const auto& n : p.notes) std::printf("- %s\n", n.c_str());
    bool ok = false;
    auto cs = contenders(p, {Arch::X86_64}, &ok);
    if (!ok) continue;
    std::printf("\n#### Program length (instructions), x86_64 only\n\n| |");
    for (const auto& c : cs) std::printf(" %s |", c.name.c_str());
    std::printf("\n|---|");
    for (size_t i = 0; i < cs.size(); ++i) std::printf("---:|");
    std::printf("\n| x86_64 |");
    for (const auto& c : cs) std::printf(" %zu |", c.prog.size());
    auto cs3 = contenders(p, {Arch::X86_64, Arch::I386, Arch::X32}, &ok);
    if (ok) {
      std::printf("\n| x86_64+i386+x32 |");
      for (const auto& c : cs3) std::printf(" %zu |", c.prog.size());
    }
    std::printf("\n");
    instruction_tables(p, cs, 1, 2, 2, a.worst);
    for (const auto& t : a.traces) {
      std::vector<std::string> parts;
      size_t pos = 0;
      for (size_t c; (c = t.find(':', pos)) != std::string::npos; pos = c + 1)
        parts.push_back(t.substr(pos, c - pos));
      parts.push_back(t.substr(pos));
      auto nr = sysfence::arch::syscall_number(Arch::X86_64, parts[0]);
      if (!nr && !parts[0].empty() && std::isdigit(static_cast<unsigned char>(parts[0][0])))
        nr = static_cast<int32_t>(std::stoul(parts[0], nullptr, 0));  // a raw number
      if (!nr) continue;
      auto d = sysfence::bpf::SeccompData::make(sysfence::bpf::kAuditArchX86_64, *nr);
      for (size_t k = 1; k < parts.size() && k <= 6; ++k)
        d.args[k - 1] = std::stoull(parts[k], nullptr, 0);
      for (const auto& c : cs) {
        const auto e = emulate(c.prog, d);
        std::printf("\ntrace %s on %s: %s after %u instructions\n", t.c_str(), c.name.c_str(),
                    sysfence::bpf::action_name(e.ret).c_str(), e.insns);
        print_path(c.prog, d);
      }
    }
  }

  std::vector<BenchPolicy*> pp;
  for (auto& p : pols) pp.push_back(&p);
  compile_times(pp, a.quick);
  if (a.live) live(pols.back(), a);
  return 0;
}
