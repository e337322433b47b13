// bench/learn.cpp — `sysfence learn` against `strace -f -c -o /dev/null` on the workloads that
// tests/learn proves learn on, and the mean number of BPF instructions per traced call under
// each dispatch-tree weighting (sysfence default, uniform, profile-guided from `learn --freq`,
// libseccomp's binary tree). Markdown on stdout; docs/benchmarks.md has a run.
//
//   sysfence_bench_learn [RUNS]     (default 5 runs per cell; the median is printed)
//
// Wall time on a shared machine is noisy; the CPU time of the whole tree (wait4's rusage: the
// tracer and every traced process) is the steadier measure of what tracing costs, and the stop
// counts are exact.
#include <fcntl.h>
#include <sys/resource.h>
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
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/learn/learn.hpp"
#include "sysfence/learn/tracer.hpp"
#include "workloads.hpp"

namespace {

using namespace sysfence;
using namespace bench;

struct Ran {
  int code = 0;
  double wall_ms = 0, cpu_ms = 0;  // cpu: user + system of the whole tree (tracer included)
};

// Runs argv with stdout/stderr on /dev/null; the CPU time is wait4's rusage of the child, which
// holds every descendant it (or they) reaped: the tracer and the whole traced tree.
Ran run_quiet(const std::vector<std::string>& argv) {
  const uint64_t t0 = now_ns();
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
  struct rusage ru {};
  ::wait4(p, &st, 0, &ru);
  Ran r;
  r.wall_ms = static_cast<double>(now_ns() - t0) / 1e6;
  auto ms = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
  };
  r.cpu_ms = ms(ru.ru_utime) + ms(ru.ru_stime);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string fresh_dir() {
  std::string t = (std::filesystem::temp_directory_path() / "sysfence-bench-XXXXXX").string();
  if (!::mkdtemp(t.data())) std::abort();
  return t;
}

// The calls strace counted (the "total" line of its -c summary): it stops at each call's entry
// and at its exit, so at least twice that many stops.
uint64_t strace_calls(const Workload& w) {
  const std::string dir = fresh_dir(), out = dir + ".strace";
  run_quiet(with({"strace", "-f", "-c", "-o", out}, w.command(dir)));
  std::ifstream in(out);
  std::string line;
  uint64_t calls = 0;
  while (std::getline(in, line)) {
    if (line.find("total") == std::string::npos) continue;
    std::istringstream ss(line);
    std::vector<std::string> f;
    for (std::string x; ss >> x;) f.push_back(x);
    // "100.00 0.001 1 3063 12 total": calls is the 4th field (errors, when present, the 5th).
    if (f.size() >= 5) calls = std::strtoull(f[3].c_str(), nullptr, 10);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::remove(out);
  return calls;
}

// learn's own tracer on the workload: how often the program stopped (with `filter`, else
// tracing every call).
learn::TraceResult learn_stops(const Workload& w, const bpf::Program& filter = {}) {
  const std::string dir = fresh_dir();
  learn::TraceOptions o;
  o.filter = filter;
  auto r = learn::trace_program(w.command(dir), o);
  std::filesystem::remove_all(dir);
  return r ? *r : learn::TraceResult{};
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

// Per syscall, over every x86_64 number in sysfence's table (arguments 0 and all-ones): how many
// cost more instructions in `ours` than in libseccomp's tree `theirs`, and the largest excess.
struct PerSyscall {
  size_t numbers = 0, costlier = 0;
  int worst = 0;
  std::string worst_name;
};
PerSyscall per_syscall(const Program& ours, const Program& theirs) {
  PerSyscall r;
  const uint32_t audit = arch::info(arch::Arch::X86_64).audit_arch;
  for (const arch::SyscallEntry& e : arch::syscalls(arch::Arch::X86_64)) {
    ++r.numbers;
    int excess = -1000;
    for (uint64_t a : {uint64_t{0}, ~uint64_t{0}}) {
      const auto d = bpf::SeccompData::make(audit, e.nr, a, a, a, a, a, a);
      excess = std::max(excess, static_cast<int>(emulate(ours, d).insns) -
                                    static_cast<int>(emulate(theirs, d).insns));
    }
    if (excess > 0) ++r.costlier;
    if (excess > r.worst) {
      r.worst = excess;
      r.worst_name = std::string(e.name);
    }
  }
  return r;
}

int main(int argc, char** argv) {
  // --insns: only the instruction tables (profiles learned once per workload; no timing).
  const bool insns_only = argc > 1 && std::string(argv[1]) == "--insns";
  if (insns_only) {
    --argc;
    ++argv;
  }
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::vector<Workload> all = {python_workload(), git_workload(), tar_workload(),
                                     make_workload()};
  std::vector<Workload> ws;
  for (const auto& w : all)
    if (w.available())
      ws.push_back(w);
    else
      std::cout << "skipped " << w.name << ": needs " << w.needs << "\n";
  const bool have_strace = on_path("strace");
  if (!insns_only) {
    std::cout
        << "## learn vs strace (median of " << runs << " runs, the three commands interleaved)\n\n"
        << "Wall: elapsed ms. CPU: user + system ms of the whole tree, tracer included. Stops: how "
           "often "
           "the traced program stopped (learn: every ptrace stop; strace: 2 per call, entry and "
           "exit, "
           "events not counted). learn --merge: a second run with `--merge` on the policy learned "
           "from a "
           "first run (no --freq): only calls that policy does not allow stop.\n\n"
        << "| workload | plain wall | learn wall | strace wall | plain CPU | learn CPU | strace "
           "CPU "
           "| learn / strace CPU "
           "| learn stops | strace stops | learn --merge CPU | learn --merge stops |\n"
        << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const auto& w : ws) {
      bool ok = true;
      std::vector<double> wall[3], cpu[3];
      const std::vector<std::string> prefixes[3] = {
          {},
          {SYSFENCE_CLI, "learn", "-o", "/dev/null", "--"},
          {"strace", "-f", "-c", "-o", "/dev/null"}};
      for (int i = 0; i < runs; ++i)
        for (int k = 0; k < 3; ++k) {
          if (k == 2 && !have_strace) continue;
          const std::string dir = fresh_dir();
          const Ran r = run_quiet(with(prefixes[k], w.command(dir)));
          std::filesystem::remove_all(dir);
          ok = ok && r.code == 0;
          wall[k].push_back(r.wall_ms);
          cpu[k].push_back(r.cpu_ms);
        }
      const learn::TraceResult lt = learn_stops(w);
      const uint64_t sc = have_strace ? strace_calls(w) : 0;
      // The --merge workflow: a policy learned from a first run, then `learn --merge` (no --freq)
      // on the same workload: only calls the policy does not allow stop.
      std::string merge_cell = "n/a";
      {
        const std::string dir = fresh_dir(), pol = dir + ".policy";
        (void)run_quiet(with({SYSFENCE_CLI, "learn", "-o", pol, "--"}, w.command(dir)));
        std::filesystem::remove_all(dir);
        std::ifstream in(pol);
        std::stringstream ss;
        ss << in.rdbuf();
        auto p = frontend::load_policy_text(ss.str(), pol);
        if (p.ok()) {
          auto prog = compiler::compile(*p.value);
          std::optional<bpf::Program> f;
          if (prog) f = learn::trace_unallowed_filter(*prog);
          if (f) {
            std::vector<double> c;
            for (int i = 0; i < runs; ++i) {
              const std::string d2 = fresh_dir();
              const Ran r = run_quiet(with(
                  {SYSFENCE_CLI, "learn", "--merge", pol, "-o", "/dev/null", "--"}, w.command(d2)));
              std::filesystem::remove_all(d2);
              ok = ok && r.code == 0;
              c.push_back(r.cpu_ms);
            }
            char cell[64];
            std::snprintf(cell, sizeof cell, "%.1f | %llu", median(c),
                          static_cast<unsigned long long>(learn_stops(w, *f).all_stops));
            merge_cell = cell;
          }
        }
        std::filesystem::remove(pol);
      }
      auto m = [](const std::vector<double>& v) { return v.empty() ? 0.0 : median(v); };
      char line[512];
      std::snprintf(
          line, sizeof line,
          "| %s%s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %llu | %llu | %s |\n",
          w.name.c_str(), ok ? "" : " (FAILED)", m(wall[0]), m(wall[1]), m(wall[2]), m(cpu[0]),
          m(cpu[1]), m(cpu[2]), m(cpu[2]) > 0 ? m(cpu[1]) / m(cpu[2]) : 0.0,
          static_cast<unsigned long long>(lt.all_stops), static_cast<unsigned long long>(2 * sc),
          merge_cell.c_str());
      std::cout << line << std::flush;
    }
  }  // !insns_only

  // Profiles from learn --freq.
  std::vector<std::pair<std::string, compiler::FrequencyProfile>> profiles;
  for (const auto& w : ws) {
    const std::string dir = fresh_dir(), freq = dir + ".freq";
    (void)run_quiet(
        with({SYSFENCE_CLI, "learn", "-o", "/dev/null", "--freq", freq, "--"}, w.command(dir)));
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
    std::optional<ir::ValidatedPolicy> policy;
    std::optional<BenchPolicy> bench;  // for libseccomp
  };
  std::vector<Pol> pols;
  {
    auto d = frontend::load_default_policy({arch::Arch::X86_64});
    if (d.ok()) pols.push_back({"sysfence default policy", *d.value, std::nullopt});
    auto docker = load_docker_profile(SYSFENCE_SOURCE_DIR "/tests/data/docker-default.json",
                                      docker_container_caps());
    if (docker) {
      auto sp = to_sysfence(*docker, {arch::Arch::X86_64});
      if (sp) pols.push_back({"Docker default profile", *sp, *docker});
    }
  }
  std::string per_syscall_rows;
  for (bool kernel : {true, false}) {
    std::cout << "\n## Mean BPF instructions per traced call"
              << (kernel ? " (calls the kernel's constant-allow cache takes count 0)"
                         : " (every call runs the filter)")
              << "\n\n| policy | workload | sysfence default (cache-aware) | uniform | "
                 "profile-guided | libseccomp binary tree |\n"
              << "| --- | --- | ---: | ---: | ---: | ---: |\n";
    for (const auto& pol : pols) {
      for (const auto& [wname, prof] : profiles) {
        compiler::Options guided;
        guided.profile = &prof;
        const Program dflt = *sysfence_compile(*pol.policy, compiler::Weighting::CacheAware);
        const Program uni = *sysfence_compile(*pol.policy, compiler::Weighting::Uniform);
        const Program pg = *compiler::compile(*pol.policy, guided);
        std::string ls = "n/a";
        if (pol.bench && !kernel) {
          std::string err;
          void* ctx = ls_build(linked_libseccomp(), *pol.bench, {arch::Arch::X86_64}, 2, &err);
          if (ctx) {
            const int fd = make_memfd();
            const Program lp = ls_export(linked_libseccomp(), ctx, fd);
            ::close(fd);
            ls_release(linked_libseccomp(), ctx);
            if (!lp.empty()) {
              for (const auto& [label, prog] :
                   {std::pair<const char*, const Program*>{"default", &dflt},
                    {"uniform", &uni},
                    {"profile-guided", &pg}}) {
                const PerSyscall c = per_syscall(*prog, lp);
                char pl[256];
                std::snprintf(pl, sizeof pl, "| %s | %s | %s | %zu | %zu | %d%s%s%s |\n",
                              pol.name.c_str(), wname.c_str(), label, c.numbers, c.costlier,
                              c.worst, c.worst > 0 ? " (" : "", c.worst_name.c_str(),
                              c.worst > 0 ? ")" : "");
                per_syscall_rows += pl;
              }
            }
          }
        }
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
        std::snprintf(line, sizeof line,
                      kernel ? "| %s | %s | %.3f | %.3f | %.3f | %s |\n"
                             : "| %s | %s | %.2f | %.2f | %.2f | %s |\n",
                      pol.name.c_str(), wname.c_str(), mean_insns(dflt, prof, kernel),
                      mean_insns(uni, prof, kernel), mean_insns(pg, prof, kernel), ls.c_str());
        std::cout << line;
      }
    }
  }
  std::cout << "\n## Per syscall against libseccomp's binary tree (every x86_64 number in "
               "sysfence's table, arguments 0 and all-ones)\n\n"
            << "| policy | workload profile | weighting | numbers | costlier than libseccomp "
               "| largest excess (insns) |\n| --- | --- | --- | ---: | ---: | ---: |\n"
            << per_syscall_rows;
  return 0;
}
