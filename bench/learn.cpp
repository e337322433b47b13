// bench/learn.cpp — `sysfence learn` against `strace -f -c -o /dev/null` on the workloads that
// tests/learn proves learn on, and the mean number of BPF instructions per traced call under
// each dispatch-tree weighting (sysfence default, uniform, profile-guided from `learn --freq`,
// libseccomp's binary tree). Markdown on stdout; docs/benchmarks.md has a run.
//
//   sysfence_bench_learn [RUNS]     (default 5 runs per cell; the median is printed)
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/learn/learn.hpp"
#include "workloads.hpp"

namespace {

using namespace sysfence;
using namespace bench;

int run_quiet(const std::vector<std::string>& argv) {
  const pid_t p = ::fork();
  if (p == 0) {
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execvp(a[0], a.data());
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(p, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string fresh_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "sysfence-bench-XXXXXX").string();
  if (!::mkdtemp(t.data())) std::abort();
  return t;
}

double time_ms(const std::vector<std::string>& prefix, const Workload& w, int runs, bool* ok) {
  std::vector<double> v;
  for (int i = 0; i < runs; ++i) {
    const std::string dir = fresh_dir();
    const uint64_t t0 = now_ns();
    const int rc = run_quiet(with(prefix, w.command(dir)));
    v.push_back(static_cast<double>(now_ns() - t0) / 1e6);
    *ok = *ok && rc == 0;
    std::filesystem::remove_all(dir);
  }
  return median(v);
}

// Weighted mean of instructions per call over the profile. `kernel`: calls the kernel's
// constant-allow cache takes run no BPF (0 instructions).
double mean_insns(const Program& prog, const compiler::FrequencyProfile& prof, bool kernel) {
  double sum = 0, n = 0;
  for (const auto& [k, c] : prof) {
    const uint32_t audit = arch::info(k.first).audit_arch;
    double insns = emulate(prog, bpf::SeccompData::make(audit, k.second)).insns;
    if (kernel && cacheable(prog, k.first, k.second)) insns = 0;
    sum += c * insns;
    n += c;
  }
  return n ? sum / n : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::vector<Workload> all = {python_workload(), git_workload(), tar_workload(), make_workload()};
  std::vector<Workload> ws;
  for (const auto& w : all)
    if (w.available()) ws.push_back(w);
    else std::cout << "skipped " << w.name << ": needs " << w.needs << "\n";
  const bool have_strace = on_path("strace");

  std::cout << "## learn vs strace (wall time, median of " << runs << " runs)\n\n"
            << "| workload | plain ms | `sysfence learn` ms | `strace -f -c` ms | learn / strace |\n"
            << "| --- | ---: | ---: | ---: | ---: |\n";
  for (const auto& w : ws) {
    bool ok = true;
    const double plain = time_ms({}, w, runs, &ok);
    const double learn = time_ms({SYSFENCE_CLI, "learn", "-o", "/dev/null", "--"}, w, runs, &ok);
    const double strace = have_strace ? time_ms({"strace", "-f", "-c", "-o", "/dev/null"}, w, runs, &ok) : 0;
    char line[256];
    std::snprintf(line, sizeof line, "| %s%s | %.1f | %.1f | %s | %s |\n", w.name.c_str(), ok ? "" : " (FAILED)", plain,
                  learn, have_strace ? std::to_string(strace).substr(0, std::to_string(strace).find('.') + 2).c_str() : "n/a",
                  have_strace ? (std::to_string(learn / strace).substr(0, 4)).c_str() : "n/a");
    std::cout << line;
  }

  // Profiles from learn --freq.
  std::vector<std::pair<std::string, compiler::FrequencyProfile>> profiles;
  for (const auto& w : ws) {
    const std::string dir = fresh_dir(), freq = dir + ".freq";
    run_quiet(with({SYSFENCE_CLI, "learn", "-o", "/dev/null", "--freq", freq, "--"}, w.command(dir)));
    std::ifstream in(freq);
    std::stringstream ss;
    ss << in.rdbuf();
    auto p = learn::parse_frequency(ss.str(), freq);
    std::filesystem::remove_all(dir);
    std::filesystem::remove(freq);
    if (p) profiles.push_back({w.name, *p});
  }

  struct Pol {
    std::string name;
    std::optional<ir::Policy> policy;
    std::optional<BenchPolicy> bench;  // for libseccomp
  };
  std::vector<Pol> pols;
  {
    auto d = frontend::load_default_policy({arch::Arch::X86_64});
    if (d.ok()) pols.push_back({"sysfence default policy", *d.value, std::nullopt});
    auto docker = load_docker_profile(SYSFENCE_SOURCE_DIR "/tests/data/docker-default.json", docker_container_caps());
    if (docker) {
      auto sp = to_sysfence(*docker, {arch::Arch::X86_64});
      if (sp) pols.push_back({"Docker default profile", *sp, *docker});
    }
  }
  for (bool kernel : {true, false}) {
    std::cout << "\n## Mean BPF instructions per traced call"
              << (kernel ? " (calls the kernel's constant-allow cache takes count 0)" : " (every call runs the filter)")
              << "\n\n| policy | workload | sysfence default (cache-aware) | uniform | profile-guided | libseccomp binary tree |\n"
              << "| --- | --- | ---: | ---: | ---: | ---: |\n";
    for (const auto& pol : pols) {
      for (const auto& [wname, prof] : profiles) {
        compiler::Options guided;
        guided.profile = &prof;
        const Program dflt = *sysfence_compile(*pol.policy, compiler::Weighting::CacheAware);
        const Program uni = *sysfence_compile(*pol.policy, compiler::Weighting::Uniform);
        const Program pg = *compiler::compile(*pol.policy, guided);
        std::string ls = "n/a";
        if (pol.bench) {
          std::string err;
          void* ctx = ls_build(linked_libseccomp(), *pol.bench, {arch::Arch::X86_64}, 2, &err);
          if (ctx) {
            const int fd = make_memfd();
            const Program lp = ls_export(linked_libseccomp(), ctx, fd);
            ::close(fd);
            ls_release(linked_libseccomp(), ctx);
            if (!lp.empty()) ls = std::to_string(mean_insns(lp, prof, kernel)).substr(0, 5);
          }
        }
        char line[256];
        std::snprintf(line, sizeof line, "| %s | %s | %.2f | %.2f | %.2f | %s |\n", pol.name.c_str(), wname.c_str(),
                      mean_insns(dflt, prof, kernel), mean_insns(uni, prof, kernel), mean_insns(pg, prof, kernel),
                      ls.c_str());
        std::cout << line;
      }
    }
  }
  return 0;
}
