// bench/startup.cpp — start-up cost of whole processes, interleaved: `sysfence run -- /bin/true`
// (the embedded default policy), the same with the whole `--profile untrusted` sandbox (Landlock,
// PID/net/IPC/UTS/mount namespaces, a tmpfs), against `bwrap --dev-bind / / /bin/true` and a bare /bin/true,
// and `sysfence compile` of a small policy against the smallest C program that does the same
// through libseccomp (bench/startup_libseccomp.c). Each round runs every cell once, in an order
// shuffled per round (a fixed seed): a cell's wall time includes what the one before it left
// for the kernel to do (bwrap --unshare-all's network namespace is torn down after it exits), so
// no cell may always follow the same one. Each runs as posix_spawn + wait4: wall-clock time
// (CLOCK_MONOTONIC) and CPU time. Peak resident memory is measured apart, after the rounds: the
// process's own VmHWM read at its exit stop under ptrace (wait4's ru_maxrss cannot say it: the
// kernel counts the memory a vfork child shares with this benchmark before its execve too).
//
//   sysfence_bench_startup [--rounds N] [--quick] [--dat FILE] [--baseline OLD_SYSFENCE]
//
// --baseline adds `OLD_SYSFENCE run --profile untrusted -- /bin/true` and `OLD_SYSFENCE run --
// /bin/true` to the same rounds (a sysfence built from an earlier commit): before/after in one
// interleaved run. With bwrap installed, `bwrap --unshare-all` with a tmpfs and /proc runs too:
// bwrap with namespaces comparable to --profile untrusted's.
#include <fcntl.h>
#include <spawn.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Cell {
  std::string label;
  std::vector<std::string> argv;
  std::vector<double> ms;
  std::vector<double> cpu_ms;  // user + system CPU time of the process and what it waited for
  std::vector<long> rss_kb;
};

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Runs argv once; false when it could not start or did not exit 0.
bool run_once(Cell& c) {
  std::vector<char*> argv;
  for (auto& a : c.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const double t0 = now_ms();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0) {}
  const double t1 = now_ms();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return false;
  c.ms.push_back(t1 - t0);
  auto tv_ms = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
  };
  c.cpu_ms.push_back(tv_ms(ru.ru_utime) + tv_ms(ru.ru_stime));
  return true;
}

// The peak resident memory (KiB) of the process argv starts, as its own memory after execve saw
// it: VmHWM in /proc/PID/status at its exit stop (PTRACE_O_TRACEEXIT), where the memory still
// exists. Only that process is traced, not what it starts. -1 when it cannot be measured.
long peak_rss_kb(const Cell& c) {
  std::vector<char*> argv;
  for (const auto& a : c.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    execve(argv[0], argv.data(), environ);
    _exit(127);
  }
  int st = 0;
  if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) return -1;  // the stop after execve
  ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
  ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  long kb = -1;
  while (waitpid(pid, &st, 0) == pid && WIFSTOPPED(st)) {
    int deliver = WSTOPSIG(st);
    if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      std::ifstream status("/proc/" + std::to_string(pid) + "/status");
      for (std::string key; status >> key;) {
        if (key == "VmHWM:") status >> kb;
      }
      deliver = 0;
    }
    ptrace(PTRACE_CONT, pid, nullptr, deliver);
  }
  return kb;
}

template <class T>
T median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
template <class T>
T pct(std::vector<T> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

bool executable(const std::string& p) { return access(p.c_str(), X_OK) == 0; }

}  // namespace

int main(int argc, char** argv) {
  int rounds = 200;
  std::string dat;       // --dat FILE: label, wall ms, CPU ms, peak RSS KiB per process (the chart)
  std::string baseline;  // --baseline OLD_SYSFENCE
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dat") && i + 1 < argc)
      dat = argv[++i];
    else if (!std::strcmp(argv[i], "--baseline") && i + 1 < argc)
      baseline = argv[++i];
    else if (!std::strcmp(argv[i], "--quick"))
      rounds = 30;
    else {
      std::fprintf(stderr,
                   "usage: sysfence_bench_startup [--rounds N] [--quick] [--dat FILE] [--baseline "
                   "OLD_SYSFENCE]\n");
      return 2;
    }
  }
  const std::string sysfence = SYSFENCE_CLI, c_prog = STARTUP_LIBSECCOMP;
  const std::string policy = std::string(SYSFENCE_SOURCE_DIR) + "/bench/policies/small.policy";
  char tmpl[] = "/tmp/sysfence-startup-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string out_a = std::string(tmpl) + "/a.bpf", out_b = std::string(tmpl) + "/b.bpf";

  std::vector<Cell> cells;
  cells.push_back({"/bin/true", {"/bin/true"}, {}, {}, {}});
  cells.push_back({"sysfence run -- /bin/true (default policy)",
                   {sysfence, "run", "--", "/bin/true"},
                   {},
                   {},
                   {}});
  cells.push_back({"sysfence run --profile untrusted -- /bin/true",
                   {sysfence, "run", "--profile", "untrusted", "--", "/bin/true"},
                   {},
                   {},
                   {}});
  const bool have_bwrap = executable("/usr/bin/bwrap");
  if (have_bwrap)
    cells.push_back({"bwrap --dev-bind / / /bin/true",
                     {"/usr/bin/bwrap", "--dev-bind", "/", "/", "/bin/true"},
                     {},
                     {},
                     {}});
  // bwrap with the namespaces `--profile untrusted` makes (user, pid, net, ipc, uts, cgroup),
  // a tmpfs on /tmp and a fresh /proc: what bwrap pays for a comparable sandbox.
  const size_t bwrap_ns_cell = cells.size();
  if (have_bwrap)
    cells.push_back({"bwrap --unshare-all --dev-bind / / --tmpfs /tmp --proc /proc /bin/true",
                     {"/usr/bin/bwrap", "--unshare-all", "--dev-bind", "/", "/", "--tmpfs", "/tmp",
                      "--proc", "/proc", "/bin/true"},
                     {},
                     {},
                     {}});
  const size_t baseline_cell = cells.size();
  if (!baseline.empty()) {
    cells.push_back({"baseline: " + baseline + " run --profile untrusted -- /bin/true",
                     {baseline, "run", "--profile", "untrusted", "--", "/bin/true"},
                     {},
                     {},
                     {}});
    cells.push_back({"baseline: " + baseline + " run -- /bin/true",
                     {baseline, "run", "--", "/bin/true"},
                     {},
                     {},
                     {}});
  }
  cells.push_back({"sysfence compile small.policy -o FILE",
                   {sysfence, "compile", policy, "-o", out_a},
                   {},
                   {},
                   {}});
  cells.push_back({"C program through libseccomp, same policy", {c_prog, out_b}, {}, {}, {}});

  // Warm-up (page cache, dynamic loader caches), then the interleaved rounds.
  for (int w = 0; w < 5; ++w)
    for (Cell& c : cells)
      if (!run_once(c)) {
        std::fprintf(stderr, "cannot run: %s\n", c.label.c_str());
        return 1;
      }
  for (Cell& c : cells) {
    c.ms.clear();
    c.cpu_ms.clear();
  }
  std::vector<size_t> order(cells.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937 shuffle_rng(20261202);
  for (int r = 0; r < rounds; ++r) {
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    for (const size_t i : order) {
      Cell& c = cells[i];
      if (!run_once(c)) {
        std::fprintf(stderr, "failed: %s\n", c.label.c_str());
        return 1;
      }
    }
  }
  for (Cell& c : cells) {
    for (int i = 0; i < 5; ++i) c.rss_kb.push_back(peak_rss_kb(c));
  }
  std::remove(out_a.c_str());
  std::remove(out_b.c_str());
  rmdir(tmpl);

  std::printf(
      "Start-up, whole processes, %d interleaved rounds: median wall-clock ms (p10-p90), "
      "median CPU ms (user + system, from wait4), median peak RSS of the process itself (VmHWM at "
      "its exit, 5 runs apart)\n\n",
      rounds);
  std::printf(
      "| process | wall ms | wall p10-p90 | CPU ms | peak RSS (KiB) "
      "|\n|---|---:|---:|---:|---:|\n");
  for (const Cell& c : cells)
    std::printf("| %s | %.3f | %.3f-%.3f | %.3f | %ld |\n", c.label.c_str(), median(c.ms),
                pct(c.ms, 0.1), pct(c.ms, 0.9), median(c.cpu_ms), median(c.rss_kb));
  if (!dat.empty()) {
    if (FILE* f = std::fopen(dat.c_str(), "w")) {
      std::fprintf(f, "# process wall_ms cpu_ms peak_rss_kib\n");
      for (const Cell& c : cells)
        std::fprintf(f, "\"%s\" %.3f %.3f %ld\n", c.label.c_str(), median(c.ms), median(c.cpu_ms),
                     median(c.rss_kb));
      std::fclose(f);
    }
  }
  if (have_bwrap) {
    std::printf("\nrun / bwrap: wall %.2fx, CPU %.2fx (target <= 0.60x)\n",
                median(cells[1].ms) / median(cells[3].ms),
                median(cells[1].cpu_ms) / median(cells[3].cpu_ms));
    std::printf("run --profile untrusted / bwrap: wall %.2fx, CPU %.2fx (target < 1.00x)\n",
                median(cells[2].ms) / median(cells[3].ms),
                median(cells[2].cpu_ms) / median(cells[3].cpu_ms));
    std::printf(
        "run --profile untrusted / bwrap --unshare-all ... (comparable namespaces): wall %.2fx, "
        "CPU %.2fx\n",
        median(cells[2].ms) / median(cells[bwrap_ns_cell].ms),
        median(cells[2].cpu_ms) / median(cells[bwrap_ns_cell].cpu_ms));
    if (!baseline.empty()) {
      std::printf("baseline run / bwrap: wall %.2fx, CPU %.2fx\n",
                  median(cells[baseline_cell + 1].ms) / median(cells[3].ms),
                  median(cells[baseline_cell + 1].cpu_ms) / median(cells[3].cpu_ms));
      std::printf("baseline run --profile untrusted / bwrap: wall %.2fx, CPU %.2fx\n",
                  median(cells[baseline_cell].ms) / median(cells[3].ms),
                  median(cells[baseline_cell].cpu_ms) / median(cells[3].cpu_ms));
    }
  }
  const Cell& sc = cells[cells.size() - 2];
  const Cell& lc = cells.back();
  std::printf(
      "compile / libseccomp C program: wall %.2fx, CPU %.2fx (target <= 1.00x), peak RSS %.2fx "
      "(target <= 1.50x)\n",
      median(sc.ms) / median(lc.ms), median(sc.cpu_ms) / median(lc.cpu_ms),
      static_cast<double>(median(sc.rss_kb)) / static_cast<double>(median(lc.rss_kb)));
  return 0;
}
