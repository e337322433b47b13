// tests/cli/ecosystem_test.cpp — what surrounds the CLI: the one version, the man pages (every
// command has a section; the generated options are there), the bash and zsh completion scripts
// (run in real shells), and coloured diagnostics (only on a terminal, never with NO_COLOR or
// when piped; the terminal is a real pty made by script(1)).
//
//   ./test_cli --gtest_filter='Ecosystem*'
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_helpers.hpp"

namespace {

using clitest::run;
using clitest::sysfence;
using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kSource = SYSFENCE_SOURCE_DIR;
// The build tree: the CLI is <build>/src/cli/sysfence.
const fs::path kBuild = fs::path(SYSFENCE_CLI).parent_path().parent_path().parent_path();

std::string project_version() {
  std::ifstream in(kSource + "/CMakeLists.txt");
  std::string line;
  std::smatch m;
  const std::regex re(R"(^project\(sysfence VERSION ([0-9.]+))");
  while (std::getline(in, line))
    if (std::regex_search(line, m, re)) return m[1];
  return {};
}

json cli_description() {
  auto r = sysfence({"completion", "json"});
  EXPECT_EQ(r.code, 0) << r.err;
  return json::parse(r.out);
}

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// ---- one version --------------------------------------------------------------------------

TEST(EcosystemVersion, CliReportsTheProjectVersion) {
  const std::string v = project_version();
  ASSERT_FALSE(v.empty()) << "no project(sysfence VERSION x.y.z) in CMakeLists.txt";
  auto r = sysfence({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "sysfence " + v + "\n");
}

// ---- man pages ----------------------------------------------------------------------------

// Every command the CLI has must have a `## name` section of prose in docs/man/sysfence.1.scd,
// and every section must name a command. A new command without one fails here.
TEST(EcosystemMan, EveryCommandHasASection) {
  std::ifstream in(kSource + "/docs/man/sysfence.1.scd");
  ASSERT_TRUE(in);
  std::set<std::string> sections;
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("## ")) sections.insert(line.substr(3));
  std::set<std::string> commands;
  const json cli = cli_description();
  for (const auto& c : cli["commands"]) commands.insert(c["name"].get<std::string>());
  ASSERT_GE(commands.size(), 10u);
  for (const auto& c : commands)
    EXPECT_TRUE(sections.count(c))
        << "sysfence " << c << " has no '## " << c << "' section in docs/man/sysfence.1.scd";
  for (const auto& s : sections)
    EXPECT_TRUE(commands.count(s))
        << "docs/man/sysfence.1.scd has a section for '" << s << "', which is not a command";
  // The generator agrees (it is what the build runs).
  auto r = run({"python3", kSource + "/scripts/gen_man.py", "--sysfence", SYSFENCE_CLI, "--check"});
  EXPECT_EQ(r.code, 0) << r.all();
}

// The built pages render with man(1), and sysfence(1) lists every option of every command.
TEST(EcosystemMan, BuiltPagesRenderWithEveryOption) {
  const fs::path page = kBuild / "man" / "sysfence.1";
  if (!fs::exists(page)) {
    ASSERT_FALSE(clitest::have_program("/usr/bin/scdoc"))
        << "scdoc is installed but " << page << " was not built";
    GTEST_SKIP() << "scdoc is not installed (apt-get install scdoc): the man pages are not built";
  }
  for (const char* p : {"sysfence.1", "sysfence.policy.5", "sysfence-seccomp.3"})
    ASSERT_TRUE(fs::exists(kBuild / "man" / p)) << p;
  if (!clitest::have_program("/usr/bin/man")) GTEST_SKIP() << "man(1) is not installed";
  auto r = run({"env", "MANWIDTH=200", "man", "-l", page.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string& text = r.out;
  EXPECT_NE(text.find("sysfence - confine Linux processes"), std::string::npos);
  const json cli = cli_description();
  for (const auto& c : cli["commands"]) {
    EXPECT_NE(text.find("   " + c["name"].get<std::string>() + "\n"), std::string::npos)
        << "no section heading for " << c["name"];
    for (const auto& o : c["options"])
      for (const auto& n : o["names"])
        EXPECT_NE(text.find(n.get<std::string>()), std::string::npos) << c["name"] << " " << n;
  }
  auto p5 =
      run({"env", "MANWIDTH=200", "man", "-l", (kBuild / "man" / "sysfence.policy.5").string()});
  EXPECT_NE(p5.out.find("kill-process > kill-thread > trap"), std::string::npos);
}

// ---- completion ---------------------------------------------------------------------------

// Runs the generated bash completion on a command line (the word being completed is the last
// one, possibly empty) and returns COMPREPLY.
std::vector<std::string> bash_complete(const std::string& line) {
  clitest::TempDir dir;
  auto script = sysfence({"completion", "bash"});
  EXPECT_EQ(script.code, 0);
  const std::string file = dir.file("sysfence.bash", script.out);
  const std::string prog = "source '" + file +
                           "'\n"
                           "COMP_LINE='" +
                           line +
                           "'\n"
                           "read -ra COMP_WORDS <<< \"$COMP_LINE\"\n"
                           "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
                           "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
                           "cd '" +
                           kSource +
                           "'\n"
                           "_sysfence\n"
                           "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  auto r = run({"bash", "--norc", "--noprofile", "-c", prog});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return words(r.out);
}

TEST(EcosystemCompletion, BashCommandsOptionsAndValues) {
  const json cli = cli_description();
  auto top = bash_complete("sysfence ");
  for (const auto& c : cli["commands"]) EXPECT_TRUE(has(top, c["name"])) << c["name"];
  // Every option of every command, generated from the CLI: nothing can be left out.
  for (const auto& c : cli["commands"]) {
    auto opts = bash_complete("sysfence " + c["name"].get<std::string>() + " -");
    for (const auto& o : c["options"])
      for (const auto& n : o["names"]) EXPECT_TRUE(has(opts, n)) << c["name"] << " " << n;
  }
  EXPECT_EQ(bash_complete("sysfence check --st"), std::vector<std::string>{"--strict"});
  auto arches = bash_complete("sysfence emu --default --arch ");
  for (const char* a : {"x86_64", "i386", "x32", "aarch64", "arm", "riscv64", "native"})
    EXPECT_TRUE(has(arches, a)) << a;
  EXPECT_EQ(bash_complete("sysfence resolve -a aar"), std::vector<std::string>{"aarch64"});
  auto formats = bash_complete("sysfence compile --format ");
  for (const char* f : {"raw", "c", "text", "oci"}) EXPECT_TRUE(has(formats, f)) << f;
  auto sys = bash_complete("sysfence resolve opena");
  EXPECT_TRUE(has(sys, "openat")) << ::testing::PrintToString(sys);
  EXPECT_TRUE(has(sys, "openat2"));
  // emu: a value option is skipped over before the positional syscall.
  EXPECT_TRUE(has(bash_complete("sysfence emu --arch x86_64 unsha"), "unshare"));
  EXPECT_EQ(bash_complete("sysfence groups @netw"), std::vector<std::string>{"@network"});
  // Files where a file is expected (the source tree is the current directory).
  EXPECT_TRUE(
      has(bash_complete("sysfence check --policy policies/def"), "policies/default.policy"));
  // After `run ... --` the program's own arguments: command names.
  EXPECT_TRUE(has(bash_complete("sysfence run --report -- unsha"), "unshare"));
}

// The zsh script in a real zsh, with the completion system's builtins replaced by functions
// that print what they were given (compadd, _describe, _files).
std::string zsh_complete(const std::vector<std::string>& line) {
  clitest::TempDir dir;
  auto script = sysfence({"completion", "zsh"});
  EXPECT_EQ(script.code, 0);
  const std::string file = dir.file("_sysfence", script.out);
  std::string arr;
  for (const auto& w : line) arr += " '" + w + "'";
  const std::string prog =
      "compdef() { :; }\n"
      "compadd() { [[ $1 == -- ]] && shift; print -r -- \"compadd $*\"; }\n"
      "_describe() { print -r -- \"describe ${(P)${@[-1]}}\"; }\n"
      "_files() { print -r -- files \"$@\"; }\n"
      "_normal() { print -r -- \"normal ${words[*]} $CURRENT\"; }\n"
      "source '" +
      file +
      "'\n"
      "words=(" +
      arr +
      ")\n"
      "CURRENT=${#words}\n"
      "_sysfence\n";
  auto r = run({"zsh", "-f", "-c", prog});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  return r.out;
}

TEST(EcosystemCompletion, ZshCommandsOptionsAndValues) {
  if (!clitest::have_program("/usr/bin/zsh") && !clitest::have_program("/bin/zsh"))
    GTEST_FAIL() << "zsh is not installed (scripts/setup.sh installs it)";
  auto top = zsh_complete({"sysfence", ""});
  EXPECT_NE(top.find("describe "), std::string::npos) << top;
  const json cli = cli_description();
  for (const auto& c : cli["commands"])
    EXPECT_NE(top.find(c["name"].get<std::string>() + ":"), std::string::npos) << c["name"];
  // (the stub compadd prints every candidate; the real one filters them by the prefix)
  const std::string check_opts = zsh_complete({"sysfence", "check", "--st"});
  EXPECT_TRUE(check_opts.starts_with("compadd --help ")) << check_opts;
  EXPECT_NE(check_opts.find(" --strict "), std::string::npos) << check_opts;
  auto arches = zsh_complete({"sysfence", "emu", "--arch", ""});
  EXPECT_NE(arches.find("compadd x86_64 i386 x32"), std::string::npos) << arches;
  EXPECT_NE(zsh_complete({"sysfence", "resolve", "ope"}).find(" openat "), std::string::npos);
  EXPECT_NE(zsh_complete({"sysfence", "groups", ""}).find("@network"), std::string::npos);
  EXPECT_EQ(zsh_complete({"sysfence", "check", "-p", ""}), "files\n");
  EXPECT_EQ(zsh_complete({"sysfence", "check", "-I", ""}), "files -/\n");
  EXPECT_EQ(zsh_complete({"sysfence", "run", "--", "ls", "-"}), "normal ls - 2\n");
}

// ---- colour -------------------------------------------------------------------------------

// Runs `sysfence check FILE` on a pty (script(1)); returns what the terminal showed.
std::string on_terminal(const std::string& file, bool no_color) {
  const std::string cmd =
      std::string(no_color ? "NO_COLOR=1 " : "") + "'" + SYSFENCE_CLI + "' check '" + file + "'";
  auto r = run({"env", "-u", "NO_COLOR", "TERM=xterm", "script", "-qec", cmd, "/dev/null"});
  EXPECT_EQ(r.code, 2) << r.all();
  std::string out = r.out;
  out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());  // the pty's CRLF
  return out;
}

std::string strip_sgr(const std::string& s) {
  return std::regex_replace(s, std::regex("\x1b\\[[0-9;]*m"), "");
}

TEST(EcosystemColour, OnlyOnATerminalAndNeverWithNoColor) {
  if (!clitest::have_program("/usr/bin/script"))
    GTEST_FAIL() << "script(1) (util-linux) is missing";
  clitest::TempDir dir;
  const std::string file =
      dir.file("bad.policy", "default errno EPERM\nopnat: allow\nclone3: warning-not-an-action\n");
  auto piped = sysfence({"check", file});
  ASSERT_EQ(piped.code, 2);
  EXPECT_EQ(piped.err.find('\x1b'), std::string::npos) << "colour in a pipe";
  EXPECT_NE(piped.err.find("bad.policy(2:1): unknown syscall \"opnat\""), std::string::npos)
      << piped.err;

  const std::string tty = on_terminal(file, false);
  EXPECT_NE(tty.find("\x1b[1m" + file + "(2:1): \x1b[0m\x1b[1;31munknown syscall"),
            std::string::npos)
      << tty;
  EXPECT_NE(tty.find("\x1b[1;32m^\x1b[0m"), std::string::npos) << "caret";
  EXPECT_NE(tty.find("\x1b[32mhint:\x1b[0m"), std::string::npos) << "hint";
  // Colour only adds escapes: the text is what a pipe gets.
  EXPECT_EQ(strip_sgr(tty), piped.err);

  const std::string plain = on_terminal(file, true);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos) << "colour despite NO_COLOR";
  EXPECT_EQ(plain, piped.err);
}

TEST(EcosystemColour, WarningsAreMagenta) {
  clitest::TempDir dir;
  const std::string file =
      dir.file("warn.policy", "default errno EPERM\narch x86_64, aarch64\nopen: allow\n");
  auto r = run({"env", "-u", "NO_COLOR", "TERM=xterm", "script", "-qec",
                std::string("'") + SYSFENCE_CLI + "' check '" + file + "'", "/dev/null"});
  EXPECT_NE(r.out.find("\x1b[1;35mwarning:\x1b[0m"), std::string::npos) << r.out;
}

}  // namespace
