// bench/capi.cpp — the libseccomp-compatible C API (src/compat) against Debian's libseccomp,
// side by side in one run: the same rule list goes through seccomp_init / seccomp_rule_add_array
// / seccomp_export_bpf of each library.
//
//   sysfence_bench_capi [--compat PATH] [--libseccomp PATH] [--profile PATH] [--quick]
//
// Both libraries export the same symbols, so neither is linked: each is loaded with dlopen
// (RTLD_LOCAL | RTLD_DEEPBIND) and driven through the same function table (common.hpp).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common.hpp"
#include "report.hpp"

#ifndef SYSFENCE_COMPAT_SO
#define SYSFENCE_COMPAT_SO "libsysfence-seccomp.so"
#endif

namespace {

constexpr int kAttrCtlOptimize = 8;  // SCMP_FLTATR_CTL_OPTIMIZE (no <seccomp.h> here)

using namespace bench;

const ScmpApi* g_libseccomp = nullptr;
bool libseccomp_has(std::string_view name) {
  return g_libseccomp->syscall_resolve_name(std::string(name).c_str()) != -1;
}

struct Lib {
  const ScmpApi* api;
  int optimize;  // 0: attribute left unset
  std::string label;
};

}  // namespace

int main(int argc, char** argv) {
  std::string compat = SYSFENCE_COMPAT_SO, libseccomp = "libseccomp.so.2",
              profile = "/work/shared/profiles/docker-default.json";
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--compat" && i + 1 < argc)
      compat = argv[++i];
    else if (s == "--libseccomp" && i + 1 < argc)
      libseccomp = argv[++i];
    else if (s == "--profile" && i + 1 < argc)
      profile = argv[++i];
    else if (s == "--quick")
      quick = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--compat PATH] [--libseccomp PATH] [--profile PATH] [--quick]\n",
                   argv[0]);
      return 2;
    }
  }
  std::string err;
  auto ls = load_scmp_api("libseccomp (" + libseccomp + ")", libseccomp, &err);
  if (!ls) {
    std::fprintf(stderr, "cannot load %s: %s\n", libseccomp.c_str(), err.c_str());
    return 1;
  }
  err.clear();
  auto sf = load_scmp_api("sysfence C API (" + compat + ")", compat, &err);
  if (!sf) {
    std::fprintf(stderr, "cannot load %s: %s\n", compat.c_str(), err.c_str());
    return 1;
  }
  g_libseccomp = &*ls;
  std::printf("## C API: sysfence-seccomp vs libseccomp — one run\n\n%s\n\n- %s\n- %s\n",
              machine_summary().c_str(), ls->name.c_str(), sf->name.c_str());

  std::vector<BenchPolicy> pols;
  if (auto d = load_docker_profile(profile, host_effective_caps())) {
    d->title += " (host caps)";
    keep_common_names(*d, *ls);
    pols.push_back(std::move(*d));
  } else {
    std::printf("\nDocker profile: SKIPPED (%s not found)\n", profile.c_str());
  }
  pols.push_back(allowlist350(libseccomp_has));

  const std::vector<Lib> libs = {
      {&*ls, 1, "libseccomp default"}, {&*ls, 2, "libseccomp tree"}, {&*sf, 0, "sysfence C API"}};
  const int reps = quick ? 5 : 31;
  const double budget = quick ? 100 : 3000;
  const int memfd = make_memfd();

  for (const auto& p : pols) {
    std::printf("\n### Policy: %s — %zu rules, through seccomp_rule_add_array\n\n", p.title.c_str(),
                p.rules.size());
    for (const auto& n : p.notes) std::printf("- %s\n", n.c_str());
    std::printf(
        "\nMedians of thread CPU time, all cells of a row group measured round-robin. "
        "*first export* times seccomp_export_bpf on a freshly built context "
        "(this is where a library compiles); *export again* re-exports the same context "
        "(a library may reuse the program it compiled); *init+rules+export* times the "
        "whole seccomp_init .. seccomp_release sequence.\n\n");
    std::printf(
        "*recompiling export* times seccomp_export_bpf in a loop of its own on one "
        "context, after seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE) each time, which "
        "makes sysfence drop its kept program (libseccomp regenerates on every export "
        "anyway): both compile every time, with the allocator and caches in the steady "
        "state of a program that exports repeatedly.\n\n");
    std::printf(
        "| library | arches | rules refused | length | first export | export again | "
        "init+rules+export | recompiling export |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|\n");
    std::vector<Contender> cs;
    double export_us[2][3] = {};
    double whole_us[2][3] = {};
    double steady_us[2][3] = {};
    int a_idx = 0;
    for (const auto& arches : {std::vector<Arch>{Arch::X86_64},
                               std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}}) {
      // Per library: the program, rules refused, and a context kept for "export again".
      std::vector<void*> ctxs(libs.size(), nullptr);
      std::vector<Program> progs(libs.size());
      std::vector<int> refused(libs.size(), 0);
      bool ok = true;
      for (size_t li = 0; li < libs.size(); ++li) {
        ctxs[li] = ls_build(*libs[li].api, p, arches, libs[li].optimize, &err, &refused[li]);
        if (!ctxs[li]) {
          std::printf("| %s | %zu | build failed: %s |\n", libs[li].label.c_str(), arches.size(),
                      err.c_str());
          ok = false;
          continue;
        }
        progs[li] = ls_export(*libs[li].api, ctxs[li], memfd);
      }
      if (!ok) {
        for (size_t li = 0; li < libs.size(); ++li)
          if (ctxs[li]) ls_release(*libs[li].api, ctxs[li]);
        continue;
      }
      // Three measurements per library, all interleaved: first export of a fresh context (only
      // the export timed), export again of the kept context, and init+rules+export+release.
      std::vector<std::function<double()>> fns;
      for (size_t li = 0; li < libs.size(); ++li) {
        fns.push_back([&, li] {
          const Lib& l = libs[li];
          std::string e2;
          void* c2 = ls_build(*l.api, p, arches, l.optimize, &e2);
          if (!c2) return -1.0;
          const double us = cpu_us([&] { return !ls_export(*l.api, c2, memfd).empty(); });
          ls_release(*l.api, c2);
          return us;
        });
        fns.push_back([&, li] {
          return cpu_us([&] { return !ls_export(*libs[li].api, ctxs[li], memfd).empty(); });
        });
        fns.push_back([&, li] {
          const Lib& l = libs[li];
          return cpu_us([&] {
            std::string e2;
            void* c2 = ls_build(*l.api, p, arches, l.optimize, &e2);
            if (!c2) return false;
            const bool r = !ls_export(*l.api, c2, memfd).empty();
            ls_release(*l.api, c2);
            return r;
          });
        });
      }
      const auto m = interleaved_medians(fns, reps, budget);
      std::vector<double> steady(libs.size(), -1);
      for (size_t li = 0; li < libs.size(); ++li) {
        const Lib& l = libs[li];
        std::vector<double> t;
        for (int i = 0; i < (quick ? 20 : 200); ++i) {
          if (l.api->attr_set(ctxs[li], kAttrCtlOptimize,
                              static_cast<uint32_t>(l.optimize > 0 ? l.optimize : 2)) != 0)
            break;
          t.push_back(cpu_us([&] { return !ls_export(*l.api, ctxs[li], memfd).empty(); }));
        }
        if (!t.empty()) steady[li] = median(t);
      }
      for (size_t li = 0; li < libs.size(); ++li) {
        ls_release(*libs[li].api, ctxs[li]);
        export_us[a_idx][li] = m[3 * li];
        whole_us[a_idx][li] = m[3 * li + 2];
        steady_us[a_idx][li] = steady[li];
        std::printf("| %s | %s | %d | %zu | %s | %s | %s | %s |\n", libs[li].label.c_str(),
                    arches.size() == 1 ? "x86_64" : "x86_64+i386+x32", refused[li],
                    progs[li].size(), fmt_us(m[3 * li]).c_str(), fmt_us(m[3 * li + 1]).c_str(),
                    fmt_us(m[3 * li + 2]).c_str(), fmt_us(steady[li]).c_str());
        if (arches.size() == 1) cs.push_back({libs[li].label, std::move(progs[li])});
      }
      ++a_idx;
    }
    auto speedups = [](const char* what, const double(&us)[2][3]) {
      for (int a = 0; a < 2; ++a)
        if (us[a][2] > 0)
          std::printf(
              "\n%s speed-up, %s: %.1fx vs libseccomp default, %.1fx vs its tree "
              "(target >= 10x).\n",
              what, a == 0 ? "x86_64" : "3 arches", us[a][0] / us[a][2], us[a][1] / us[a][2]);
    };
    speedups("Whole-sequence (init+rules+export)", whole_us);
    speedups("First-export", export_us);
    speedups("Recompiling-export", steady_us);
    if (cs.size() == 3 && !cs[2].prog.empty()) instruction_tables(p, cs, 1, 2, 2, 10);
  }
  close(memfd);
  return 0;
}
