// bench/timing.cpp — Google Benchmark timings: compile/export time, and syscall cost under a
// filter.
//
//   sysfence_bench_timing [--policy-profile PATH] [google benchmark flags]
//       compile and export times, both policies, 1 and 3 arches
//   sysfence_bench_timing --under none|sysfence|libseccomp-default|libseccomp-tree [gbench flags]
//       installs that filter (allowlist-350, x86_64) into this process first, then times
//       getppid (cached) and getpriority(PRIO_PROCESS, 0) (argument-checked)
//
// A filter cannot be removed, so scripts/bench.sh runs one process per --under mode and
// repeats (--benchmark_repetitions) to report medians.
#include <benchmark/benchmark.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

using namespace bench;
const ScmpApi& LS = linked_libseccomp();
using sysfence::compiler::Weighting;

std::vector<BenchPolicy> g_policies;

std::string arches_name(const std::vector<Arch>& a) { return a.size() == 1 ? "1arch" : "3arch"; }

// "Cold" variants: before each timed iteration (timer paused), 16 MiB are written, which evicts
// the caches as a program that does other work between two compilations would.
void evict_caches() {
  static std::vector<char> junk(16u << 20);
  static char v = 0;
  ++v;
  for (size_t i = 0; i < junk.size(); i += 64) junk[i] = v;
  benchmark::ClobberMemory();
}

void register_compile(const BenchPolicy& p) {
  for (const auto& arches :
       {std::vector<Arch>{Arch::X86_64}, std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}}) {
    const std::string suffix = p.title + "/" + arches_name(arches);
    // Compile of a built policy, warm (a loop of its own) and cold (caches evicted each time).
    for (bool cold : {false, true}) {
      benchmark::RegisterBenchmark(
          ((cold ? "sysfence_compile_cold/" : "sysfence_compile/") + suffix).c_str(),
          [&p, arches, cold](benchmark::State& st) {
            auto policy = to_sysfence(p, arches);
            if (!policy) {
              st.SkipWithError(policy.error().message.c_str());
              return;
            }
            for (auto _ : st) {
              if (cold) {
                st.PauseTiming();
                evict_caches();
                st.ResumeTiming();
              }
              auto prog = sysfence_compile(*policy, Weighting::CacheAware);
              benchmark::DoNotOptimize(prog);
            }
          })
          ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark(("sysfence_build_compile/" + suffix).c_str(),
                                 [&p, arches](benchmark::State& st) {
                                   for (auto _ : st) {
                                     auto policy = to_sysfence(p, arches);
                                     if (!policy) {
                                       st.SkipWithError(policy.error().message.c_str());
                                       return;
                                     }
                                     auto prog = sysfence_compile(*policy, Weighting::CacheAware);
                                     benchmark::DoNotOptimize(prog);
                                   }
                                 })
        ->Unit(benchmark::kMicrosecond);
    for (int opt : {1, 2}) {
      const std::string ls = opt == 1 ? "libseccomp_default" : "libseccomp_tree";
      for (bool cold : {false, true}) {
        benchmark::RegisterBenchmark((ls + (cold ? "_export_cold/" : "_export/") + suffix).c_str(),
                                     [&p, arches, opt, cold](benchmark::State& st) {
                                       std::string err;
                                       void* ctx = ls_build(LS, p, arches, opt, &err);
                                       if (!ctx) {
                                         st.SkipWithError(err.c_str());
                                         return;
                                       }
                                       const int fd = make_memfd();
                                       for (auto _ : st) {
                                         if (cold) {
                                           st.PauseTiming();
                                           evict_caches();
                                           st.ResumeTiming();
                                         }
                                         auto prog = ls_export(LS, ctx, fd);
                                         benchmark::DoNotOptimize(prog);
                                       }
                                       close(fd);
                                       ls_release(LS, ctx);
                                     })
            ->Unit(benchmark::kMicrosecond);
      }
      benchmark::RegisterBenchmark((ls + "_build_export/" + suffix).c_str(),
                                   [&p, arches, opt](benchmark::State& st) {
                                     const int fd = make_memfd();
                                     for (auto _ : st) {
                                       std::string err;
                                       void* ctx = ls_build(LS, p, arches, opt, &err);
                                       if (!ctx) {
                                         st.SkipWithError(err.c_str());
                                         break;
                                       }
                                       auto prog = ls_export(LS, ctx, fd);
                                       benchmark::DoNotOptimize(prog);
                                       ls_release(LS, ctx);
                                     }
                                     close(fd);
                                   })
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

void BM_getppid(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(syscall(SYS_getppid));
}
void BM_getpriority(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(syscall(SYS_getpriority, 0, 0));
}

bool install(const Program& prog) {
  sock_fprog fp{};
  fp.len = static_cast<unsigned short>(prog.size());
  fp.filter = reinterpret_cast<sock_filter*>(const_cast<sysfence::bpf::Insn*>(prog.data()));
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string under, profile = "/work/shared/profiles/docker-default.json";
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--under") && i + 1 < argc)
      under = argv[++i];
    else if (!std::strcmp(argv[i], "--policy-profile") && i + 1 < argc)
      profile = argv[++i];
    else
      rest.push_back(argv[i]);
  }
  if (under.empty()) {
    if (auto d = load_docker_profile(profile, host_effective_caps())) {
      keep_common_names(*d, LS);
      g_policies.push_back(*d);
    } else
      std::fprintf(stderr, "Docker profile %s not found: skipped\n", profile.c_str());
    g_policies.push_back(allowlist350(libseccomp_knows));
    for (const auto& p : g_policies) register_compile(p);
  } else {
    const BenchPolicy p = allowlist350(libseccomp_knows);
    Program prog;
    if (under == "sysfence") {
      auto policy = to_sysfence(p, {Arch::X86_64});
      if (!policy) {
        std::fprintf(stderr, "%s\n", policy.error().render().c_str());
        return 1;
      }
      auto r = sysfence_compile(*policy, Weighting::CacheAware);
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().render().c_str());
        return 1;
      }
      prog = *r;
    } else if (under == "libseccomp-default" || under == "libseccomp-tree") {
      std::string err;
      void* ctx = ls_build(LS, p, {Arch::X86_64}, under == "libseccomp-tree" ? 2 : 1, &err);
      if (!ctx) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
      }
      const int fd = make_memfd();
      prog = ls_export(LS, ctx, fd);
      close(fd);
      ls_release(LS, ctx);
    } else if (under != "none") {
      std::fprintf(stderr, "--under: none|sysfence|libseccomp-default|libseccomp-tree\n");
      return 2;
    }
    if (!prog.empty() && !install(prog)) {
      std::perror("installing the filter");
      return 1;
    }
    benchmark::RegisterBenchmark(("getppid_cached/" + under).c_str(), BM_getppid);
    benchmark::RegisterBenchmark(("getpriority_argchecked/" + under).c_str(), BM_getpriority);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
