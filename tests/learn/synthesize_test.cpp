// Tests of policy synthesis, merging, explain() and frequency profiles (sysfence/learn/learn.hpp):
// the text is parsed back with the real frontend and the meaning checked with the emulator.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "sysfence/bpf/cache.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/frontend/groups.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/learn/learn.hpp"

namespace {

using namespace sysfence;
using arch::Arch;

int32_t nr(Arch a, const char* n) { return *arch::syscall_number(a, n); }

struct Loaded {
  ir::ValidatedPolicy policy;
  bpf::VerifiedProgram prog;
};

Loaded load_strict(const std::string& text) {
  frontend::ParseOptions po;
  po.warnings_are_errors = true;
  auto p = frontend::load_policy_text(text, "learned.policy", po);
  if (!p.ok() || !p.warnings.empty()) {
    ADD_FAILURE() << p.render() << "\n--- text ---\n" << text;
    std::abort();
  }
  auto prog = compiler::compile(*p.value);
  if (!prog) std::abort();
  return {*p.value, *bpf::VerifiedProgram::make(*prog)};
}

uint32_t ret(const Loaded& l, uint32_t audit, int32_t n, learn::Args a = {}) {
  return bpf::emulate(l.prog, bpf::SeccompData::make(audit, n, a[0], a[1], a[2], a[3], a[4], a[5]))
      .ret;
}

constexpr uint32_t X64 = bpf::kAuditArchX86_64;

learn::Observations typical() {
  learn::Observations o;
  const Arch a = Arch::X86_64;
  for (const char* n : {"read", "write", "close", "openat", "execve", "exit_group", "brk"})
    o.add(a, nr(a, n), {}, 3);
  o.add(a, nr(a, "clone"),
        {CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
         CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID});
  o.add(a, nr(a, "clone"), {CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD});
  o.add(a, nr(a, "ioctl"), {1, TCGETS});
  o.add(a, nr(a, "ioctl"), {1, TIOCGWINSZ});
  o.add(a, nr(a, "socket"), {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC});
  o.add(a, nr(a, "socket"), {AF_INET, SOCK_DGRAM});
  o.add(a, nr(a, "mmap"), {0, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, 3, 0});
  o.add(a, nr(a, "mmap"), {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, ~0ULL, 0});
  o.add(a, nr(a, "mprotect"), {0, 4096, PROT_READ});
  o.add(a, nr(a, "kill"), {123, SIGTERM});
  o.add(a, nr(a, "prctl"), {15 /* PR_SET_NAME */, 0});
  o.add(a, nr(a, "fcntl"), {3, 1 /* F_GETFD */});
  return o;
}

TEST(Synthesize, ParsesStrictlyAndAllowsWhatWasSeen) {
  const learn::Observations o = typical();
  const std::string text = learn::synthesize_policy(o, {"prog --flag", false});
  const Loaded l = load_strict(text);
  EXPECT_NE(text.find("default errno EPERM"), std::string::npos);
  EXPECT_NE(text.find("unknown-syscall errno ENOSYS"), std::string::npos);
  EXPECT_NE(text.find("arch x86_64\n"), std::string::npos);
  EXPECT_NE(text.find("ioctl: u32(request) in {TCGETS, TIOCGWINSZ}"), std::string::npos) << text;
  EXPECT_NE(text.find("# 3 calls"), std::string::npos);
  // A command line with newlines stays inside its comment.
  load_strict(learn::synthesize_policy(o, {"sh -c 'a\nread: allow\n'", false}));
  const Arch a = Arch::X86_64;
  EXPECT_EQ(ret(l, X64, nr(a, "read")), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(a, "ioctl"), {1, TCGETS}), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(a, "socket"), {AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC}), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(a, "clone"), {CLONE_CHILD_SETTID | SIGCHLD}), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(a, "mmap"), {0, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE, 3}),
            bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(a, "kill"), {1, SIGTERM}), bpf::kRetAllow);
  // ... and what matters for security is not.
  const uint32_t eperm = bpf::ret_errno(EPERM);
  EXPECT_EQ(ret(l, X64, nr(a, "ioctl"), {1, TIOCSTI}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "socket"), {AF_INET, SOCK_RAW}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "socket"), {AF_NETLINK, SOCK_DGRAM}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "clone"), {CLONE_NEWUSER | SIGCHLD}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "clone"), {CLONE_NEWNET}), eperm);
  EXPECT_EQ(
      ret(l, X64, nr(a, "mmap"), {0, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, ~0ULL}),
      eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "mprotect"), {0, 1, PROT_READ | PROT_EXEC}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "kill"), {1, SIGKILL}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "prctl"), {22 /* PR_SET_SECCOMP */}), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "ptrace")), eperm);
  EXPECT_EQ(ret(l, X64, nr(a, "clone3")), bpf::ret_errno(ENOSYS));
  EXPECT_EQ(ret(l, X64, 4000), bpf::ret_errno(ENOSYS));
  // The i386 and x32 doors stay closed: nothing came through them.
  EXPECT_EQ(ret(l, bpf::kAuditArchI386, 20), bpf::kRetKillProcess);
  EXPECT_EQ(ret(l, X64, static_cast<int32_t>(bpf::kX32SyscallBit | 39)), bpf::kRetKillProcess);
}

TEST(Synthesize, OpensTheI386DoorOnlyWhenUsed) {
  learn::Observations o = typical();
  o.add(Arch::I386, nr(Arch::I386, "getpid"), {});
  const std::string text = learn::synthesize_policy(o);
  const Loaded l = load_strict(text);
  EXPECT_NE(text.find("arch x86_64, i386\n"), std::string::npos) << text;
  EXPECT_EQ(ret(l, bpf::kAuditArchI386, nr(Arch::I386, "getpid")), bpf::kRetAllow);
  EXPECT_EQ(ret(l, bpf::kAuditArchI386, nr(Arch::I386, "read")), bpf::ret_errno(EPERM));
  EXPECT_EQ(ret(l, X64, static_cast<int32_t>(bpf::kX32SyscallBit | 39)), bpf::kRetKillProcess);
}

TEST(Synthesize, WholeGroupsOnlyWhenEveryMemberWasUsed) {
  learn::Observations o;
  for (auto m : frontend::expand_group("@aio", Arch::X86_64))
    o.add(Arch::X86_64, nr(Arch::X86_64, std::string(m).c_str()), {});
  o.add(Arch::X86_64, nr(Arch::X86_64, "keyctl"), {});
  std::string text = learn::synthesize_policy(o);
  load_strict(text);
  EXPECT_NE(text.find("@aio: allow"), std::string::npos) << text;
  EXPECT_EQ(text.find("@keyring: allow"), std::string::npos);
  EXPECT_NE(text.find("keyctl: allow"), std::string::npos);
  text = learn::synthesize_policy(o, {"", true});
  load_strict(text);
  EXPECT_NE(text.find("@keyring: allow"), std::string::npos) << text;
}

TEST(Merge, KeepsTheUsersLinesAndAddsWhatIsNeeded) {
  const std::string mine =
      "# my policy\ndefault errno EPERM\narch x86_64\nread, write: allow   # mine\n"
      "ioctl: u32(request) == TIOCSTI -> errno EPERM\n";
  learn::Observations needed;
  needed.add(Arch::X86_64, nr(Arch::X86_64, "openat"), {}, 4);
  const std::string out =
      learn::merge_policy(mine, needed, {Arch::X86_64}, {"a note"}, {"prog", false});
  EXPECT_EQ(out.substr(0, mine.size()), mine);
  EXPECT_NE(out.find("# a note"), std::string::npos);
  const Loaded l = load_strict(out);
  EXPECT_EQ(ret(l, X64, nr(Arch::X86_64, "openat")), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(Arch::X86_64, "read")), bpf::kRetAllow);
  EXPECT_EQ(ret(l, X64, nr(Arch::X86_64, "close")), bpf::ret_errno(EPERM));
  // Nothing needed: unchanged.
  EXPECT_EQ(learn::merge_policy(mine, {}, {Arch::X86_64}, {}), mine);
}

TEST(Explain, AgreesWithTheCompiledFilterAndNamesTheRule) {
  auto def = frontend::load_default_policy();
  ASSERT_TRUE(def.ok());
  auto prog = bpf::VerifiedProgram::make(*compiler::compile(*def.value));
  ASSERT_TRUE(prog.ok());
  uint64_t seed = 12345;
  auto rnd = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 11;
  };
  for (int i = 0; i < 20000; ++i) {
    const int32_t n = static_cast<int32_t>(rnd() % 480);
    learn::Args a{};
    for (auto& x : a) x = (rnd() & 1) ? rnd() % 64 : rnd();
    const uint32_t audit = (rnd() % 8 == 0) ? bpf::kAuditArchI386 : X64;
    const auto v = learn::explain(*def.value, audit, n, a);
    const auto e =
        bpf::emulate(*prog, bpf::SeccompData::make(audit, n, a[0], a[1], a[2], a[3], a[4], a[5]));
    ASSERT_EQ(v.action.to_ret(), e.ret) << n;
  }
  const auto v = learn::explain(*def.value, X64, nr(Arch::X86_64, "ioctl"), {0, TIOCSTI});
  EXPECT_EQ(v.source, learn::Verdict::Source::Rule);
  EXPECT_NE(learn::describe(v).find("TIOCSTI"), std::string::npos) << learn::describe(v);
  EXPECT_EQ(learn::explain(*def.value, bpf::kAuditArchI386, 1, {}).source,
            learn::Verdict::Source::BadArch);
  EXPECT_EQ(learn::explain(*def.value, X64, 4000, {}).source,
            learn::Verdict::Source::UnknownSyscall);
}

TEST(Frequency, RoundTripsAndReportsBadInput) {
  learn::Observations o = typical();
  o.add(Arch::X86_64, nr(Arch::X86_64, "read"), {}, 1000);
  const std::string text = learn::format_frequency(o);
  EXPECT_NE(text.find("x86_64 read 1003\n"), std::string::npos) << text;
  auto p = learn::parse_frequency(text, "app.freq");
  ASSERT_TRUE(p.ok()) << p.error().render();
  EXPECT_EQ((p->at({Arch::X86_64, nr(Arch::X86_64, "read")})), 1003.0);
  EXPECT_EQ(p->size(), o.calls.size());

  struct Bad {
    const char* text;
    const char* message;
    int line, col;
  } bad[] = {
      {"x86_64 read\n", "expected `ARCH SYSCALL COUNT`", 1, 12},
      {"# c\nvax read 1\n", "unknown arch `vax`", 2, 1},
      {"x86_64 raed 1\n", "`raed` is not a syscall", 1, 8},
      {"x86_64 read -1\n", "is not a whole number", 1, 13},
      {"x86_64 read 99999999999999999999999\n", "is not a whole number", 1, 13},
      {"x86_64 read 1\nx86_64 0 2\n", "listed twice", 2, 8},
      {"x86_64 read 1 2\n", "found 4 field(s)", 1, 15},
  };
  for (const Bad& b : bad) {
    auto r = learn::parse_frequency(b.text, "f.freq");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_NE(r.error().message.find(b.message), std::string::npos) << r.error().render();
    EXPECT_EQ(r.error().where.line, b.line) << b.text;
    EXPECT_EQ(r.error().where.col, b.col) << b.text;
    EXPECT_NE(r.error().render().find("^"), std::string::npos);
  }
}

// compile() with a profile keeps the cheapest tree on the profile, exactly: its cost (mean
// instructions per call as the kernel runs them, then with every call running the filter) is the
// minimum of the trees of every weighting, with and without the profile, on a skewed profile
// and on a flat one.
TEST(Frequency, GuidedTreeIsExactlyTheCheapestWeighting) {
  auto def = frontend::load_policy_file(SYSFENCE_SOURCE_DIR "/policies/default.policy");
  ASSERT_TRUE(def.ok());
  const auto X = arch::Arch::X86_64;
  auto nr = [&](const char* n) { return *arch::syscall_number(X, n); };
  const compiler::FrequencyProfile skewed = {{{X, nr("ioctl")}, 100000}, {{X, nr("read")}, 5000},
                                             {{X, nr("clone")}, 300},    {{X, nr("mprotect")}, 200},
                                             {{X, nr("openat")}, 40},    {{X, nr("socket")}, 1}};
  const compiler::FrequencyProfile flat = [&] {
    compiler::FrequencyProfile f;
    for (const char* n : {"read", "write", "ioctl", "clone", "mmap", "prctl", "socket", "fcntl"})
      f[{X, nr(n)}] = 1;
    return f;
  }();
  for (const compiler::FrequencyProfile* prof : {&skewed, &flat}) {
    auto cost = [&](const compiler::Options& o, bool kernel) {
      const bpf::Program raw = *compiler::compile(*def.value, o);
      const auto vp = *bpf::VerifiedProgram::make(raw);
      double sum = 0, n = 0;
      for (const auto& [k, c] : *prof) {
        const uint32_t audit = arch::info(k.first).audit_arch;
        if (!(kernel && bpf::is_const_allow(raw, audit, k.second)))
          sum += c * static_cast<double>(
                         bpf::emulate(vp, bpf::SeccompData::make(audit, k.second)).executed);
        n += c;
      }
      return sum / n;
    };
    std::vector<compiler::Options> others;
    for (auto w : {compiler::Weighting::CacheAware, compiler::Weighting::Uniform}) {
      compiler::Options o;
      o.weighting = w;
      others.push_back(o);
    }
    for (double cw : {0.01, 0.1, 1.0}) {
      compiler::Options o;
      o.profile = prof;
      o.cached_weight = cw;
      others.push_back(o);
    }
    compiler::Options guided;
    guided.profile = prof;
    double best = HUGE_VAL;
    for (const auto& o : others) {
      // (a profile-weighted candidate is itself selected among the same set)
      EXPECT_LE(cost(guided, true), cost(o, true) + 1e-12);
      best = std::min(best, cost(o, true));
    }
    EXPECT_EQ(cost(guided, true), best);
  }
}

}  // namespace
