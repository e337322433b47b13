// tests/cli/tools_test.cpp — the other subcommands end to end: help and usage errors, JSON
// output, compile/disasm/asm round trips through files, emu, check, resolve, status, probe,
// groups, and disasm --pid of a confined child.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli_helpers.hpp"

using clitest::read_file;
using clitest::sysfence;
using clitest::TempDir;
using nlohmann::json;

namespace {

json parse_json(const clitest::Ran& r) {
  EXPECT_EQ(r.code, 0) << r.err;
  try {
    return json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
    return json();
  }
}

const char* const kSubcommands[] = {"run",   "compile", "disasm", "asm",    "emu",
                                    "check", "resolve", "status", "groups", "probe"};

// ---- usage -------------------------------------------------------------------------------

TEST(Usage, EverySubcommandHasHelp) {
  for (const char* sub : kSubcommands) {
    auto r = sysfence({sub, "--help"});
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub << ": " << r.out;
    EXPECT_NE(r.out.find("Exit codes"), std::string::npos) << sub << ": " << r.out;
  }
  auto top = sysfence({"--help"});
  EXPECT_EQ(top.code, 0);
  for (const char* sub : kSubcommands) EXPECT_NE(top.out.find(sub), std::string::npos) << sub;
}

TEST(Usage, BadUsageExits2) {
  EXPECT_EQ(sysfence({}).code, 2);
  EXPECT_EQ(sysfence({"no-such-command"}).code, 2);
  EXPECT_EQ(sysfence({"resolve"}).code, 2);
  EXPECT_EQ(sysfence({"resolve", "read", "--arch", "vax"}).code, 2);
  EXPECT_EQ(sysfence({"compile", "--format", "elf", "--default"}).code, 2);
  EXPECT_EQ(sysfence({"run"}).code, 2);
}

TEST(Usage, Version) {
  auto r = sysfence({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("sysfence"), std::string::npos);
}

// ---- resolve -----------------------------------------------------------------------------

TEST(Resolve, NameOnEveryArch) {
  auto j = parse_json(sysfence({"resolve", "openat", "--all-arches", "--json"}));
  std::map<std::string, int64_t> got;
  for (const auto& r : j["results"]) got[r["arch"]] = r["number"].get<int64_t>();
  EXPECT_EQ(got["x86_64"], 257);
  EXPECT_EQ(got["i386"], 295);
  EXPECT_EQ(got["x32"], 0x40000000 + 257);
  EXPECT_EQ(got["aarch64"], 56);
}

TEST(Resolve, NumberToName) {
  auto r = sysfence({"resolve", "39"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("getpid"), std::string::npos) << r.out;
  auto j = parse_json(sysfence({"resolve", "0x40000027", "--arch", "x32", "--json"}));
  EXPECT_EQ(j["results"][0]["name"], "getpid");
}

TEST(Resolve, UnknownNameSuggests) {
  auto r = sysfence({"resolve", "opnat"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean \"openat\""), std::string::npos) << r.err;
}

TEST(Resolve, AbsentOnArchIsExit1) {
  // open does not exist on aarch64.
  auto r = sysfence({"resolve", "open", "--arch", "aarch64"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("absent"), std::string::npos) << r.out;
}

// ---- compile / disasm / asm round trip -----------------------------------------------------

TEST(RoundTrip, CompileDisasmAsmThroughFiles) {
  TempDir d;
  const auto bpf = d.join("default.bpf");
  auto c = sysfence({"compile", "--default", "-o", bpf});
  ASSERT_EQ(c.code, 0) << c.err;
  const std::string bytes = read_file(bpf);
  ASSERT_FALSE(bytes.empty());
  ASSERT_EQ(bytes.size() % 8, 0U);

  auto dis = sysfence({"disasm", bpf});
  ASSERT_EQ(dis.code, 0) << dis.err;
  const auto txt = d.file("default.txt", dis.out);

  const auto back = d.join("back.bpf");
  auto as = sysfence({"asm", txt, "-o", back});
  ASSERT_EQ(as.code, 0) << as.err;
  EXPECT_EQ(read_file(back), bytes) << "disasm | asm must give the same bytes";

  // compile --format text is the same text.
  auto text = sysfence({"compile", "--default", "--format", "text"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_EQ(text.out, dis.out);
}

TEST(RoundTrip, HandWrittenAssembly) {
  TempDir d;
  auto src = d.file("f.s",
                    "  ld [4]              ; arch\n"
                    "  jeq #0xc000003e, ok, kill\n"
                    "ok:\n"
                    "  ld [0]\n"
                    "  jeq #39, allow, deny\n"
                    "deny: ret errno(1)\n"
                    "allow: ret allow\n"
                    "kill: ret kill_process\n");
  auto out = d.join("f.bpf");
  auto j = parse_json(sysfence({"asm", src, "-o", out, "--json"}));
  EXPECT_EQ(j["instructions"], 7);
  auto e = parse_json(sysfence({"emu", out, "getpid", "--json"}));
  EXPECT_EQ(e["action"], "allow");
  EXPECT_EQ(e["executed"], 5);
  auto e2 = parse_json(sysfence({"emu", "--raw", out, "getppid", "--json"}));
  EXPECT_EQ(e2["action"], "errno(1)");
  auto dj = parse_json(sysfence({"disasm", out, "--json"}));
  EXPECT_EQ(dj["length"], 7);
  EXPECT_EQ(dj["instructions"][6]["text"], "ret kill_process");
}

TEST(RoundTrip, AsmSyntaxErrorExits2WithLocation) {
  TempDir d;
  auto src = d.file("bad.s", "ld [0]\njeqq #1, 2, 3\nret allow\n");
  auto r = sysfence({"asm", src, "-o", d.join("x.bpf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.s(2:"), std::string::npos) << r.err;
}

TEST(RoundTrip, AsmRefusesWhatTheKernelRefuses) {
  TempDir d;
  auto src = d.file("nort.s", "ld [0]\n");  // no RET at the end
  auto r = sysfence({"asm", src, "-o", d.join("x.bpf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("refuse"), std::string::npos) << r.err;
}

TEST(Compile, FormatsCAndOci) {
  auto c = sysfence({"compile", "--default", "--format", "c", "--name", "my_filter"});
  EXPECT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("struct sock_filter my_filter[]"), std::string::npos)
      << c.out.substr(0, 400);

  TempDir d;
  auto p = d.file("p.policy", "default errno EPERM\nread, write, exit_group: allow\n");
  auto oci = sysfence({"compile", p, "--format", "oci"});
  EXPECT_EQ(oci.code, 0) << oci.err;
  auto j = json::parse(oci.out);
  EXPECT_EQ(j["defaultAction"], "SCMP_ACT_ERRNO");
}

TEST(Compile, JsonSummary) {
  TempDir d;
  auto j = parse_json(sysfence({"compile", "--default", "-o", d.join("f.bpf"), "--json"}));
  EXPECT_GT(j["instructions"].get<int>(), 0);
  EXPECT_EQ(j["bytes"].get<int>(), 8 * j["instructions"].get<int>());
}

TEST(Compile, BadPolicyExits2) {
  TempDir d;
  auto p = d.file("bad.policy", "default errno EPERM\nread: alow\n");
  auto r = sysfence({"compile", p, "-o", d.join("x.bpf")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.policy(2:"), std::string::npos) << r.err;
}

// `compile FILE -o OUT` (either order, -o or --output) skips CLI11 (main.cpp); any other option
// goes through it. Both give the same file, messages and exit codes.
TEST(Compile, WithoutTheOptionParserSameAsWithIt) {
  TempDir d;
  const std::string good = d.file("good.policy",
                                  "default errno EPERM\narch x86_64\nread, write: allow\n"
                                  "ioctl: request == 0x5401\n");
  const std::string bad = d.file("bad.policy", "default errno EPERM\nread: alow\n");
  // A warning (open has no aarch64 number): the fast path writes it through the streams it
  // constructs on first use (common.hpp's err_stream()).
  const std::string warns =
      d.file("warns.policy", "default errno EPERM\narch x86_64, aarch64\nopen: allow\n");
  for (const std::string& p : {good, bad, warns, d.join("missing.policy"), d.path}) {
    const std::string a = d.join("a.bpf"), b = d.join("b.bpf"), c = d.join("c.bpf");
    auto fast = sysfence({"compile", p, "-o", a});
    auto fast2 = sysfence({"compile", "--output", c, p});
    auto full = sysfence({"compile", p, "-o", b, "--format", "raw"});
    EXPECT_EQ(fast.code, full.code) << p << ": " << fast.err << full.err;
    EXPECT_EQ(fast2.code, full.code) << p;
    EXPECT_EQ(fast.out, full.out) << p;
    auto same_paths = [&](std::string s, const std::string& from) {
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at))
        s.replace(at, from.size(), b);
      return s;
    };
    EXPECT_EQ(same_paths(fast.err, a), full.err) << p;
    EXPECT_EQ(same_paths(fast2.err, c), full.err) << p;
    if (full.code == 0) {
      EXPECT_EQ(read_file(a), read_file(b)) << p;
      EXPECT_EQ(read_file(c), read_file(b)) << p;
    }
    if (p == warns) { EXPECT_NE(fast.err.find("warning"), std::string::npos) << fast.err; }
  }
  // An output that cannot be opened: the same message (the file is written without a stream).
  const std::string nodir = d.join("no/such/dir/out.bpf");
  auto fast = sysfence({"compile", good, "-o", nodir});
  auto full = sysfence({"compile", good, "-o", nodir, "--format", "raw"});
  EXPECT_EQ(fast.code, 1);
  EXPECT_EQ(fast.code, full.code);
  EXPECT_EQ(fast.err, full.err);
  EXPECT_EQ(fast.err, "sysfence: " + nodir + ": No such file or directory\n");
}

// The CLI's standard streams are constructed on first use (src/cli/lazy_iostream): a
// std::cerr or std::cout written before that is undefined behaviour (on the compile fast path,
// before anything else has constructed them). So the CLI's sources name them only in
// common.hpp's err_stream() and out_stream().
TEST(CliSources, WriteThroughTheStreamAccessors) {
  namespace fs = std::filesystem;
  std::string found;
  for (const auto& e : fs::directory_iterator(fs::path(SYSFENCE_SOURCE_DIR) / "src/cli")) {
    const std::string ext = e.path().extension().string();
    if (ext != ".cpp" && ext != ".hpp") continue;
    std::ifstream in(e.path());
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      ++n;
      const std::string code = line.substr(0, line.find("//"));
      for (const char* name : {"std::cerr", "std::cout", "std::clog", "std::cin"}) {
        if (code.find(name) == std::string::npos) continue;
        if (e.path().filename() == "common.hpp" && code.find("return std::c") != std::string::npos)
          continue;
        found += e.path().filename().string() + ":" + std::to_string(n) + ": " + line + "\n";
      }
    }
  }
  EXPECT_EQ(found, "") << "use err_stream() / out_stream() (src/cli/common.hpp)";
}

// ---- emu ----------------------------------------------------------------------------------

TEST(Emu, DefaultPolicyDecisions) {
  auto allow = parse_json(sysfence({"emu", "--default", "getpid", "--json"}));
  EXPECT_EQ(allow["action"], "allow");
  auto userns = parse_json(sysfence({"emu", "--default", "unshare", "CLONE_NEWUSER", "--json"}));
  EXPECT_EQ(userns["action"], "errno(1)");
  EXPECT_EQ(userns["args"][0], 0x10000000);
  auto tiocsti = parse_json(sysfence({"emu", "--default", "ioctl", "0", "TIOCSTI", "--json"}));
  EXPECT_EQ(tiocsti["action"], "errno(1)");
  auto i386 = parse_json(sysfence({"emu", "--default", "--arch", "i386", "getpid", "--json"}));
  EXPECT_EQ(i386["outcome"], "kill-process");
  EXPECT_GT(allow["executed"].get<int>(), 0);
}

TEST(Emu, PolicyFileWithArgs) {
  TempDir d;
  auto p = d.file("p.policy", "default errno EPERM\nwrite: fd == 1 -> allow\nexit_group: allow\n");
  EXPECT_EQ(parse_json(sysfence({"emu", p, "write", "1", "0", "5", "--json"}))["action"], "allow");
  EXPECT_EQ(parse_json(sysfence({"emu", p, "write", "2", "--json"}))["action"], "errno(1)");
  auto text = sysfence({"emu", p, "write", "1"});
  EXPECT_EQ(text.code, 0);
  EXPECT_NE(text.out.find("allow"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("instruction"), std::string::npos) << text.out;
}

TEST(Emu, Batch) {
  TempDir d;
  auto batch = d.file("q.txt", "# queries\ngetpid\nunshare CLONE_NEWUSER\n\narch=i386 getpid\n");
  auto j = parse_json(sysfence({"emu", "--default", "--batch", batch, "--json"}));
  ASSERT_EQ(j["results"].size(), 3U);
  EXPECT_EQ(j["results"][0]["action"], "allow");
  EXPECT_EQ(j["results"][1]["action"], "errno(1)");
  EXPECT_EQ(j["results"][2]["arch"], "i386");
  EXPECT_EQ(j["results"][2]["line"], 5);
}

TEST(Emu, UnknownSyscallExits2) {
  auto r = sysfence({"emu", "--default", "getpidd"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("getpid"), std::string::npos) << r.err;
}

// ---- check --------------------------------------------------------------------------------

TEST(Check, DefaultPolicyIsClean) {
  auto r = sysfence({"check", "--default"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("cached"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("i386 door"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("closed"), std::string::npos) << r.out;
  auto j = parse_json(sysfence({"check", "--default", "--json"}));
  EXPECT_EQ(j["ok"], true);
  EXPECT_GT(j["arches"][0]["cache"]["cached"].get<int>(), 100);
  EXPECT_GT(j["instructions"].get<int>(), 0);
}

TEST(Check, ShadowedAndRedundantRules) {
  TempDir d;
  auto p = d.file("p.policy",
                  "default errno EPERM\nread: allow\nread: fd == 0 -> allow\nopenat: errno EPERM\n"
                  "write, exit_group: allow\n");
  auto r = sysfence({"check", p});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("p.policy(3:1): warning: rule never decides"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("p.policy(4:1): warning: rule has no effect"), std::string::npos) << r.err;
  EXPECT_EQ(sysfence({"check", p, "--strict"}).code, 1);
  auto j = json::parse(sysfence({"check", p, "--json"}).out);
  ASSERT_EQ(j["findings"].size(), 2U);
  EXPECT_EQ(j["findings"][0]["kind"], "shadowed");
  EXPECT_EQ(j["findings"][0]["line"], 3);
}

TEST(Check, ErrorsExit2AndJsonListsThem) {
  TempDir d;
  auto p = d.file("p.policy", "default errno EPERM\nopnat: allow\nread: alow\n");
  auto r = sysfence({"check", p});
  EXPECT_EQ(r.code, 2);
  auto j = json::parse(sysfence({"check", p, "--json"}).out);
  EXPECT_EQ(j["ok"], false);
  EXPECT_GE(j["errors"].size(), 2U);
}

TEST(Check, OpenI386DoorIsAWarning) {
  TempDir d;
  auto p = d.file("p.policy", "default allow\nbad-arch allow\nptrace: errno EPERM\n");
  auto j = json::parse(sysfence({"check", p, "--json"}).out);
  bool found = false;
  for (const auto& w : j["warnings"])
    found = found || w["message"].get<std::string>().find("i386 door") != std::string::npos;
  EXPECT_TRUE(found) << j.dump(2);
}

TEST(Check, OciProfile) {
  const std::string docker = std::string(SYSFENCE_SOURCE_DIR) + "/tests/data/docker-default.json";
  ASSERT_TRUE(clitest::exists(docker)) << docker << " is missing from the source tree";
  auto r = sysfence({"check", "--oci", docker, "--json"});
  EXPECT_NE(r.code, 2) << r.err;
  auto j = json::parse(r.out);
  EXPECT_GT(j["instructions"].get<int>(), 0);
}

// ---- status, probe, groups ------------------------------------------------------------------

TEST(Status, SelfAndJson) {
  auto r = sysfence({"status"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("seccomp:"), std::string::npos);
  auto j = parse_json(sysfence({"status", std::to_string(getpid()), "--json"}));
  EXPECT_TRUE(j.contains("mode"));
  EXPECT_TRUE(j.contains("filters"));
  EXPECT_TRUE(j.contains("no_new_privs"));
}

TEST(Status, MissingProcessExits1) {
  auto r = sysfence({"status", "999999999"});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(sysfence({"status", "abc"}).code, 2);
}

TEST(Probe, JsonListsActionsAndFlags) {
  auto j = parse_json(sysfence({"probe", "--json"}));
  EXPECT_EQ(j["actions"]["allow"], true);
  EXPECT_EQ(j["actions"]["errno"], true);
  EXPECT_TRUE(j["flags"].contains("tsync"));
  EXPECT_TRUE(j["flags"].contains("new_listener"));
}

TEST(Groups, ListAndMembers) {
  auto list = parse_json(sysfence({"groups", "--json"}));
  bool network = false;
  for (const auto& g : list["groups"]) network = network || g["name"] == "@network";
  EXPECT_TRUE(network);
  auto j = parse_json(sysfence({"groups", "network", "--arch", "x86_64", "--json"}));
  auto members = j["syscalls"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(members.begin(), members.end(), "socket"), members.end());
  EXPECT_EQ(sysfence({"groups", "@nope"}).code, 2);
}

// ---- disasm --pid of a confined child ----------------------------------------------------------

// The pid of a child of `parent` (from /proc/PARENT/task/*/children), or 0.
pid_t child_of(pid_t parent) {
  for (int tries = 0; tries < 200; ++tries) {
    std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) +
                     "/children");
    pid_t c = 0;
    if (in >> c && c > 0) {
      // Wait until it has exec'd (its filter is installed right before execve).
      std::ifstream comm("/proc/" + std::to_string(c) + "/comm");
      std::string name;
      comm >> name;
      if (name == "sleep") return c;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return 0;
}

TEST(DisasmPid, ShowsTheFilterOfAConfinedChild) {
  TempDir d;
  const auto bpf = d.join("default.bpf");
  ASSERT_EQ(sysfence({"compile", "--default", "-o", bpf}).code, 0);
  const std::string compiled = read_file(bpf);

  const pid_t runner = fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    execl(SYSFENCE_CLI, SYSFENCE_CLI, "run", "--", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  const pid_t confined = child_of(runner);
  ASSERT_GT(confined, 0) << "no confined child found";

  auto r = sysfence({"disasm", "--pid", std::to_string(confined), "--json"});
  if (r.code != 0 && r.err.find("CAP_SYS_ADMIN") != std::string::npos) {
    kill(runner, SIGTERM);
    waitpid(runner, nullptr, 0);
    GTEST_SKIP() << "cannot read filters here: " << r.err;
  }
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = json::parse(r.out);
  ASSERT_GE(j["filters"].size(), 1U);
  // The newest filter is exactly what `compile --default` produces.
  std::string bytes;
  for (const auto& in : j["filters"][0]["instructions"]) {
    const uint16_t code = in["code"];
    const uint8_t jt = in["jt"], jf = in["jf"];
    const uint32_t k = in["k"];
    bytes.append(reinterpret_cast<const char*>(&code), 2);
    bytes.push_back(static_cast<char>(jt));
    bytes.push_back(static_cast<char>(jf));
    bytes.append(reinterpret_cast<const char*>(&k), 4);
  }
  EXPECT_EQ(bytes, compiled);

  auto text = sysfence({"disasm", "--pid", std::to_string(confined)});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("filter 0 of process"), std::string::npos) << text.out;

  // The confined process still runs after being inspected; SIGTERM ends it.
  kill(confined, SIGTERM);
  int status = 0;
  waitpid(runner, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
}

}  // namespace
