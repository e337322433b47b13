// tests/compat/helpers.cpp — see helpers.hpp.
#include "helpers.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "compat/filter.hpp"
#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/emulate.hpp"

extern char** environ;

namespace compat_test {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string l;
  while (std::getline(ss, l)) v.push_back(l);
  return v;
}

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string t;
  while (ss >> t) v.push_back(t);
  return v;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
    s.replace(p, from.size(), to);
}

}  // namespace

std::string bin(const std::string& name, Lib lib) {
  const char* suffix = lib == Lib::Sysfence ? "_sf" : lib == Lib::Libseccomp ? "_ls" : "_ext";
  return std::string(COMPAT_BIN_DIR) + "/compat_" + name + suffix;
}

std::string temp_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  const char* dir = getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/sysfence-compat-" + std::to_string(getpid()) +
         "-" + std::to_string(counter++) + "-" + stem;
}

RunResult run_program(const std::string& path, const std::vector<std::string>& args,
                      const std::string& input, const std::vector<std::string>& env,
                      int timeout_s) {
  RunResult r;
  const std::string in = temp_path("in"), out = temp_path("out"), err = temp_path("err");
  {
    std::ofstream f(in, std::ios::binary);
    f << input;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s{path};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  for (char** e = environ; *e; ++e) env_s.emplace_back(*e);
  env_s = merge_env(std::move(env_s), env);
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, path.c_str(), &fa, nullptr, argv.data(), envp.data()) == 0) {
    // Poll, so that a program that hangs (libseccomp 2.5.4 can, on some rule sets) is ended.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
    while (waitpid(pid, &r.status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &r.status, 0);
        r.timed_out = true;
        break;
      }
      usleep(2000);
    }
  }
  posix_spawn_file_actions_destroy(&fa);
  r.out = slurp(out);
  r.err = slurp(err);
  unlink(in.c_str());
  unlink(out.c_str());
  unlink(err.c_str());
  return r;
}

std::vector<std::string> merge_env(std::vector<std::string> base,
                                   const std::vector<std::string>& overrides) {
  // Replaced, not appended after: getenv() finds the first of duplicate names.
  for (const std::string& o : overrides) {
    const std::string key = o.substr(0, o.find('=') + 1);
    std::erase_if(base, [&](const std::string& e) { return e.rfind(key, 0) == 0; });
  }
  base.insert(base.end(), overrides.begin(), overrides.end());
  return base;
}

std::vector<std::string> abi_env(const std::vector<std::string>& extra) {
  std::vector<std::string> env{std::string("LD_LIBRARY_PATH=") + COMPAT_ABI_DIR};
  const std::string preload = COMPAT_ABI_PRELOAD;
  if (!preload.empty()) {
    env.push_back("LD_PRELOAD=" + preload);
    // The oracle program itself is not instrumented (its allocations are not ours to check).
    env.push_back("ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0");
  }
  return merge_env(extra, env);
}

DiffRun run_both(const std::string& script, bool abi) {
  DiffRun d;
  d.ls_bpf = temp_path("ls.bpf");
  d.sf_bpf = temp_path("sf.bpf");
  d.ls_pfc = temp_path("ls.pfc");
  std::string s_ls = script, s_sf = script;
  replace_all(s_ls, "@OUT@", d.ls_bpf);
  replace_all(s_sf, "@OUT@", d.sf_bpf);
  replace_all(s_ls, "@PFC@", d.ls_pfc);
  replace_all(s_sf, "@PFC@", "/dev/null");
  d.ls = run_program(bin("driver", Lib::Libseccomp), {}, s_ls, {}, 5);
  d.sf = run_program(bin("driver", Lib::Sysfence), {}, s_sf);
  if (abi) {
    std::string s_abi = script;
    replace_all(s_abi, "@OUT@", temp_path("abi.bpf"));
    replace_all(s_abi, "@PFC@", "/dev/null");
    d.abi = run_program(bin("driver", Lib::Libseccomp), {}, s_abi, abi_env());
  }
  return d;
}

void expect_same_transcript(const std::string& ls, const std::string& sf) {
  auto a = split_lines(ls), b = split_lines(sf);
  EXPECT_EQ(a.size(), b.size()) << "libseccomp:\n" << ls << "\nsysfence:\n" << sf;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (!a[i].empty() && a[i][0] == '!') continue;
    EXPECT_EQ(a[i], b[i]) << "transcript line " << i + 1;
  }
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::string s = slurp(path);
  return std::vector<uint8_t>(s.begin(), s.end());
}

namespace {

sysfence::bpf::Program load_prog(const std::string& path) {
  std::vector<uint8_t> bytes = read_file(path);
  sysfence::bpf::Program p(bytes.size() / sizeof(sysfence::bpf::Insn));
  if (!p.empty()) std::memcpy(p.data(), bytes.data(), p.size() * sizeof(sysfence::bpf::Insn));
  // Both libraries export a filter of big-endian arches in big-endian byte order. Every
  // exported program starts with `ld [4]` (code 0x20): read byte-swapped, that is 0x2000.
  if (!p.empty() && p[0].code == 0x2000) {
    for (sysfence::bpf::Insn& in : p) {
      in.code = static_cast<uint16_t>((in.code >> 8) | (in.code << 8));
      in.k = __builtin_bswap32(in.k);
    }
  }
  return p;
}

struct ScriptFacts {
  std::set<uint64_t> values;       // interesting argument values
  std::set<std::string> names;     // syscalls named by rules
  std::set<uint32_t> raw_numbers;  // numbers without a name
};

ScriptFacts facts_of(const std::string& script) {
  ScriptFacts f;
  for (uint64_t v :
       std::initializer_list<uint64_t>{0ULL, 1ULL, 2ULL, 0x7fffffffULL, 0x80000000ULL,
                                       0xffffffffULL, 0x100000000ULL, ~0ULL, 0xffffffff00000000ULL})
    f.values.insert(v);
  for (const std::string& line : split_lines(script)) {
    auto t = split_ws(line[0] == '!' ? line.substr(1) : line);
    if (t.empty()) continue;
    if (t[0] == "rule3") {
      for (uint64_t v : {0ULL, 1ULL, 7ULL, 8ULL, 0x10ULL, 0xf0ULL, 0x110ULL}) f.values.insert(v);
    }
    if (t[0] != "rule" && t[0] != "rule_exact" && t[0] != "rule3") continue;
    const int32_t nr = static_cast<int32_t>(std::strtoll(t[2].c_str(), nullptr, 0));
    if (auto n = sysfence::compat::api_number_name(nr)) {
      f.names.insert(*n);
    } else {
      f.raw_numbers.insert(static_cast<uint32_t>(nr));
    }
    if (t[0] == "rule3") continue;
    const unsigned n = static_cast<unsigned>(std::strtoul(t[3].c_str(), nullptr, 0));
    for (unsigned i = 0; i < n && 7 + 4 * i < t.size(); ++i) {
      const uint64_t a = std::strtoull(t[6 + 4 * i].c_str(), nullptr, 0);
      const uint64_t b = std::strtoull(t[7 + 4 * i].c_str(), nullptr, 0);
      for (uint64_t v : std::initializer_list<uint64_t>{a, a - 1, a + 1, b, b - 1, b + 1, b | ~a,
                                                        a & b, (a ^ b) & a, a & 0xffffffffULL,
                                                        b & 0xffffffffULL, a + 0x100000000ULL})
        f.values.insert(v);
    }
  }
  return f;
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

size_t expect_same_filters(const std::string& ls_bpf, const std::string& sf_bpf,
                           const std::string& script, size_t max_reports,
                           const std::function<bool(const Mismatch&)>& excuse) {
  using namespace sysfence;
  if (read_file(ls_bpf).empty() && read_file(sf_bpf).empty()) return 0;  // both refused to export
  auto pl = bpf::VerifiedProgram::make(load_prog(ls_bpf));
  auto ps = bpf::VerifiedProgram::make(load_prog(sf_bpf));
  if (!pl || !ps) {
    ADD_FAILURE() << "a program does not verify: "
                  << (!pl ? "libseccomp: " + pl.error().render() : "")
                  << (!ps ? " sysfence: " + ps.error().render() : "");
    return 0;
  }
  const ScriptFacts f = facts_of(script);
  const std::vector<uint64_t> vals(f.values.begin(), f.values.end());
  std::mt19937_64 rng(12345);
  size_t probes = 0, reports = 0;

  auto probe = [&](uint32_t audit, uint32_t nr, const uint64_t(&args)[6], bool is32) {
    bpf::SeccompData d = bpf::SeccompData::make(audit, static_cast<int32_t>(nr));
    for (int i = 0; i < 6; ++i) d.args[i] = is32 ? (args[i] & 0xffffffffULL) : args[i];
    d.instruction_pointer = 0x401000;
    const uint32_t a = bpf::emulate(*pl, d).ret;
    const uint32_t b = bpf::emulate(*ps, d).ret;
    ++probes;
    if (a != b && excuse) {
      Mismatch m{audit, nr, {}, a, b};
      for (int i = 0; i < 6; ++i) m.args[i] = d.args[i];
      if (excuse(m)) return;
    }
    if (a != b && reports++ < max_reports) {
      std::string as;
      for (uint64_t x : d.args) as += " " + hex(x);
      ADD_FAILURE() << "arch " << hex(audit) << " nr " << hex(nr) << " args" << as
                    << ": libseccomp " << bpf::action_name(a) << ", sysfence "
                    << bpf::action_name(b);
    }
  };

  struct Door {
    uint32_t audit;
    std::vector<arch::Arch> arches;
    bool is32;
  };
  // Every arch's door (x32 behind x86_64's), and one no arch has.
  std::vector<Door> doors;
  for (const arch::ArchInfo& ai : arch::all_arches()) {
    if (ai.nr_bit != 0) continue;
    Door d{ai.audit_arch, {ai.arch}, !ai.args_are_64bit};
    if (ai.arch == arch::Arch::X86_64) d.arches.push_back(arch::Arch::X32);
    doors.push_back(std::move(d));
  }
  doors.push_back({0x12345678U, {}, false});
  for (const Door& door : doors) {
    std::set<uint32_t> all, hot;
    for (uint32_t x : {0U, 1000U, 0x3fffffffU, 0x40000000U + 1000U, 0x7fffffffU, 0x80000000U,
                       0xfffffffeU, 0xffffffffU})
      all.insert(x);
    for (arch::Arch a : door.arches) {
      for (const arch::SyscallEntry& e : arch::syscalls(a)) all.insert(static_cast<uint32_t>(e.nr));
      for (const std::string& n : f.names) {
        if (auto nr = arch::syscall_number(a, n)) hot.insert(static_cast<uint32_t>(*nr));
        if (auto m = arch::multiplexed_call(a, n))
          hot.insert(static_cast<uint32_t>(m->multiplexer));
      }
    }
    for (uint32_t r : f.raw_numbers) hot.insert(r);
    for (uint32_t r : hot) all.insert(r);
    for (uint32_t nr : all) {
      const uint64_t zero[6] = {0, 0, 0, 0, 0, 0};
      probe(door.audit, nr, zero, door.is32);
      const int randoms = hot.count(nr) ? 96 : 2;
      for (int k = 0; k < randoms; ++k) {
        uint64_t a[6];
        for (uint64_t& x : a) x = (rng() & 1) ? vals[rng() % vals.size()] : (rng() % 4);
        probe(door.audit, nr, a, door.is32);
      }
      if (!hot.count(nr)) continue;
      for (int i = 0; i < 6; ++i) {
        for (uint64_t v : vals) {
          uint64_t a[6] = {0, 0, 0, 0, 0, 0};
          a[i] = v;
          probe(door.audit, nr, a, door.is32);
          // call numbers in a0 reach x86's socketcall/ipc rewriting
          const bool mux = std::any_of(door.arches.begin(), door.arches.end(), [&](arch::Arch a) {
            return static_cast<int32_t>(nr) == arch::info(a).socketcall_nr ||
                   static_cast<int32_t>(nr) == arch::info(a).ipc_nr;
          });
          if (mux && i != 0) {
            for (uint64_t c = 1; c <= 24; ++c) {
              a[0] = c;
              probe(door.audit, nr, a, door.is32);
            }
          }
        }
      }
    }
  }
  return probes;
}

uint32_t emulate_file(const std::string& bpf, const Mismatch& m) {
  using namespace sysfence;
  auto p = bpf::VerifiedProgram::make(load_prog(bpf));
  if (!p) return 0xdeadbeef;
  bpf::SeccompData d = bpf::SeccompData::make(m.audit_arch, static_cast<int32_t>(m.nr));
  for (int i = 0; i < 6; ++i) d.args[i] = m.args[i];
  d.instruction_pointer = 0x401000;
  return bpf::emulate(*p, d).ret;
}

}  // namespace compat_test
