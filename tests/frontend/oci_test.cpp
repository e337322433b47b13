// OCI/Docker import semantics (checked in the emulator), Docker's default profile as Docker
// documents it, and export -> import round trips.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "emu.hpp"
#include "helpers.hpp"
#include "sysfence/frontend/oci.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

using namespace sysfence;
using arch::Arch;
using sftest::errno_ret;
using sftest::kAllow;

frontend::OciImportOptions opts(std::vector<std::string> caps = {}, std::string kernel = "6.1",
                                Arch host = Arch::X86_64) {
  frontend::OciImportOptions o;
  o.filename = "p.json";
  o.caps = std::move(caps);
  o.kernel_version = std::move(kernel);
  o.host_arch = host;
  return o;
}

ir::ValidatedPolicy import_ok(const std::string& json,
                              const frontend::OciImportOptions& o = opts()) {
  auto r = frontend::import_oci(json, o);
  EXPECT_TRUE(r.ok()) << r.render();
  auto p = ir::ValidatedPolicy::build(r.value ? r.value->spec : ir::PolicySpec{});
  EXPECT_TRUE(p) << (p ? "" : p.error().render());
  return std::move(*p);
}

TEST(OciImport, TopLevelFields) {
  auto r = frontend::import_oci(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
    "listenerPath": "/run/seccomp.sock", "listenerMetadata": "pod=x",
    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})",
                                opts());
  ASSERT_TRUE(r.ok()) << r.render();
  const auto& v = *r.value;
  EXPECT_EQ(v.spec.default_action, ir::Action::errno_(38));
  EXPECT_EQ(v.spec.arches, (std::vector<Arch>{Arch::X86_64, Arch::I386}));
  EXPECT_EQ(v.flags, (std::vector<std::string>{"SECCOMP_FILTER_FLAG_LOG",
                                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}));
  EXPECT_EQ(v.flag_bits, frontend::kFlagLog | frontend::kFlagSpecAllow);
  EXPECT_EQ(v.listener_path, "/run/seccomp.sock");
  EXPECT_EQ(v.listener_metadata, "pod=x");
  ASSERT_EQ(v.spec.rules.size(), 1u);
  EXPECT_EQ(v.spec.rules[0].action, ir::Action::user_notif());
  EXPECT_EQ(v.spec.rules[0].loc.json_path, "syscalls[0].names[0]");
}

TEST(OciImport, ActionsAndErrnoDefaults) {
  auto p =
      import_ok(R"({"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["write"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["close"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["getpid"], "action": "SCMP_ACT_TRACE", "errnoRet": 9},
      {"names": ["gettid"], "action": "SCMP_ACT_TRAP"},
      {"names": ["kill"], "action": "SCMP_ACT_KILL"},
      {"names": ["tkill"], "action": "SCMP_ACT_LOG"}]})");
  sftest::Filter f(p);
  EXPECT_EQ(f.run(Arch::X86_64, "read"), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "write"), errno_ret(EPERM));  // runc: EPERM without errnoRet
  EXPECT_EQ(f.run(Arch::X86_64, "close"), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::X86_64, "getpid"), 0x7ff00009U);
  EXPECT_EQ(f.run(Arch::X86_64, "gettid"), 0x00030000U);
  EXPECT_EQ(f.run(Arch::X86_64, "kill"), 0x00000000U);  // SCMP_ACT_KILL is kill-thread
  EXPECT_EQ(f.run(Arch::X86_64, "tkill"), 0x7ffc0000U);
  EXPECT_EQ(f.run(Arch::X86_64, "openat"), 0x80000000U);
}

TEST(OciImport, AllOperators) {
  auto p = import_ok(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_NE"}]},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 5, "op": "SCMP_CMP_LT"}]},
      {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 5, "op": "SCMP_CMP_LE"}]},
      {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 3, "value": 5, "op": "SCMP_CMP_EQ"}]},
      {"names": ["dup2"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 4, "value": 5, "op": "SCMP_CMP_GE"}]},
      {"names": ["dup3"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 5, "value": 5, "op": "SCMP_CMP_GT"}]},
      {"names": ["fcntl"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 1, "value": 240, "valueTwo": 16, "op": "SCMP_CMP_MASKED_EQ"}]}]})");
  sftest::Filter f(p);
  const uint32_t deny = errno_ret(EPERM);
  EXPECT_EQ(f.run(Arch::X86_64, "read", 4), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "read", 5), deny);
  EXPECT_EQ(f.run(Arch::X86_64, "write", 0, 4), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "write", 0, 5), deny);
  EXPECT_EQ(f.run(Arch::X86_64, "close", 0, 0, 5), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "close", 0, 0, 6), deny);
  EXPECT_EQ(f.run(Arch::X86_64, "dup", 0, 0, 0, 5), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "dup", 0, 0, 0, 0x100000005ULL), deny);  // all 64 bits compared
  EXPECT_EQ(f.run(Arch::X86_64, "dup2", 0, 0, 0, 0, 5), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "dup2", 0, 0, 0, 0, 4), deny);
  EXPECT_EQ(f.run(Arch::X86_64, "dup3", 0, 0, 0, 0, 0, 6), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "dup3", 0, 0, 0, 0, 0, 5), deny);
  // MASKED_EQ: value is the mask (0xf0), valueTwo the datum (0x10).
  EXPECT_EQ(f.run(Arch::X86_64, "fcntl", 0, 0x1f), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "fcntl", 0, 0x20), deny);
}

TEST(OciImport, ArgsOnDifferentIndexesAreAndedRepeatedIndexesOred) {
  auto p = import_ok(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]},
      {"names": ["write"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]})");
  sftest::Filter f(p);
  EXPECT_EQ(f.run(Arch::X86_64, "read", 1, 2), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "read", 1, 3), errno_ret(EPERM));
  EXPECT_EQ(f.run(Arch::X86_64, "write", 1), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "write", 2), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "write", 3), errno_ret(EPERM));
}

TEST(OciImport, EntriesEqualToTheDefaultAreDropped) {
  // As in runc: an unconditional ERRNO(EPERM) for a syscall that also has a conditional allow
  // does not override the allow.
  auto p = import_ok(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
      {"names": ["read"], "action": "SCMP_ACT_ERRNO"}]})");
  sftest::Filter f(p);
  EXPECT_EQ(f.run(Arch::X86_64, "read", 0), kAllow);
  EXPECT_EQ(p.spec().rules.size(), 1u);
}

TEST(OciImport, MobyIncludesExcludes) {
  const char* j = R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_BOOT"]}},
      {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
      {"names": ["kcmp"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}},
      {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
      {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
      {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_CHROOT"]}}]})";
  auto probe = [&](std::vector<std::string> caps, std::string kernel, Arch host) {
    auto p = import_ok(j, opts(std::move(caps), std::move(kernel), host));
    std::string s;
    for (const auto& r : p.spec().rules) s += r.syscall + " ";
    return s;
  };
  EXPECT_EQ(probe({}, "4.7", Arch::X86_64), "kcmp arch_prctl chroot ");
  EXPECT_EQ(probe({"CAP_SYS_ADMIN"}, "4.8", Arch::X86_64), "mount ptrace kcmp arch_prctl ");
  EXPECT_EQ(probe({"CAP_SYS_ADMIN", "CAP_SYS_BOOT"}, "6.18.0", Arch::X86_64),
            "mount reboot ptrace arch_prctl ");
  EXPECT_EQ(probe({}, "5.0", Arch::AArch64), "ptrace getpid chroot ");
}

TEST(OciImport, ArchMapFollowsTheHost) {
  const char* j = R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
      {"architecture": "SCMP_ARCH_S390X", "subArchitectures": ["SCMP_ARCH_S390"]}],
    "syscalls": []})";
  auto x = frontend::import_oci(j, opts({}, "6.1", Arch::X86_64));
  ASSERT_TRUE(x.ok()) << x.render();
  EXPECT_EQ(x.value->spec.arches, (std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}));
  auto a = frontend::import_oci(j, opts({}, "6.1", Arch::AArch64));
  EXPECT_EQ(a.value->spec.arches, (std::vector<Arch>{Arch::AArch64, Arch::Arm}));
  auto r = frontend::import_oci(j, opts({}, "6.1", Arch::RiscV64));  // no entry: the host alone
  EXPECT_EQ(r.value->spec.arches, std::vector<Arch>{Arch::RiscV64});
}

TEST(OciImport, NamesAbsentOnSomeTargetArchesApplyWhereTheyExist) {
  auto p = import_ok(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [{"names": ["arch_prctl", "_llseek", "socketcall", "read"], "action": "SCMP_ACT_ALLOW"}]})");
  sftest::Filter f(p);
  EXPECT_EQ(f.run(Arch::X86_64, "read"), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "read"), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "_llseek"), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "socketcall"), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "write"), errno_ret(EPERM));
}

TEST(OciImport, HostFacts) {
  EXPECT_EQ(frontend::cap_name(21), "CAP_SYS_ADMIN");
  EXPECT_EQ(frontend::cap_name(0), "CAP_CHOWN");
  EXPECT_FALSE(frontend::cap_name(63));
  std::string kv = frontend::host_kernel_version();
  EXPECT_FALSE(kv.empty());
  EXPECT_TRUE(kv[0] >= '1' && kv[0] <= '9') << kv;
  // The caps list matches /proc/self/status (root in CI has many; an unprivileged user none).
  auto caps = frontend::host_effective_caps();
  for (const auto& c : caps) EXPECT_EQ(c.rfind("CAP_", 0), 0u);
}

TEST(OciImport, OptionAndFileErrors) {
  auto bad_kernel =
      frontend::import_oci(R"({"defaultAction": "SCMP_ACT_ALLOW"})", opts({}, "linux"));
  EXPECT_EQ(
      bad_kernel.render(),
      "p.json: cannot read kernel version \"linux\"\nhint: give it as major.minor, e.g. 6.1\n");
  auto missing = frontend::import_oci_file("/nonexistent/p.json");
  EXPECT_EQ(missing.render(), "cannot read \"/nonexistent/p.json\": No such file or directory\n");
}

TEST(OciImport, MobysSingularNameField) {
  auto p = import_ok(R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [{"name": "read", "action": "SCMP_ACT_ALLOW"}]})");
  sftest::Filter f(p);
  EXPECT_EQ(f.run(Arch::X86_64, "read"), kAllow);
}

// ------------------------------------------------------------------------------------------
// Docker's default profile (tests/data/docker-default.json, Apache-2.0), as Docker documents it.

std::optional<std::string> docker_profile() {
  std::string path = std::string(SYSFENCE_SOURCE_DIR) + "/tests/data/docker-default.json";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

#define NEED_DOCKER_PROFILE(var) \
  auto var = docker_profile();   \
  ASSERT_TRUE(var) << "tests/data/docker-default.json is missing from the source tree";

constexpr uint64_t kCloneNewUser = 0x10000000, kCloneNewNs = 0x00020000, kSigchld = 17;
constexpr uint64_t kCloneThreadFlags = 0x3d0f00;  // what pthread_create passes

TEST(DockerProfile, ImportsForTheHostArchAndItsSubArches) {
  NEED_DOCKER_PROFILE(j);
  auto r = frontend::import_oci(*j, opts());
  ASSERT_TRUE(r.ok()) << r.render();
  EXPECT_EQ(r.value->spec.arches, (std::vector<Arch>{Arch::X86_64, Arch::I386, Arch::X32}));
  EXPECT_EQ(r.value->spec.default_action, ir::Action::errno_(EPERM));
}

TEST(DockerProfile, NamespaceCloneNeedsCapSysAdmin) {
  NEED_DOCKER_PROFILE(j);
  sftest::Filter plain(import_ok(*j, opts({"CAP_CHOWN", "CAP_KILL"})));
  sftest::Filter admin(import_ok(*j, opts({"CAP_SYS_ADMIN"})));
  for (Arch a : {Arch::X86_64, Arch::I386, Arch::X32}) {
    SCOPED_TRACE(std::string(arch::info(a).name));
    EXPECT_EQ(plain.run(a, "clone", kSigchld), kAllow);           // fork()
    EXPECT_EQ(plain.run(a, "clone", kCloneThreadFlags), kAllow);  // pthread_create()
    EXPECT_EQ(plain.run(a, "clone", kSigchld | kCloneNewUser), errno_ret(EPERM));
    EXPECT_EQ(plain.run(a, "clone", kSigchld | kCloneNewNs), errno_ret(EPERM));
    EXPECT_EQ(plain.run(a, "unshare", kCloneNewUser), errno_ret(EPERM));
    EXPECT_EQ(plain.run(a, "mount"), errno_ret(EPERM));
    EXPECT_EQ(plain.run(a, "clone3"), errno_ret(ENOSYS));  // so glibc falls back to clone
    EXPECT_EQ(admin.run(a, "clone", kSigchld | kCloneNewUser), kAllow);
    EXPECT_EQ(admin.run(a, "unshare", kCloneNewUser), kAllow);
    EXPECT_EQ(admin.run(a, "mount"), kAllow);
    EXPECT_EQ(admin.run(a, "clone3"), kAllow);
  }
}

TEST(DockerProfile, PtraceFollowsTheKernelVersion) {
  NEED_DOCKER_PROFILE(j);
  sftest::Filter old_kernel(import_ok(*j, opts({}, "4.7.10")));
  sftest::Filter new_kernel(import_ok(*j, opts({}, "4.8")));
  sftest::Filter with_cap(import_ok(*j, opts({"CAP_SYS_PTRACE"}, "4.4")));
  EXPECT_EQ(old_kernel.run(Arch::X86_64, "ptrace"), errno_ret(EPERM));
  EXPECT_EQ(old_kernel.run(Arch::X86_64, "process_vm_readv"), errno_ret(EPERM));
  EXPECT_EQ(new_kernel.run(Arch::X86_64, "ptrace"), kAllow);
  EXPECT_EQ(new_kernel.run(Arch::X86_64, "process_vm_writev"), kAllow);
  EXPECT_EQ(with_cap.run(Arch::X86_64, "process_vm_readv"), kAllow);
  EXPECT_EQ(with_cap.run(Arch::X86_64, "kcmp"), kAllow);
  EXPECT_EQ(new_kernel.run(Arch::X86_64, "kcmp"), errno_ret(EPERM));
}

TEST(DockerProfile, PersonalityOnlyHarmlessValues) {
  NEED_DOCKER_PROFILE(j);
  sftest::Filter f(import_ok(*j, opts()));
  for (uint64_t ok : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL})
    EXPECT_EQ(f.run(Arch::X86_64, "personality", ok), kAllow) << ok;
  for (uint64_t bad :
       {0x1ULL, 0x0040000ULL /* ADDR_NO_RANDOMIZE */, 0x400000ULL /* READ_IMPLIES_EXEC */})
    EXPECT_EQ(f.run(Arch::X86_64, "personality", bad), errno_ret(EPERM)) << bad;
}

TEST(DockerProfile, SocketFamiliesAndOtherDenials) {
  NEED_DOCKER_PROFILE(j);
  sftest::Filter f(import_ok(*j, opts()));
  EXPECT_EQ(f.run(Arch::X86_64, "socket", 2 /* AF_INET */), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "socket", 39), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "socket", 40 /* AF_VSOCK */), errno_ret(EPERM));
  EXPECT_EQ(f.run(Arch::X86_64, "socket", 41), kAllow);
  for (const char* denied :
       {"io_uring_setup", "kexec_load", "init_module", "finit_module", "bpf", "perf_event_open",
        "add_key", "keyctl", "request_key", "reboot", "open_by_handle_at", "setns", "syslog"})
    EXPECT_EQ(f.run(Arch::X86_64, denied), errno_ret(EPERM)) << denied;
  for (const char* allowed : {"read", "openat", "execve", "arch_prctl", "modify_ldt"})
    EXPECT_EQ(f.run(Arch::X86_64, allowed), kAllow) << allowed;
  EXPECT_EQ(f.run(Arch::I386, "socketcall"), kAllow);
  EXPECT_EQ(f.run_nr(Arch::X86_64, 1000), errno_ret(EPERM));  // unknown: the default action
}

// ------------------------------------------------------------------------------------------
// Export

std::string export_ok(const ir::ValidatedPolicy& p) {
  auto e = frontend::export_oci(p);
  EXPECT_TRUE(e.ok()) << e.render();
  return e.value.value_or("");
}

// Every syscall of every target arch, with a spread of argument values: same return values.
void expect_same_behaviour(const ir::ValidatedPolicy& a, const ir::ValidatedPolicy& b) {
  sftest::Filter fa(a), fb(b);
  ASSERT_TRUE(fa.ok() && fb.ok());
  const uint64_t vals[] = {0,       1,          2,          3,          8,
                           17,      38,         39,         40,         0x40,
                           0x20000, 0x10000000, 0x7e020000, 0xffffffff, 0x100000000ULL,
                           ~0ULL};
  size_t checked = 0;
  for (Arch ar : a.arches()) {
    for (const auto& sc : arch::syscalls(ar)) {
      for (uint64_t v : vals) {
        for (int which = 0; which < 6; which += (v == 0 ? 6 : 1)) {
          uint64_t args[6] = {0, 0, 0, 0, 0, 0};
          args[which] = v;
          ASSERT_EQ(fa.run(ar, sc.name, args), fb.run(ar, sc.name, args))
              << arch::info(ar).name << " " << sc.name << " arg" << which << "=" << v;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 1000u);
}

ir::ValidatedPolicy load_ok(const std::string& text) {
  auto p = frontend::load_policy_text(text, "p.policy", sftest::mem_fs({}));
  EXPECT_TRUE(p.ok()) << p.render();
  return std::move(*p.value);
}

TEST(OciExport, GroupsRulesAndUsesErrnoRetAndArgs) {
  auto p = load_ok(
      "default errno EPERM\narch x86_64\nread, write, close: allow\nopenat, unlink: errno EACCES\n"
      "socket: arg0 == AF_INET || arg0 == AF_INET6\nmmap, mprotect: (arg2 & PROT_EXEC) == 0\n"
      "getpid: trace 7\nkill: arg1 != 9 && arg0 > 1\n");
  EXPECT_EQ(export_ok(p), R"({
  "architectures": [
    "SCMP_ARCH_X86_64"
  ],
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "syscalls": [
    {
      "action": "SCMP_ACT_ALLOW",
      "names": [
        "read",
        "write",
        "close"
      ]
    },
    {
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 13,
      "names": [
        "openat",
        "unlink"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 0,
          "op": "SCMP_CMP_EQ",
          "value": 2,
          "valueTwo": 0
        }
      ],
      "names": [
        "socket"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 0,
          "op": "SCMP_CMP_EQ",
          "value": 10,
          "valueTwo": 0
        }
      ],
      "names": [
        "socket"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 2,
          "op": "SCMP_CMP_MASKED_EQ",
          "value": 4,
          "valueTwo": 0
        }
      ],
      "names": [
        "mmap",
        "mprotect"
      ]
    },
    {
      "action": "SCMP_ACT_TRACE",
      "errnoRet": 7,
      "names": [
        "getpid"
      ]
    },
    {
      "action": "SCMP_ACT_ALLOW",
      "args": [
        {
          "index": 1,
          "op": "SCMP_CMP_NE",
          "value": 9,
          "valueTwo": 0
        },
        {
          "index": 0,
          "op": "SCMP_CMP_GT",
          "value": 1,
          "valueTwo": 0
        }
      ],
      "names": [
        "kill"
      ]
    }
  ]
}
)");
}

TEST(OciExport, FlagsAndListener) {
  auto p = load_ok("default allow\narch x86_64\nread: notify\n");
  frontend::OciExportOptions o;
  o.flag_bits = frontend::kFlagTsync | frontend::kFlagWaitKillableRecv;
  o.listener_path = "/run/l.sock";
  o.listener_metadata = "m";
  o.indent = -1;
  auto e = frontend::export_oci(p, o);
  ASSERT_TRUE(e.ok()) << e.render();
  EXPECT_EQ(
      *e.value,
      R"({"architectures":["SCMP_ARCH_X86_64"],"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],"listenerMetadata":"m","listenerPath":"/run/l.sock","syscalls":[{"action":"SCMP_ACT_NOTIFY","names":["read"]}]})"
      "\n");
  auto back = frontend::import_oci(*e.value, opts());
  ASSERT_TRUE(back.ok()) << back.render();
  EXPECT_EQ(back.value->flag_bits, o.flag_bits);
  EXPECT_EQ(back.value->listener_path, "/run/l.sock");
}

TEST(OciExport, RoundTripOfATextPolicy) {
  auto p = load_ok(
      "default errno EPERM\narch x86_64, i386, x32\n@basic-io, @file-system, @memory: allow\n"
      "socket: arg0 in {AF_UNIX, AF_INET, AF_INET6}\nclone: (arg0 & CLONE_NEWUSER) == 0\n"
      "ioctl: arg1 != TIOCSTI\npersonality: arg0 == 0 || arg0 == 8\n"
      "kill: arg1 <= 15 && arg0 >= 2\nptrace: kill-process\ngetpid: u32(arg0) == 7\n"
      // An unconditional errno equal to the default beats the conditional allow: the allow
      // must not come back in the export (runc would let read(0) through).
      "readv: errno EPERM\nreadv: arg0 == 0 -> allow\n"
      "writev: allow\nwritev: arg0 == 3 -> errno EBADF\n");
  std::string j = export_ok(p);
  auto back = frontend::import_oci(j, opts());
  ASSERT_TRUE(back.ok()) << back.render();
  auto q = ir::ValidatedPolicy::build(back.value->spec);
  ASSERT_TRUE(q) << q.error().render();
  expect_same_behaviour(p, *q);
}

TEST(OciExport, RoundTripOfDockersProfile) {
  NEED_DOCKER_PROFILE(j);
  for (auto caps :
       {std::vector<std::string>{}, std::vector<std::string>{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"}}) {
    auto p = import_ok(*j, opts(caps));
    auto back = frontend::import_oci(export_ok(p), opts());
    ASSERT_TRUE(back.ok()) << back.render();
    auto q = ir::ValidatedPolicy::build(back.value->spec);
    ASSERT_TRUE(q) << q.error().render();
    expect_same_behaviour(p, *q);
  }
}

TEST(OciExport, WhatOciCannotSayIsAnErrorOrAWarning) {
  auto per_arch = load_ok("arch x86_64, aarch64\nopenat: (flags & O_DIRECTORY) == 0\n");
  auto e = frontend::export_oci(per_arch);
  ASSERT_EQ(e.errors.size(), 1u);
  EXPECT_EQ(
      e.render(),
      "p.policy(2:1): the rule for \"openat\" differs between target arches, which OCI cannot "
      "express\n"
      "  openat: (flags & O_DIRECTORY) == 0\n"
      "  ^\n"
      "hint: export for one arch at a time, or give the syscall the same rule on every arch\n");
  // A 32-bit range and two conditions on one argument are rewritten (aligned blocks of values as
  // masks; tests/compiler/oci_libseccomp_test.cpp checks the meaning against libseccomp).
  auto narrow = frontend::export_oci(load_ok("arch x86_64\nread: u32(arg0) < 3\n"));
  EXPECT_TRUE(narrow.ok()) << narrow.render();
  EXPECT_NE(narrow.value.value_or("").find("\"value\": 4294967294"), std::string::npos)
      << *narrow.value;
  auto twice = frontend::export_oci(load_ok("arch x86_64\nread: arg0 > 3 && arg0 < 9\n"));
  EXPECT_TRUE(twice.ok()) << twice.render();
  auto unknown =
      frontend::export_oci(load_ok("default allow\nunknown-syscall errno ENOSYS\narch x86_64\n"));
  EXPECT_TRUE(unknown.ok());
  EXPECT_EQ(
      unknown.render(),
      "warning: the unknown-syscall action (errno(38)) has no OCI equivalent: syscalls the policy "
      "does not name get the default action\n");
}

}  // namespace
