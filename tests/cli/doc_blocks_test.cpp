// tests/cli/doc_blocks_test.cpp — every fenced code block of README.md and docs/*.md is a test or
// says why it is not: a claim in the docs is a test.
//
// A block's info string names what it is (a block without one fails this test):
//   ```sh            runs in bash -e -u -o pipefail, in a fresh directory (never under /tmp: the
//                    untrusted profile mounts a private /tmp over it) holding the fixtures below,
//                    with the built `sysfence` first on PATH; it must exit 0
//   ```output        the exact stdout of the ```sh block before it
//   ```console       "$ command" lines, each followed by the exact stdout it prints (one directory)
//   ```policy        a policy: `sysfence compile` must accept it (file=NAME: saved as NAME)
//   ```policy fails  bad input: `sysfence compile` must refuse it with exit 2, and the
//                    ```diagnostics block after it is its exact stderr (```json fails: the same
//                    for an OCI profile; file=NAME names the file, as the diagnostics show it)
//   ```cpp           compiled against the build's library and run in a fixture directory (exit 0);
//                    a block without main() is a fragment: its #include/using/namespace lines go
//                    first, the rest into main(). In a sanitizer build a block that installs a
//                    filter is only compiled (the runtime's own mmap is what the filter denies).
//   ```text, ```yaml, ```json, ```bnf   shown, not run (output samples, synopses, grammar)
// Words after the language: `norun` (cannot run here: installs, network, a long benchmark, the
// reader's own program; the prose says which), `root` (skipped unless root), `landlock-tcp`
// (skipped on kernels without Landlock ABI 4).
//
// Fixtures in every directory: app (a script), app.policy, prog (a script), common.policy,
// Makefile, src/ (a small tree), profiles/app.policy, queries.txt, docker-default.json and docker-default-next.json
// (tests/data), docker.json, profile.json, old.json and new.json (copies of Docker's profile),
// app.bpf (app.policy compiled).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace fs = std::filesystem;

namespace {

const std::string kSource = SYSFENCE_SOURCE_DIR;

struct Block {
  int line = 0;                             // of the opening fence
  std::string lang;                         // "sh", "policy", ...
  std::set<std::string> words;              // "norun", "fails", ...
  std::map<std::string, std::string> keys;  // file=NAME
  std::string body;
};

std::vector<Block> blocks_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<Block> out;
  std::string line;
  const std::regex open(R"(^(\s*)```(.*)$)"), close(R"(^\s*```\s*$)");
  std::smatch m;
  int n = 0;
  bool inside = false;
  size_t indent = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!inside && std::regex_match(line, m, open)) {
      inside = true;
      indent = m[1].length();
      Block b;
      b.line = n;
      std::istringstream info(m[2].str());
      std::string w;
      info >> b.lang;
      while (info >> w) {
        const size_t eq = w.find('=');
        if (eq == std::string::npos)
          b.words.insert(w);
        else
          b.keys[w.substr(0, eq)] = w.substr(eq + 1);
      }
      out.push_back(b);
    } else if (inside && std::regex_match(line, close)) {
      inside = false;
    } else if (inside) {
      out.back().body += (line.size() >= indent ? line.substr(indent) : std::string()) + "\n";
    }
  }
  return out;
}

int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

bool has_landlock_tcp() {
  return ::syscall(444 /* landlock_create_ruleset */, nullptr, 0, 1u) >= 4;
}

void write_file(const fs::path& p, const std::string& text, bool executable = false) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  if (executable) ::chmod(p.c_str(), 0755);
}

// A fresh directory with the fixtures, removed at the end.
struct FixtureDir {
  std::string path;
  FixtureDir() {
    // Never under /tmp (see the header): the build tree unless that is under /tmp itself (a CI
    // clone there), else /var/tmp.
    std::string base = fs::path(SYSFENCE_CLI).parent_path().string();
    if (base == "/tmp" || base.rfind("/tmp/", 0) == 0) base = "/var/tmp";
    std::string tmpl = base + "/doc-block-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
    const fs::path d = path;
    const std::string data = kSource + "/tests/data/";
    for (const char* name : {"docker-default.json", "docker-default-next.json"})
      fs::copy_file(data + name, d / name);
    for (const char* name : {"docker.json", "profile.json", "old.json", "new.json"})
      fs::copy_file(data + "docker-default.json", d / name);
    write_file(d / "app", "#!/bin/sh\necho \"app $*\"\n", true);
    write_file(d / "prog", "#!/bin/sh\necho \"prog $*\"\n", true);
    write_file(d / "app.policy",
               "# What ./app (a shell script) needs.\ndefault errno EPERM\n"
               "@basic-io, @file-system, @memory, @process, @signal, @time, @ipc, @credentials, "
               "@io-event: allow\n");
    write_file(d / "common.policy", "@basic-io: allow\n");
    fs::create_directories(d / "profiles");
    fs::copy_file(d / "app.policy", d / "profiles/app.policy", fs::copy_options::none);
    write_file(d / "Makefile", "all:\n\t@echo built\n");
    write_file(d / "queries.txt",
               "# [arch=A] SYSCALL ARG...\nwrite 1 0 5\nunshare CLONE_NEWUSER\narch=i386 getpid\n");
    write_file(d / "src/lib/x.c", "int x;\n");
    write_file(d / "src/README", "hi\n");
    const clitest::Ran r =
        clitest::sysfence({"compile", path + "/app.policy", "-o", path + "/app.bpf"});
    if (r.code != 0) throw std::runtime_error("fixture app.bpf: " + r.all());
  }
  ~FixtureDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string prelude(const std::string& dir) {
  const std::string bindir = fs::path(SYSFENCE_CLI).parent_path().string();
  // ASAN_OPTIONS (sanitizer builds): LeakSanitizer's exit-time scan cannot work in a process
  // under a filter (`sysfence run -- sysfence status self`); other tests check the CLI for leaks.
  return "cd '" + dir + "'\nexport ASAN_OPTIONS=detect_leaks=0 HOME='" + dir + "' PATH='" + bindir +
         "':\"$PATH\" PORT=" + std::to_string(free_port()) +
         " OTHER=" + std::to_string(free_port()) + "\n";
}

clitest::Ran run_sh(const std::string& dir, const std::string& script) {
  return clitest::run({"bash", "-e", "-u", "-o", "pipefail", "-c", prelude(dir) + script}, "", 120);
}

// A ```cpp block as a program: whole if it has main(), else wrapped.
std::string program_of(const std::string& body) {
  if (body.find("main(") != std::string::npos) return body;
  std::string head =
                  "#include <cassert>\n#include <cerrno>\n#include <iostream>\n#include <string>\n",
              main;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    const bool top = line.rfind("#include", 0) == 0 || line.rfind("using ", 0) == 0 ||
                     line.rfind("namespace ", 0) == 0;
    (top ? head : main) += line + "\n";
  }
  return head + "int main() {\n" + main + "  return 0;\n}\n";
}

const std::set<std::string> kRun = {"sh", "output", "console", "policy", "diagnostics", "cpp"};
const std::set<std::string> kShown = {"text", "yaml", "json", "bnf"};
const std::set<std::string> kWords = {"norun", "fails", "root", "landlock-tcp"};

std::vector<std::string> doc_files() {
  std::vector<std::string> out = {"README.md"};
  std::vector<std::string> docs;
  for (const auto& e : fs::directory_iterator(kSource + "/docs"))
    if (e.path().extension() == ".md") docs.push_back("docs/" + e.path().filename().string());
  std::sort(docs.begin(), docs.end());
  out.insert(out.end(), docs.begin(), docs.end());
  return out;
}

class DocBlocks : public ::testing::TestWithParam<std::string> {};

TEST_P(DocBlocks, EveryBlockRunsOrSaysWhyNot) {
  const std::string file = GetParam();
  const std::vector<Block> blocks = blocks_of(kSource + "/" + file);
  std::string last_sh_out, last_policy_err;
  bool after_sh = false, after_failing_policy = false;
  size_t ran = 0;
  for (const Block& b : blocks) {
    const std::string where = file + ":" + std::to_string(b.line);
    SCOPED_TRACE(where);
    const bool was_after_sh = after_sh, was_after_failing_policy = after_failing_policy;
    after_sh = after_failing_policy = false;
    if (!kRun.count(b.lang) && !kShown.count(b.lang)) {
      ADD_FAILURE() << where << ": a block without a known language (```" << b.lang
                    << "): say what it is (tests/cli/doc_blocks_test.cpp lists the annotations)";
      continue;
    }
    for (const auto& w : b.words)
      EXPECT_TRUE(kWords.count(w)) << where << ": unknown annotation \"" << w << "\"";
    for (const auto& [k, v] : b.keys)
      EXPECT_EQ(k, "file") << where << ": unknown annotation \"" << k << "=\"";
    const bool bad_input = b.words.count("fails") > 0 && (b.lang == "policy" || b.lang == "json");
    EXPECT_TRUE(!b.words.count("fails") || bad_input)
        << where << ": `fails` goes with policy or json";
    if ((kShown.count(b.lang) && !bad_input) || b.words.count("norun")) continue;
    if (b.words.count("root") && ::geteuid() != 0) continue;
    if (b.words.count("landlock-tcp") && !has_landlock_tcp()) continue;
    ++ran;
    if (b.lang == "sh") {
      FixtureDir d;
      const clitest::Ran r = run_sh(d.path, b.body);
      EXPECT_EQ(r.code, 0) << where << ":\n"
                           << b.body << "--- stdout ---\n"
                           << r.out << "--- stderr ---\n"
                           << r.err;
      last_sh_out = r.out;
      after_sh = true;
    } else if (b.lang == "output") {
      EXPECT_TRUE(was_after_sh) << where << ": an ```output block follows the ```sh block it shows";
      EXPECT_EQ(last_sh_out, b.body) << where;
    } else if (b.lang == "console") {
      FixtureDir d;
      std::istringstream in(b.body);
      std::string line, command, expected;
      auto step = [&] {
        if (command.empty()) return;
        const clitest::Ran r = clitest::run({"bash", "-c", prelude(d.path) + command}, "", 120);
        EXPECT_EQ(r.out, expected) << where << ": $ " << command << "\n" << r.err;
      };
      while (std::getline(in, line)) {
        if (line.rfind("$ ", 0) == 0) {
          step();
          command = line.substr(2);
          expected.clear();
        } else {
          expected += line + "\n";
        }
      }
      step();
    } else if (b.lang == "policy" || bad_input) {
      FixtureDir d;
      const std::string name = b.keys.count("file") ? b.keys.at("file") : "doc." + b.lang;
      write_file(fs::path(d.path) / name, b.body);
      const clitest::Ran r = run_sh(d.path, "sysfence compile " + name + " -o /dev/null");
      if (b.words.count("fails")) {
        EXPECT_EQ(r.code, 2) << where << ": bad input is refused with exit 2\n" << r.all();
        last_policy_err = r.err;
        after_failing_policy = true;
      } else {
        EXPECT_EQ(r.code, 0) << where << ":\n" << b.body << r.all();
      }
    } else if (b.lang == "diagnostics") {
      EXPECT_TRUE(was_after_failing_policy)
          << where << ": a ```diagnostics block follows a ```policy fails block";
      EXPECT_EQ(last_policy_err, b.body) << where;
    } else if (b.lang == "cpp") {
      FixtureDir d;
      write_file(fs::path(d.path) / "block.cpp", program_of(b.body));
      const std::string compile =
          std::string(SYSFENCE_CXX) + " -std=c++20 " + SYSFENCE_SANITIZE_FLAGS + " -I'" + kSource +
          "/include' block.cpp '" + SYSFENCE_STATIC_LIB + "' -lpthread -o block";
      const clitest::Ran c = run_sh(d.path, compile);
      ASSERT_EQ(c.code, 0) << where << ":\n" << program_of(b.body) << c.all();
      // In a sanitizer build a block that installs a filter is compiled but not run: the
      // sanitizer runtime's own syscalls after it (mmap for its shadow, getpid) are what such
      // a filter denies (the release build runs it).
      if (std::string(SYSFENCE_SANITIZE_FLAGS).size() &&
          b.body.find("install(") != std::string::npos)
        continue;
      const clitest::Ran r = run_sh(d.path, "./block");
      EXPECT_EQ(r.code, 0) << where << ":\n" << b.body << r.all();
    }
  }
  std::cout << "[ info ] " << file << ": " << blocks.size() << " blocks, " << ran << " run\n";
}

INSTANTIATE_TEST_SUITE_P(Docs, DocBlocks, ::testing::ValuesIn(doc_files()), [](const auto& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

}  // namespace
