// tests/cli/contract_test.cpp — the command line's contract across every command (issue 8,
// part C): repeatable options take one value per occurrence and never swallow a positional;
// with --json every failure is one JSON object on stdout with the same exit code; `emu --raw`
// takes only a raw filter; OCI capability sets are chosen explicitly and named.
#include <gtest/gtest.h>

#include <cstdio>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

using clitest::sysfence;
using clitest::TempDir;
using nlohmann::json;

namespace {

const std::string kData = std::string(SYSFENCE_SOURCE_DIR) + "/tests/data/";
const std::string kDocker = kData + "docker-default.json";
const std::string kPodman = kData + "podman-seccomp.json";

json parse_or_fail(const std::string& out) {
  try {
    return json::parse(out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON object: " << e.what() << "\n" << out;
    return json();
  }
}

// ---- 16: repeatable options and positionals --------------------------------------------------

TEST(RepeatableOptions, DoNotSwallowPositionals) {
  TempDir d;
  const std::string pol = d.file("cat.policy", "default allow\nread: errno EPERM\n");
  // Every repeatable option of every command, followed by a positional.
  auto check = sysfence({"check", "--arch", "x86_64", pol});
  EXPECT_EQ(check.code, 0) << check.all();
  auto check2 = sysfence({"check", "--arch", "x86_64", "--arch", "i386", pol});
  EXPECT_EQ(check2.code, 0) << check2.all();
  EXPECT_NE(check2.out.find("i386:"), std::string::npos) << check2.out;
  auto incl = sysfence({"check", "-I", d.path, pol});
  EXPECT_EQ(incl.code, 0) << incl.all();
  auto compile = sysfence({"compile", "--arch", "x86_64", pol, "--format", "text"});
  EXPECT_EQ(compile.code, 0) << compile.all();
  auto capcheck = sysfence({"check", "--cap", "CAP_CHOWN", kDocker});
  EXPECT_EQ(capcheck.code, 0) << capcheck.all();
  auto emu = sysfence({"emu", "--oci", kDocker, "--cap", "CAP_CHOWN", "mount", "0"});
  EXPECT_EQ(emu.code, 0) << emu.all();
  EXPECT_NE(emu.out.find("mount(0x0) on x86_64: errno(1)"), std::string::npos) << emu.out;
  auto resolve = sysfence({"resolve", "--arch", "x86_64", "--arch", "i386", "getpid"});
  EXPECT_EQ(resolve.code, 0) << resolve.all();
  EXPECT_NE(resolve.out.find("i386"), std::string::npos) << resolve.out;
  auto run = sysfence({"run", "--cap", "CAP_CHOWN", "--oci", kDocker, "true"});
  EXPECT_EQ(run.code, 0) << run.all();
}

// ---- 17: --json failures ---------------------------------------------------------------------

TEST(JsonFailures, EveryCommandPrintsOneObjectWithTheSameExitCode) {
  TempDir d;
  const std::string bad = d.file("bad.policy", "default allow\nread: errno EPRM\n");
  struct Case {
    std::vector<std::string> args;
    int code;
  };
  const std::vector<Case> cases = {
      {{"compile", bad, "--json", "-o", d.join("x.bpf")}, 2},
      {{"check", bad, "--json"}, 2},
      {{"emu", bad, "read", "--json"}, 2},
      {{"emu", "--default", "nosuchcall", "--json"}, 2},
      {{"disasm", d.join("missing.bpf"), "--json"}, 2},
      {{"asm", d.file("bad.s", "frobnicate\n"), "--json"}, 2},
      {{"resolve", "nosuchcall", "--json"}, 2},
      {{"resolve", "--json", "--bogus-option"}, 2},
      {{"groups", "nosuchgroup", "--json"}, 2},
      {{"status", "999999999", "--json"}, 1},
  };
  for (const Case& c : cases) {
    auto r = sysfence(c.args);
    std::string what = c.args[0] + " " + c.args[1];
    EXPECT_EQ(r.code, c.code) << what << "\n" << r.all();
    json j = parse_or_fail(r.out);
    ASSERT_TRUE(j.is_object()) << what;
    EXPECT_EQ(j["ok"], false) << what << j.dump();
    ASSERT_TRUE(j["errors"].is_array() && !j["errors"].empty()) << what << j.dump();
    EXPECT_FALSE(j["errors"][0]["message"].get<std::string>().empty()) << what;
  }
  // A policy error carries file, line and column.
  auto r = sysfence({"compile", bad, "--json", "-o", d.join("x.bpf")});
  json j = parse_or_fail(r.out);
  EXPECT_EQ(j["errors"][0]["file"], bad);
  EXPECT_EQ(j["errors"][0]["line"], 2);
  EXPECT_EQ(j["errors"][0]["col"], 13);
  EXPECT_NE(j["errors"][0]["message"].get<std::string>().find("EPRM"), std::string::npos);
  // Without --json the failure stays text on stderr, stdout empty.
  auto t = sysfence({"compile", bad, "-o", d.join("x.bpf")});
  EXPECT_EQ(t.code, 2);
  EXPECT_TRUE(t.out.empty()) << t.out;
  EXPECT_NE(t.err.find("bad.policy(2:13)"), std::string::npos) << t.err;
}

// ---- 18: emu --raw takes only a raw filter ---------------------------------------------------

TEST(EmuRaw, RejectsEmptyTruncatedAndUnverifiableFiles) {
  TempDir d;
  auto empty = sysfence({"emu", "--raw", d.file("empty.bpf", ""), "read"});
  EXPECT_EQ(empty.code, 2) << empty.all();
  EXPECT_NE(empty.err.find("empty"), std::string::npos) << empty.err;
  auto odd =
      sysfence({"emu", "--raw", d.file("odd.bpf", std::string("\x06\0\0\0\0\0", 6)), "read"});
  EXPECT_EQ(odd.code, 2) << odd.all();
  EXPECT_NE(odd.err.find("8-byte"), std::string::npos) << odd.err;
  // ld [0] and no return: the kernel refuses it.
  auto noret =
      sysfence({"emu", "--raw", d.file("noret.bpf", std::string("\x20\0\0\0\0\0\0\0", 8)), "read"});
  EXPECT_EQ(noret.code, 2) << noret.all();
  EXPECT_NE(noret.err.find("refuse"), std::string::npos) << noret.err;
  // Text is not a raw filter either.
  auto text = sysfence({"emu", "--raw", d.file("text.bpf", "default allow\n"), "read"});
  EXPECT_EQ(text.code, 2) << text.all();
  // Positive control: RET ALLOW (0x7fff0000) is emulated.
  auto ok = sysfence(
      {"emu", "--raw", d.file("allow.bpf", std::string("\x06\0\0\0\0\0\xff\x7f", 8)), "read"});
  EXPECT_EQ(ok.code, 0) << ok.all();
  EXPECT_NE(ok.out.find("allow"), std::string::npos) << ok.out;
}

}  // namespace

namespace {

// ---- 15: which capabilities an OCI profile is evaluated with ---------------------------------

TEST(OciCaps, DockerDefaultSetUnlessToldOtherwiseAndSaysWhich) {
  // As root the process has every capability; the profile still gets a container's 14.
  auto def = sysfence({"emu", "--oci", kDocker, "mount", "0"});
  EXPECT_EQ(def.code, 0) << def.all();
  EXPECT_NE(def.out.find("errno(1)"), std::string::npos) << def.out;
  EXPECT_NE(def.err.find("Docker's default container capabilities (14)"), std::string::npos)
      << def.err;
  for (const char* sc : {"unshare", "bpf", "mount"}) {
    auto r = sysfence({"emu", "--oci", kDocker, sc, "0"});
    EXPECT_NE(r.out.find("errno(1)"), std::string::npos) << sc << r.out;
  }
  auto chroot =
      sysfence({"emu", "--oci", kDocker, "chroot", "0"});  // CAP_SYS_CHROOT is one of the 14
  EXPECT_NE(chroot.out.find("allow"), std::string::npos) << chroot.out;
  // --cap adds to the 14.
  auto added = sysfence({"emu", "--oci", kDocker, "--cap", "CAP_SYS_ADMIN", "mount", "0"});
  EXPECT_NE(added.out.find("allow"), std::string::npos) << added.all();
  EXPECT_NE(added.err.find("(14) + CAP_SYS_ADMIN"), std::string::npos) << added.err;
  // --cap none: no capabilities at all (chroot denied).
  auto none = sysfence({"emu", "--oci", kDocker, "--cap", "none", "chroot", "0"});
  EXPECT_NE(none.out.find("errno(1)"), std::string::npos) << none.all();
  EXPECT_NE(none.err.find("no capabilities"), std::string::npos) << none.err;
  // --host-caps: this process's own (root here: mount allowed; unprivileged: denied).
  auto host = sysfence({"emu", "--oci", kDocker, "--host-caps", "mount", "0"});
  EXPECT_NE(host.err.find("this process's effective capabilities"), std::string::npos) << host.err;
  EXPECT_NE(host.out.find(geteuid() == 0 ? "allow" : "errno(1)"), std::string::npos) << host.all();
  // check says it in its report and its JSON.
  auto check = sysfence({"check", kDocker, "--json"});
  json j = parse_or_fail(check.out);
  EXPECT_EQ(j["capabilities"], "Docker's default container capabilities (14)") << j.dump();
  // Bad choices are usage errors.
  EXPECT_EQ(sysfence({"emu", "--oci", kDocker, "--cap", "CAP_SYS_ADMN", "mount"}).code, 2);
  EXPECT_EQ(sysfence({"emu", "--oci", kDocker, "--cap", "none", "--host-caps", "mount"}).code, 2);
  // A text policy has no capability choices: no note.
  auto text = sysfence({"emu", "--default", "getpid"});
  EXPECT_EQ(text.err.find("capabilities"), std::string::npos) << text.err;
}

// ---- 19: Podman's format, unknown capability names -------------------------------------------

TEST(OciPodman, ErrnoNamesUnderstoodWithoutWarnings) {
  auto r = sysfence({"check", kPodman, "--cap", "CAP_SYS_ADMIN"});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_EQ(r.all().find("unknown field"), std::string::npos) << r.all();
  TempDir d;
  // "errno" alone gives the errno; a name disagreeing with errnoRet is a warning.
  const std::string p =
      d.file("p.json", R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errno": "EACCES"},
                 {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errno": "EPERM", "errnoRet": 2},
                 {"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]})");
  auto mk = sysfence({"emu", p, "mkdir"});
  EXPECT_NE(mk.out.find("errno(13)"), std::string::npos) << mk.all();
  auto other = sysfence({"emu", p, "read"});
  EXPECT_NE(other.out.find("errno(38)"), std::string::npos) << other.all();
  auto rm = sysfence({"emu", p, "rmdir"});
  EXPECT_NE(rm.out.find("errno(2)"), std::string::npos) << rm.all();
  EXPECT_NE(rm.err.find("disagrees with errnoRet"), std::string::npos) << rm.err;
  const std::string bad = d.file("bad.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errno": "EPRM"}]})");
  auto b = sysfence({"check", bad});
  EXPECT_EQ(b.code, 2) << b.all();
  EXPECT_NE(b.err.find("syscalls[0].errno: unknown errno name \"EPRM\""), std::string::npos)
      << b.err;
  EXPECT_NE(b.err.find("did you mean \"EPERM\"?"), std::string::npos) << b.err;
}

TEST(OciPodman, UnknownCapabilityNameIsWarnedWithASuggestion) {
  TempDir d;
  const std::string p = d.file("p.json", R"({"defaultAction": "SCMP_ACT_ERRNO",
    "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMN"]}},
                 {"names": ["chroot"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["sys_chroot"]}}]})");
  auto r = sysfence({"check", p});
  EXPECT_EQ(r.code, 0) << r.all();
  EXPECT_NE(
      r.err.find("syscalls[0].includes.caps[0]: warning: unknown capability \"CAP_SYS_ADMN\""),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean \"CAP_SYS_ADMIN\"?"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean \"CAP_SYS_CHROOT\"?"), std::string::npos) << r.err;
  EXPECT_EQ(sysfence({"check", p, "--strict"}).code, 1);
}

// ---- 22: a profile that contradicts itself ----------------------------------------------------

TEST(OciPodman, CheckWarnsWhereTheProfileContradictsItself) {
  auto r = sysfence({"check", kPodman});  // Docker's default caps: no CAP_SYS_ADMIN
  EXPECT_NE(r.err.find("rule for \"setns\" has no effect"), std::string::npos) << r.err;
  auto e = sysfence({"emu", kPodman, "setns", "0", "0"});
  EXPECT_NE(e.out.find("allow"), std::string::npos) << e.all();  // as runc and crun
}

}  // namespace

namespace {

// ---- 14: a policy that denies what running any program needs -------------------------------

TEST(RunNeeds, PolicyDenyingExecveOrExitGroupIsRefusedBeforeAnythingRuns) {
  TempDir d;
  const std::string marker = d.join("marker");
  for (const char* rule :
       {"exit_group: errno EPERM\n", "execve: errno EACCES\n", "exit_group: kill-process\n"}) {
    auto p = d.file("p.policy", std::string("default allow\n") + rule);
    auto r = sysfence({"run", "--policy", p, "--", "/usr/bin/touch", marker});
    EXPECT_EQ(r.code, 2) << rule << r.all();
    EXPECT_NE(r.err.find("which running any program needs"), std::string::npos) << r.err;
    EXPECT_FALSE(clitest::exists(marker)) << rule;
  }
  // Positive control: the same program under `default allow` runs.
  auto ok = sysfence(
      {"run", "--policy", d.file("ok.policy", "default allow\n"), "--", "/usr/bin/touch", marker});
  EXPECT_EQ(ok.code, 0) << ok.all();
  EXPECT_TRUE(clitest::exists(marker));
}

// --permissive enforces nothing, so the same policies are not refused there: the program runs
// and the denials it would meet are reported.
TEST(RunNeeds, PermissiveRunsAPolicyDenyingExecveOrExitGroup) {
  TempDir d;
  for (const char* rule : {"exit_group: errno EPERM\n", "execve: errno EACCES\n"}) {
    const std::string marker = d.join("marker");
    std::remove(marker.c_str());
    auto p = d.file("p.policy", std::string("default allow\n") + rule);
    auto r = sysfence({"run", "--permissive", "--policy", p, "--", "/usr/bin/touch", marker});
    EXPECT_EQ(r.code, 0) << rule << r.all();
    EXPECT_EQ(r.err.find("which running any program needs"), std::string::npos) << r.err;
    EXPECT_TRUE(clitest::exists(marker)) << rule << r.all();
    const std::string name = std::string(rule).substr(0, std::string(rule).find(':'));
    EXPECT_NE(r.all().find(name), std::string::npos) << "the denial is reported: " << r.all();
  }
}

TEST(RunNeeds, FailedExecveIsReportedEvenWhenThePolicyDeniesWrite) {
  TempDir d;
  // Executable, but not a format the kernel runs: execve fails under the filter (ENOEXEC).
  const std::string junk = d.file("junk", std::string("\x01\x02\x03\x04 not a program\n"));
  ASSERT_EQ(::chmod(junk.c_str(), 0755), 0);
  for (const char* extra : {"", "write: kill-process\n"}) {
    auto p = d.file("p.policy", std::string("default allow\n") + extra);
    auto r = sysfence({"run", "--policy", p, "--", junk});
    EXPECT_EQ(r.code, 126) << extra << r.all();
    EXPECT_NE(r.err.find("execve failed under the filter: Exec format error"), std::string::npos)
        << extra << r.err;
  }
}

// ---- 20: one line when the filter may be why the program failed -----------------------------

TEST(RunHint, SigsysAndFailureAreNamedAndQuietSilencesThem) {
  TempDir d;
  auto kill = d.file("k.policy", "default allow\nuname: kill-process\n");
  auto r = sysfence({"run", "--policy", kill, "--", "uname"});
  EXPECT_EQ(r.code, 128 + SIGSYS) << r.all();
  EXPECT_NE(r.err.find("uname was killed by SIGSYS"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--report"), std::string::npos) << r.err;
  auto q = sysfence({"run", "--quiet", "--policy", kill, "--", "uname"});
  EXPECT_EQ(q.code, 128 + SIGSYS);
  EXPECT_EQ(q.err, "") << q.err;
  // Denied calls that fail: the program exits non-zero.
  auto deny = d.file("e.policy", "default allow\nmkdir, mkdirat: errno EPERM\n");
  auto f = sysfence({"run", "--policy", deny, "--", "mkdir", d.join("x")});
  EXPECT_NE(f.code, 0);
  EXPECT_NE(f.err.find("mkdir exited with status 1"), std::string::npos) << f.err;
  EXPECT_NE(f.err.find("--report"), std::string::npos) << f.err;
  auto fq = sysfence({"run", "-q", "--policy", deny, "--", "mkdir", d.join("x")});
  EXPECT_EQ(fq.err.find("sysfence:"), std::string::npos) << fq.err;
  // Positive control: a program that succeeds gets no line.
  auto good = sysfence({"run", "--policy", deny, "--", "true"});
  EXPECT_EQ(good.code, 0);
  EXPECT_EQ(good.err, "") << good.err;
}

// ---- 21: --report names errno values, knows clone3's fallback, suggests a rule ---------------

TEST(ReportDecoding, ErrnoNamesClone3FallbackAndASuggestedRule) {
  TempDir d;
  auto r = sysfence({"run", "--report", "--", "sh", "-c", "unshare -U true; true"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("unshare(flags=CLONE_NEWUSER) on x86_64: errno(EPERM) -> -1 EPERM"),
            std::string::npos)
      << r.err;
  const std::string rule_prefix = "a rule that allows it: `";
  auto at = r.err.find(rule_prefix);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string rule = r.err.substr(
      at + rule_prefix.size(), r.err.find('`', at + rule_prefix.size()) - at - rule_prefix.size());
  EXPECT_EQ(rule, "unshare: allow");
  // The suggested rule is valid policy text, and it allows the call.
  auto p = d.file("s.policy", "default errno EPERM\n" + rule + "\n");
  auto e = sysfence({"emu", p, "unshare", "CLONE_NEWUSER"});
  EXPECT_NE(e.out.find(": allow"), std::string::npos) << e.all();
  // A thread: glibc tries clone3, the default policy answers ENOSYS on purpose, glibc uses clone.
  auto t = sysfence({"run", "--report", "--", "/usr/bin/python3", "-c",
                     "import threading; t = threading.Thread(target=print); t.start(); t.join()"});
  EXPECT_EQ(t.code, 0) << t.err;
  EXPECT_EQ(t.err.find("denied [pid"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("clone3("), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("intended fallback"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("no syscall was denied"), std::string::npos) << t.err;
}

}  // namespace
