// sysfence_bench_hostile: time and memory of the frontends on hostile inputs (issue 8 part A).
// Each input runs in its own forked child (so peak memory is the child's own), through what
// `sysfence check` does: parse, ir::ValidatedPolicy::build, lint, compile. Prints a Markdown table:
// the result must be a policy or a located error, within 2 s of CPU and bounded memory.
//
//   build/release/bench/sysfence_bench_hostile
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/oci.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/ir/lint.hpp"

namespace {

using namespace sysfence;

std::string repeat_join(size_t n, const std::string& sep,
                        const std::function<std::string(size_t)>& item) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i) s += sep;
    s += item(i);
  }
  return s;
}

struct Case {
  std::string name;
  std::function<std::string()> make;
  bool json = false;
};

// What the run ended with: "ok, N rules" or the first error's first line.
std::string run(const Case& c, const std::string& input) {
  frontend::Parsed<ir::ValidatedPolicy> p;
  if (c.json) {
    frontend::OciImportOptions o;
    o.caps = std::vector<std::string>{};
    o.kernel_version = "6.1";
    o.filename = "bench.json";
    auto imp = frontend::import_oci(input, o);
    p.errors = imp.errors;
    if (imp.ok()) {
      auto b = ir::ValidatedPolicy::build(std::move(imp.value->spec));
      if (b)
        p.value.emplace(std::move(*b));
      else
        p.errors.push_back(b.error());
    }
  } else {
    frontend::ParseOptions o;
    o.default_arches = {arch::Arch::X86_64};
    p = frontend::load_policy_text(input, "bench.policy", o);
  }
  if (!p.ok()) {
    std::string e = p.errors.empty() ? "no policy" : p.errors.front().render();
    return "error: " + e.substr(0, e.find('\n'));
  }
  (void)ir::lint_rules(*p.value);
  auto prog = compiler::compile(*p.value);
  if (!prog) {
    std::string e = prog.error().render();
    return "error: " + e.substr(0, e.find('\n'));
  }
  return "ok: " + std::to_string(prog->size()) + " instructions";
}

}  // namespace

int main() {
  const std::vector<Case> cases = {
      {"70 defines, each `Dn = Dn-1 | Dn-1`",
       [] {
         std::string s = "define D0 = 1\n";
         for (int i = 1; i <= 70; ++i)
           s += "define D" + std::to_string(i) + " = D" + std::to_string(i - 1) + " | D" +
                std::to_string(i - 1) + "\n";
         return s + "write: arg0 == D70\n";
       }},
      {"`||` chain of 50,000 terms",
       [] {
         return "write: " +
                repeat_join(50000, " || ",
                            [](size_t i) { return "arg0 == " + std::to_string(i); }) +
                "\n";
       }},
      {"`&&` chain of 50,000 terms",
       [] {
         return "write: " +
                repeat_join(50000, " && ",
                            [](size_t i) { return "arg0 != " + std::to_string(i); }) +
                "\n";
       }},
      {"`|` value chain of 200,000 terms",
       [] {
         return "write: arg0 == " + repeat_join(200000, " | ", [](size_t) { return "1"; }) + "\n";
       }},
      {"16 MiB `|` value chain (8M terms)",
       [] {
         std::string s = "write: arg0 == 1";
         while (s.size() < (size_t{16} << 20) - 8) s += "|1";
         return s + "\n";
       }},
      {"16 MiB of `(`",
       [] { return "write: " + std::string((size_t{16} << 20) - 16, '(') + "\n"; }},
      {"16 MiB of invalid bytes", [] { return std::string((size_t{16} << 20) - 1, '$'); }},
      {"100,000 rules on one syscall",
       [] {
         std::string s;
         for (int i = 0; i < 100000; ++i)
           s += "write: arg0 == " + std::to_string(i) + " -> errno " + std::to_string(1 + i % 100) +
                "\n";
         return s;
       }},
      {"100,000 rules, one per syscall group member",
       [] {
         std::string s = "@basic-io: allow\n";
         for (int i = 0; i < 100000; ++i) s += "read: allow\n";
         return s;
       }},
      {"50,000 OCI entries",
       [] {
         std::string j =
             R"({"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[)";
         j += repeat_join(50000, ",", [](size_t i) {
           return R"({"names":["write"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":)" +
                  std::to_string(i) + R"(,"op":"SCMP_CMP_EQ"}]})";
         });
         return j + "]}";
       },
       true},
      {"16 MiB of `[` (OCI)", [] { return R"({"x":)" + std::string((size_t{16} << 20) - 8, '['); },
       true},
  };
  std::printf("| input | size | result | CPU s | peak RSS MiB |\n|---|---:|---|---:|---:|\n");
  for (const Case& c : cases) {
    const std::string input = c.make();
    int fds[2];
    if (pipe(fds) != 0) return 1;
    std::fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      std::string r = run(c, input);
      if (write(fds[1], r.data(), r.size()) < 0) _exit(1);
      _exit(0);
    }
    close(fds[1]);
    std::string result;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) result.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    int status = 0;
    rusage ru{};
    wait4(pid, &status, 0, &ru);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      result = "CRASH (status " + std::to_string(status) + ")";
    for (char& ch : result)
      if (ch == '|') ch = '/';
    const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    std::printf("| %s | %.1f KiB | %s | %.2f | %.0f |\n", c.name.c_str(),
                static_cast<double>(input.size()) / 1024, result.c_str(), cpu,
                static_cast<double>(ru.ru_maxrss) / 1024);
  }
  return 0;
}
