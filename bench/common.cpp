// bench/common.cpp — see common.hpp.
#include "common.hpp"

#include "sysfence/arch/constants.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>

namespace bench {

namespace {

using sysfence::ir::ActionKind;
using sysfence::ir::CmpOp;

// Kernel return value of an action (the same numbers libseccomp's SCMP_ACT_* use).
uint32_t ret_of(const Action& a) {
  namespace b = sysfence::bpf;
  switch (a.kind) {
    case ActionKind::KillProcess: return b::kRetKillProcess;
    case ActionKind::KillThread: return b::kRetKillThread;
    case ActionKind::Trap: return b::kRetTrap | a.data;
    case ActionKind::Errno: return b::kRetErrno | a.data;
    case ActionKind::UserNotif: return b::kRetUserNotif;
    case ActionKind::Trace: return b::kRetTrace | a.data;
    case ActionKind::Log: return b::kRetLog;
    case ActionKind::Allow: return b::kRetAllow;
  }
  return b::kRetKillProcess;
}

uint32_t scmp_arch_of(Arch a) {
  switch (a) {
    case Arch::X86_64: return SCMP_ARCH_X86_64;
    case Arch::I386: return SCMP_ARCH_X86;
    case Arch::X32: return SCMP_ARCH_X32;
    case Arch::AArch64: return SCMP_ARCH_AARCH64;
    case Arch::Arm: return SCMP_ARCH_ARM;
    case Arch::RiscV64: return SCMP_ARCH_RISCV64;
    default: return 0;  // the benchmarks use the six arches above
  }
}

std::optional<Action> docker_action(const std::string& s, std::optional<uint16_t> errno_ret) {
  if (s == "SCMP_ACT_ALLOW") return Action::allow();
  if (s == "SCMP_ACT_ERRNO") return Action::errno_(errno_ret.value_or(EPERM));
  if (s == "SCMP_ACT_KILL" || s == "SCMP_ACT_KILL_THREAD") return Action::kill_thread();
  if (s == "SCMP_ACT_KILL_PROCESS") return Action::kill_process();
  if (s == "SCMP_ACT_TRAP") return Action::trap();
  if (s == "SCMP_ACT_TRACE") return Action::trace(errno_ret.value_or(0));
  if (s == "SCMP_ACT_LOG") return Action::log();
  if (s == "SCMP_ACT_NOTIFY") return Action::user_notif();
  return std::nullopt;
}

std::optional<ArgCmp> docker_arg(const nlohmann::json& a) {
  const auto idx = a.at("index").get<unsigned>();
  const auto value = a.at("value").get<uint64_t>();
  const auto value2 = a.value("valueTwo", uint64_t{0});
  const auto op = a.at("op").get<std::string>();
  const auto i = static_cast<uint8_t>(idx);
  if (op == "SCMP_CMP_EQ") return ArgCmp::eq(i, value);
  if (op == "SCMP_CMP_NE") return ArgCmp::ne(i, value);
  if (op == "SCMP_CMP_LT") return ArgCmp::lt(i, value);
  if (op == "SCMP_CMP_LE") return ArgCmp::le(i, value);
  if (op == "SCMP_CMP_GT") return ArgCmp::gt(i, value);
  if (op == "SCMP_CMP_GE") return ArgCmp::ge(i, value);
  if (op == "SCMP_CMP_MASKED_EQ") return ArgCmp::masked_eq(i, value, value2);  // moby: value=mask
  return std::nullopt;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// "6.18.44-fc" >= "4.8" ?
bool kernel_at_least(const std::string& min) {
  utsname u{};
  uname(&u);
  int a = 0, b = 0, x = 0, y = 0;
  std::sscanf(u.release, "%d.%d", &a, &b);
  std::sscanf(min.c_str(), "%d.%d", &x, &y);
  return a > x || (a == x && b >= y);
}

bool known_anywhere(const std::string& name) {
  const auto names = sysfence::arch::all_syscall_names();
  return std::binary_search(names.begin(), names.end(), std::string_view(name));
}

}  // namespace

std::vector<std::string> host_effective_caps() {
  std::ifstream f("/proc/self/status");
  std::string line;
  uint64_t eff = 0;
  while (std::getline(f, line)) {
    if (line.rfind("CapEff:", 0) == 0) eff = std::stoull(line.substr(7), nullptr, 16);
  }
  std::vector<std::string> out;
  for (int i = 0; i < sysfence::arch::kCapabilityCount; ++i)
    if (eff & (uint64_t{1} << i)) out.emplace_back(*sysfence::arch::capability_name(i));
  return out;
}

std::vector<std::string> docker_container_caps() {
  return {"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
          "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
          "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
          "CAP_KILL",    "CAP_AUDIT_WRITE"};
}

std::optional<BenchPolicy> load_docker_profile(const std::string& path,
                                               const std::vector<std::string>& caps) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(f);
  BenchPolicy p;
  p.title = "docker-default";
  std::optional<uint16_t> def_errno;
  if (j.contains("defaultErrnoRet")) def_errno = j["defaultErrnoRet"].get<uint16_t>();
  p.default_action = *docker_action(j.at("defaultAction").get<std::string>(), def_errno);
  p.bad_arch_action = Action::kill_process();
  const std::string arch = "amd64";
  int skipped_rules = 0;
  std::vector<std::string> unknown;
  for (const auto& s : j.at("syscalls")) {
    const auto inc = s.value("includes", nlohmann::json::object());
    const auto exc = s.value("excludes", nlohmann::json::object());
    auto list = [](const nlohmann::json& o, const char* k) {
      std::vector<std::string> v;
      if (o.contains(k))
        for (const auto& x : o[k]) v.push_back(x.get<std::string>());
      return v;
    };
    bool take = true;
    for (const auto& c : list(inc, "caps")) take = take && contains(caps, c);
    for (const auto& c : list(exc, "caps")) take = take && !contains(caps, c);
    const auto ia = list(inc, "arches");
    if (!ia.empty() && !contains(ia, arch)) take = false;
    if (contains(list(exc, "arches"), arch)) take = false;
    if (inc.contains("minKernel") && !kernel_at_least(inc["minKernel"].get<std::string>()))
      take = false;
    if (!take) {
      ++skipped_rules;
      continue;
    }
    std::optional<uint16_t> eret;
    if (s.contains("errnoRet")) eret = s["errnoRet"].get<uint16_t>();
    const auto act = docker_action(s.at("action").get<std::string>(), eret);
    std::vector<ArgCmp> args;
    if (s.contains("args") && !s["args"].is_null())
      for (const auto& a : s["args"]) args.push_back(*docker_arg(a));
    for (const auto& n : s.at("names")) {
      const auto name = n.get<std::string>();
      if (!known_anywhere(name)) {
        unknown.push_back(name);
        continue;
      }
      p.rules.push_back(Rule{name, *act, args});
    }
  }
  std::ostringstream note;
  note << "caps: " << caps.size() << " present; " << skipped_rules
       << " rule groups skipped by includes/excludes (caps, arches, minKernel)";
  p.notes.push_back(note.str());
  if (!unknown.empty()) {
    std::string n = "names unknown to sysfence's tables (skipped on both sides):";
    for (const auto& u : unknown) n += " " + u;
    p.notes.push_back(n);
  }
  return p;
}

BenchPolicy allowlist350(bool (*usable)(std::string_view name)) {
  BenchPolicy p;
  p.title = "allowlist-350";
  p.default_action = Action::errno_(EPERM);
  p.bad_arch_action = Action::kill_process();
  const auto table = sysfence::arch::syscalls(Arch::X86_64);
  constexpr uint64_t kNsFlags = 0x00020000 /*NEWNS*/ | 0x02000000 /*NEWCGROUP*/ |
                                0x04000000 /*NEWUTS*/ | 0x08000000 /*NEWIPC*/ |
                                0x10000000 /*NEWUSER*/ | 0x20000000 /*NEWPID*/ |
                                0x40000000 /*NEWNET*/;
  size_t n = 0;
  for (const auto& e : table) {
    if (n == 350) break;
    if (usable && !usable(e.name)) continue;
    ++n;
    const std::string name(e.name);
    if (name == "clone") {
      p.rules.push_back({name, Action::allow(), {ArgCmp::masked_eq(0, kNsFlags, 0)}});
    } else if (name == "socket") {
      for (uint64_t dom : {uint64_t{AF_UNIX}, uint64_t{AF_INET}, uint64_t{AF_INET6}})
        p.rules.push_back({name, Action::allow(), {ArgCmp::eq(0, dom)}});
    } else if (name == "mprotect") {
      p.rules.push_back({name, Action::allow(), {ArgCmp::masked_eq(2, PROT_EXEC, 0)}});
    } else if (name == "getpriority") {
      p.rules.push_back({name, Action::allow(), {ArgCmp::lt(0, 3)}});
    } else {
      p.rules.push_back({name, Action::allow(), {}});
    }
  }
  p.notes.push_back("first " + std::to_string(n) + " x86_64 syscalls by number" +
                    (usable ? " that both libraries know" : "") +
                    "; args: clone (flags & NEW*) == 0, socket "
                    "domain == AF_UNIX|AF_INET|AF_INET6, mprotect (prot & PROT_EXEC) == 0, "
                    "getpriority which < 3 (64-bit)");
  return p;
}

BenchPolicy synthetic(const std::string& kind, int k) {
  BenchPolicy p;
  const std::string name = kind.substr(0, kind.find('-'));  // the syscall
  p.title = kind == "mmap"          ? "mmap (VMM flags)"
            : kind == "ioctl-masks" ? "ioctl 3 args, per-rule masks K=" + std::to_string(k)
            : kind == "ioctl-args"  ? "ioctl 2 of 6 args K=" + std::to_string(k)
                                    : kind + " K=" + std::to_string(k);
  p.default_action = Action::errno_(EPERM);
  p.bad_arch_action = Action::kill_process();
  for (const auto& e : sysfence::arch::syscalls(Arch::X86_64)) {
    if (p.rules.size() == 100) break;
    if (std::string_view(e.name) == name) continue;
    p.rules.push_back({std::string(e.name), Action::allow(), {}});
  }
  if (kind == "ioctl-masks" || kind == "ioctl-args") {
    // arg_rules() of argument_policies_test.cpp (Shape::RuleMasks with M = 3, Shape::Subsets
    // with M = 2): pseudo-random values, seed 42.
    const bool masks = kind == "ioctl-masks";
    const int m = masks ? 3 : 2;
    const uint64_t kMasks[] = {0xff, 0xff00, 0xffff, 0xf0f0};
    uint64_t x = 42;
    auto lcg = [&x] {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<uint32_t>(x >> 33);
    };
    for (int i = 0; i < k; ++i) {
      std::vector<ArgCmp> c;
      for (int j = 0; j < m; ++j) {
        const uint64_t v = lcg() & 0xfffff;
        const uint64_t mask = masks ? kMasks[lcg() % 4] : 0xffffffffULL;
        const int arg = masks ? j : (i + j) % 6;
        c.push_back(ArgCmp::masked_eq(static_cast<uint8_t>(arg), mask, v & mask));
      }
      p.rules.push_back({name, Action::allow(), std::move(c)});
    }
  } else if (kind == "ioctl") {
    for (int i = 0; i < k; ++i)
      p.rules.push_back({kind, Action::allow(), {ArgCmp::eq(1, 0x5400 + 3 * i)}});
  } else if (kind == "fcntl") {
    for (int i = 0; i < k; ++i)
      p.rules.push_back({kind,
                         Action::allow(),
                         {ArgCmp::eq(0, static_cast<uint64_t>(i % 16)),
                          ArgCmp::masked_eq(1, 0xfff, static_cast<uint64_t>(i))}});
  } else if (kind == "getpriority") {
    for (int i = 1; i <= k; ++i)
      p.rules.push_back({kind,
                         Action::allow(),
                         {ArgCmp::ge(0, 10 * static_cast<uint64_t>(i)),
                          ArgCmp::le(1, 10 * static_cast<uint64_t>(i) + 5)}});
  } else if (kind == "mmap") {
    constexpr uint64_t kPrivAnon = MAP_PRIVATE | MAP_ANONYMOUS;
    const uint64_t flags[] = {kPrivAnon,
                              MAP_SHARED | MAP_FIXED,
                              kPrivAnon | MAP_NORESERVE,
                              kPrivAnon | MAP_FIXED,
                              MAP_SHARED,
                              MAP_PRIVATE,
                              MAP_PRIVATE | MAP_FIXED,
                              MAP_SHARED | MAP_NORESERVE,
                              kPrivAnon | MAP_STACK,
                              MAP_SHARED | MAP_ANONYMOUS};
    for (size_t i = 0; i < std::size(flags); ++i) {
      std::vector<ArgCmp> c{ArgCmp::masked_eq(3, 0xffffffffULL, flags[i])};
      if (i % 3 == 2) c.push_back(ArgCmp::eq(2, PROT_READ | PROT_WRITE));
      p.rules.push_back({kind, Action::allow(), std::move(c)});
    }
  }
  p.notes.push_back("100 x86_64 syscalls allowed plus the rules on " + kind);
  return p;
}

sysfence::Result<sysfence::ir::ValidatedPolicy> to_sysfence(const BenchPolicy& p,
                                                            const std::vector<Arch>& arches) {
  sysfence::ir::PolicySpec s;
  s.default_action = p.default_action;
  s.bad_arch_action = p.bad_arch_action;
  s.arches = arches;
  s.missing_syscall = sysfence::ir::MissingSyscall::Ignore;
  s.rules.reserve(p.rules.size());
  for (const auto& r : p.rules) s.rules.push_back(sysfence::ir::Rule::on(r.name, r.action, r.args));
  return sysfence::ir::ValidatedPolicy::build(std::move(s));
}

sysfence::Result<Program> sysfence_compile(const sysfence::ir::ValidatedPolicy& policy,
                                           sysfence::compiler::Weighting w) {
  sysfence::compiler::Options o;
  o.weighting = w;
  return sysfence::compiler::compile(policy, o);
}

void* ls_build(const ScmpApi& api, const BenchPolicy& p, const std::vector<Arch>& arches,
               int optimize, std::string* err, int* rules_skipped) {
  void* ctx = api.init(ret_of(p.default_action));
  if (!ctx) {
    *err = api.name + ": seccomp_init failed";
    return nullptr;
  }
  auto fail = [&](const std::string& what, int rc) -> void* {
    *err = api.name + ": " + what + ": " + std::strerror(-rc);
    api.release(ctx);
    return nullptr;
  };
  int rc = api.attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, ret_of(p.bad_arch_action));
  if (rc) return fail("SCMP_FLTATR_ACT_BADARCH", rc);
  if (optimize > 0) {
    rc = api.attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, static_cast<uint32_t>(optimize));
    if (rc) return fail("SCMP_FLTATR_CTL_OPTIMIZE", rc);
  }
  // seccomp_init adds the native arch; make the arch set exactly `arches`.
  const uint32_t native = api.arch_native();
  bool native_wanted = false;
  for (Arch a : arches) native_wanted = native_wanted || scmp_arch_of(a) == native;
  for (Arch a : arches) {
    if (scmp_arch_of(a) == native) continue;
    rc = api.arch_add(ctx, scmp_arch_of(a));
    if (rc) return fail("seccomp_arch_add", rc);
  }
  if (!native_wanted) {
    rc = api.arch_remove(ctx, native);
    if (rc) return fail("seccomp_arch_remove", rc);
  }
  int skipped = 0;
  std::vector<scmp_arg_cmp> cmps;
  for (const auto& r : p.rules) {
    const int nr = api.syscall_resolve_name(r.name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      ++skipped;
      continue;
    }
    cmps.clear();
    for (const auto& c : r.args) {
      scmp_arg_cmp a{};
      a.arg = c.arg;
      a.datum_a = c.value;
      switch (c.op) {
        case CmpOp::Eq: a.op = SCMP_CMP_EQ; break;
        case CmpOp::Ne: a.op = SCMP_CMP_NE; break;
        case CmpOp::Lt: a.op = SCMP_CMP_LT; break;
        case CmpOp::Le: a.op = SCMP_CMP_LE; break;
        case CmpOp::Gt: a.op = SCMP_CMP_GT; break;
        case CmpOp::Ge: a.op = SCMP_CMP_GE; break;
        case CmpOp::MaskedEq:
          a.op = SCMP_CMP_MASKED_EQ;
          a.datum_a = c.mask;
          a.datum_b = c.value;
          break;
      }
      cmps.push_back(a);
    }
    rc = api.rule_add_array(ctx, ret_of(r.action), nr, static_cast<unsigned>(cmps.size()),
                            cmps.data());
    if (rc) ++skipped;
  }
  if (rules_skipped) *rules_skipped = skipped;
  return ctx;
}

void keep_common_names(BenchPolicy& p, const ScmpApi& api) {
  std::vector<std::string> dropped;
  std::erase_if(p.rules, [&](const Rule& r) {
    if (api.syscall_resolve_name(r.name.c_str()) != __NR_SCMP_ERROR) return false;
    if (std::find(dropped.begin(), dropped.end(), r.name) == dropped.end())
      dropped.push_back(r.name);
    return true;
  });
  if (dropped.empty()) return;
  std::string n = "unknown to " + api.name + ", dropped on both sides:";
  for (const auto& d : dropped) n += " " + d;
  p.notes.push_back(n);
}

void ls_release(const ScmpApi& api, void* ctx) { api.release(ctx); }

std::optional<ScmpApi> load_scmp_api(const std::string& name, const std::string& path,
                                     std::string* err) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!h) {
    *err = dlerror();
    return std::nullopt;
  }
  ScmpApi api;
  api.name = name;
  bool ok = true;
  auto sym = [&](auto& fn, const char* s) {
    void* p = dlsym(h, s);
    if (!p) {
      *err += std::string(err->empty() ? "" : ", ") + "missing " + s;
      ok = false;
    }
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  sym(api.init, "seccomp_init");
  sym(api.release, "seccomp_release");
  sym(api.attr_set, "seccomp_attr_set");
  sym(api.arch_add, "seccomp_arch_add");
  sym(api.arch_remove, "seccomp_arch_remove");
  sym(api.arch_native, "seccomp_arch_native");
  sym(api.syscall_resolve_name, "seccomp_syscall_resolve_name");
  sym(api.rule_add_array, "seccomp_rule_add_array");
  sym(api.export_bpf, "seccomp_export_bpf");
  if (!ok) return std::nullopt;
  return api;
}

int make_memfd() { return memfd_create("sysfence-bench", MFD_CLOEXEC); }

Program ls_export(const ScmpApi& api, void* ctx, int memfd) {
  if (ftruncate(memfd, 0) != 0 || lseek(memfd, 0, SEEK_SET) != 0) return {};
  if (api.export_bpf(ctx, memfd) != 0) return {};
  const off_t size = lseek(memfd, 0, SEEK_CUR);
  Program prog(static_cast<size_t>(size) / sizeof(sysfence::bpf::Insn));
  if (pread(memfd, prog.data(), static_cast<size_t>(size), 0) != size) return {};
  return prog;
}

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double live_ns_per_call(const Program& filter, int which, long calls, std::string* err, bool fifo) {
  int fds[2];
  if (pipe(fds) != 0) {
    *err = "pipe failed";
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    *err = "fork failed";
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    if (fifo) {
      // Not preempted by ordinary processes while timing (the kernel's RT throttling still
      // leaves them 5% of the CPU). Best effort: ignored when not permitted.
      sched_param sp{};
      sp.sched_priority = 1;
      sched_setscheduler(0, SCHED_FIFO, &sp);
    }
    double result = -1;
    bool ok = true;
    if (!filter.empty()) {
      sock_fprog fp{};
      fp.len = static_cast<unsigned short>(filter.size());
      fp.filter = reinterpret_cast<sock_filter*>(const_cast<sysfence::bpf::Insn*>(filter.data()));
      ok = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) == 0;
      if (!ok) result = -2;
    }
    if (ok) {
      // Check the call is really allowed under this filter before timing it.
      errno = 0;
      const long probe = which == 0 ? syscall(SYS_getppid) : syscall(SYS_getpriority, 0, 0);
      if (probe < 0 && errno == EPERM) {
        result = -3;
      } else {
        for (long i = 0; i < calls / 10; ++i)  // warm-up
          which == 0 ? syscall(SYS_getppid) : syscall(SYS_getpriority, 0, 0);
        // Thread CPU time (user + system) rather than wall time: on a shared, loaded machine
        // the child may be descheduled, which wall time would count.
        const uint64_t t0 = thread_cpu_ns();
        if (which == 0) {
          for (long i = 0; i < calls; ++i) syscall(SYS_getppid);
        } else {
          for (long i = 0; i < calls; ++i) syscall(SYS_getpriority, 0, 0);
        }
        result = static_cast<double>(thread_cpu_ns() - t0) / static_cast<double>(calls);
      }
    }
    const ssize_t w = write(fds[1], &result, sizeof result);
    _exit(w == sizeof result ? 0 : 1);
  }
  close(fds[1]);
  double result = -1;
  const ssize_t r = read(fds[0], &result, sizeof result);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (r != sizeof result || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    *err = "child died (status " + std::to_string(status) + ")";
    return -1;
  }
  if (result == -2) *err = "filter install failed";
  if (result == -3) *err = "the timed syscall is denied by the filter";
  return result;
}

std::string machine_summary() {
  std::ostringstream o;
  std::ifstream ci("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(ci, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  uname(&u);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  char date[64];
  const time_t t = time(nullptr);
  strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
  o << "date " << date << "; nproc " << sysconf(_SC_NPROCESSORS_ONLN) << "; CPU " << model
    << "; kernel " << u.release << "; load average " << load[0] << " " << load[1] << " " << load[2];
  return o.str();
}

}  // namespace bench
