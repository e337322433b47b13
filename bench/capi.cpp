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
#include <string>
#include <vector>

#include "common.hpp"
#include "report.hpp"

#ifndef SYSFENCE_COMPAT_SO
#define SYSFENCE_COMPAT_SO "libsysfence-seccomp.so"
#endif

namespace {

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
    if (s == "--compat" && i + 1 < argc) compat = argv[++i];
    else if (s == "--libseccomp" && i + 1 < argc) libseccomp = argv[++i];
    else if (s == "--profile" && i + 1 < argc) profile = argv[++i];
    else if (s == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--compat PATH] [--libseccomp PATH] [--profile PATH] [--quick]\n",
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

  const std::vector<Lib> libs = {{&*ls, 1, "libseccomp default"},
                                 {&*ls, 2, "libseccomp tree"},
                                 {&*sf, 0, "sysfence C API"}};
  const int reps = quick ? 5 : 31;
  const double budget = quick ? 50 : 400;
  const int memfd = make_memfd();

  for (const auto& p : pols) {
    std::printf("\n### Policy: %s — %zu rules, through seccomp_rule_add_array\n\n", p.title.c_str(),
                p.rules.size());
    for (const auto& n : p.notes) std::printf("- %s\n", n.c_str());
    std::printf("\nMedians. *first export* times seccomp_export_bpf on a freshly built context "
                "(this is where a library compiles); *export again* re-exports the same context "
                "(a library may reuse the program it compiled); *init+rules+export* times the "
                "whole seccomp_init .. seccomp_release sequence.\n\n");
    std::printf("| library | arches | rules refused | length | first export | export again | "
                "init+rules+export |\n|---|---|---:|---:|---:|---:|---:|\n");
    std::vector<Contender> cs;
    double export_us[2][3] = {};
    int a_idx = 0;
    for (const auto& arches : {std::vector<Arch>{Arch::X86_64},
                               std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}}) {
      for (size_t li = 0; li < libs.size(); ++li) {
        const Lib& l = libs[li];
        int refused = 0;
        void* ctx = ls_build(*l.api, p, arches, l.optimize, &err, &refused);
        if (!ctx) {
          std::printf("| %s | %zu | build failed: %s |\n", l.label.c_str(), arches.size(), err.c_str());
          continue;
        }
        Program prog = ls_export(*l.api, ctx, memfd);
        // Export again from the same context: a library may keep the program it compiled.
        const double again =
            time_us([&] { return !ls_export(*l.api, ctx, memfd).empty(); }, reps, budget);
        ls_release(*l.api, ctx);
        // First export of a freshly built context: only the export is timed.
        std::vector<double> firsts;
        const uint64_t t_start = now_ns();
        while (static_cast<int>(firsts.size()) < reps ||
               (static_cast<double>(now_ns() - t_start) < budget * 1e6 && firsts.size() < 500)) {
          std::string e2;
          void* c2 = ls_build(*l.api, p, arches, l.optimize, &e2);
          if (!c2) break;
          const uint64_t t0 = now_ns();
          const bool ok = !ls_export(*l.api, c2, memfd).empty();
          firsts.push_back(static_cast<double>(now_ns() - t0) / 1e3);
          ls_release(*l.api, c2);
          if (!ok) break;
        }
        const double ex = median(firsts);
        const double bx = time_us(
            [&] {
              std::string e2;
              void* c2 = ls_build(*l.api, p, arches, l.optimize, &e2);
              if (!c2) return false;
              const bool ok = !ls_export(*l.api, c2, memfd).empty();
              ls_release(*l.api, c2);
              return ok;
            },
            reps, budget);
        export_us[a_idx][li] = ex;
        std::printf("| %s | %s | %d | %zu | %s | %s | %s |\n", l.label.c_str(),
                    arches.size() == 1 ? "x86_64" : "x86_64+i386+x32", refused, prog.size(),
                    fmt_us(ex).c_str(), fmt_us(again).c_str(), fmt_us(bx).c_str());
        if (arches.size() == 1) cs.push_back({l.label, std::move(prog)});
      }
      ++a_idx;
    }
    for (int a = 0; a < 2; ++a)
      if (export_us[a][2] > 0)
        std::printf("\nFirst-export speed-up, %s: %.1fx vs libseccomp default, %.1fx vs its "
                    "tree (target >= 10x).\n",
                    a == 0 ? "x86_64" : "3 arches", export_us[a][0] / export_us[a][2],
                    export_us[a][1] / export_us[a][2]);
    if (cs.size() == 3 && !cs[2].prog.empty()) instruction_tables(p, cs, 1, 2, 2, 10);
  }
  close(memfd);
  return 0;
}
