// bench/compare.cpp — sysfence vs Debian's libseccomp, side by side in one run.
//
//   sysfence_bench_compare [--profile PATH] [--caps host|docker] [--quick] [--no-live|--live-only]
//                          [--worst N] [--live-calls N] [--live-reps N]
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
using sysfence::compiler::Weighting;

struct Args {
  std::string profile = "/work/shared/profiles/docker-default.json";
  std::string caps = "host";
  bool quick = false;
  bool live = true;
  int worst = 10;
  long live_calls = 300000;
  std::vector<std::string> traces;  // --trace NAME[:a0[:a1...]] (x86_64)
  int live_reps = 11;
  bool fifo = false;
  bool live_only = false;  // only the live syscall table
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
  auto pol = sysfence::ir::Policy::build(std::move(spec));
  auto theirs = pol ? sysfence_compile(*pol, Weighting::CacheAware)
                    : sysfence::Result<Program>(pol.error());
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
  std::printf("\nCross-check: sysfence's OCI importer (frontend::import_oci_file) and this bench's "
              "reader give the same action on %d of %d probes%s%s.\n",
              probes - differ, probes, differ ? "; first difference: " : "", first.c_str());
}

void compile_times(const std::vector<BenchPolicy*>& pols, bool quick) {
  std::printf("\n### Compile time (policy -> BPF), median thread CPU time\n\n");
  std::printf("sysfence *compile* = compiler::compile on a built ir::Policy (cache-aware); "
              "*build+compile* adds ir::Policy::build from the rule list. libseccomp *export* = "
              "seccomp_export_bpf of a filled context into a memfd (2.5.4 regenerates the "
              "program on every export); *build+export* adds seccomp_init, attributes, "
              "arch_add and every seccomp_rule_add. Speed-up = libseccomp / sysfence (export vs "
              "compile, and build+export vs build+compile); target >= 10x. The six measurements of a "
              "row run round-robin, so they share the same machine load.\n\n");
  std::printf("| policy | arches | sysfence compile | sysfence build+compile | libseccomp default "
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
          {[&] { return cpu_us([&] { return sysfence_compile(*policy, Weighting::CacheAware).ok(); }); },
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
                  fmt_us(ls[1]).c_str(), fmt_us(lsb[0]).c_str(), fmt_us(lsb[1]).c_str(),
                  ls[0] / sf, ls[1] / sf, lsb[0] / sfb, lsb[1] / sfb);
    }
  }
}

void live(const BenchPolicy& pol, const Args& a) {
  bool ok = false;
  auto cs = contenders(pol, {Arch::X86_64}, &ok);
  if (!ok) return;
  std::printf("\n### Live syscall cost — %s filter, x86_64, forked children\n\n", pol.title.c_str());
  std::printf("%ld calls per child after a 10%% warm-up; %d children per cell, interleaved%s; "
              "median ns/call of thread CPU time (min–max). getppid is allowed unconditionally (cached by the "
              "kernel); getpriority(PRIO_PROCESS, 0) is argument-checked (`which < 3`, 64-bit).\n\n",
              a.live_calls, a.live_reps, a.fifo ? ", children SCHED_FIFO" : "");
  // "RET ALLOW only": the cheapest filter there is (the kernel's cache takes every syscall).
  // The difference between it and "no filter" is the kernel's fixed price for being in seccomp
  // mode at all (the syscall entry's slow path), which every filter pays on every syscall.
  std::vector<std::pair<std::string, Program>> modes = {
      {"no filter", {}},
      {"RET ALLOW only", {sysfence::bpf::stmt(sysfence::bpf::RET | sysfence::bpf::K,
                                              sysfence::bpf::kRetAllow)}}};
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
    if (s == "--profile") a.profile = next();
    else if (s == "--caps") a.caps = next();
    else if (s == "--quick") a.quick = true;
    else if (s == "--no-live") a.live = false;
    else if (s == "--live-only") a.live_only = true;
    else if (s == "--worst") a.worst = std::atoi(next().c_str());
    else if (s == "--live-calls") a.live_calls = std::atol(next().c_str());
    else if (s == "--live-reps") a.live_reps = std::atoi(next().c_str());
    else if (s == "--trace") a.traces.push_back(next());
    else if (s == "--fifo") a.fifo = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--profile PATH] [--caps host|docker] [--quick] [--no-live|--live-only] "
                   "[--worst N] [--live-calls N] [--live-reps N] [--fifo] [--trace NAME[:a0[:a1..]]]\n",
                   argv[0]);
      return 2;
    }
  }
  if (a.quick) {
    a.live_calls = 50000;
    a.live_reps = 3;
  }
  std::printf("## sysfence vs libseccomp — one run\n\n%s; %s\n", machine_summary().c_str(), LS.name.c_str());

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
      for (size_t k = 1; k < parts.size() && k <= 6; ++k) d.args[k - 1] = std::stoull(parts[k], nullptr, 0);
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
