// Runs every ```sh block of docs/learn.md, in order, in one fresh directory that holds a small
// src/ tree, with the built `sysfence` first on PATH: the documented workflow keeps working.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace {

// ```console blocks: "$ command" lines, each followed by the exact output it must print.
struct ConsoleStep {
  std::string command, output;
};
std::vector<ConsoleStep> console_steps(const std::string& path) {
  std::ifstream in(path);
  std::vector<ConsoleStep> steps;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```console") {
      inside = true;
    } else if (inside && line == "```") {
      inside = false;
    } else if (inside && line.rfind("$ ", 0) == 0) {
      steps.push_back({line.substr(2), ""});
    } else if (inside && !steps.empty()) {
      steps.back().output += line + "\n";
    }
  }
  return steps;
}

std::vector<std::string> sh_blocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> blocks;
  std::string line, cur;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```sh") {
      inside = true;
      cur.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(cur);
    } else if (inside) {
      cur += line + "\n";
    }
  }
  return blocks;
}

std::string setup(const std::string& dir) {
  std::string cli = SYSFENCE_CLI;
  const std::string bindir = cli.substr(0, cli.rfind('/'));
  const std::string data = std::string(SYSFENCE_SOURCE_DIR) + "/tests/data/";
  return "set -e\ncd '" + dir + "'\nmkdir -p src/lib && echo 'int x;' > src/lib/x.c && echo hi > src/README\n" +
         "cp '" + data + "docker-default.json' '" + data + "docker-default-next.json' .\n" +
         "export PATH='" + bindir + "':\"$PATH\"\n";
}

TEST(Docs, LearnMdConsoleExamplesPrintWhatTheySay) {
  const auto steps = console_steps(std::string(SYSFENCE_SOURCE_DIR) + "/docs/learn.md");
  ASSERT_GE(steps.size(), 1u);
  clitest::TempDir t;
  for (const auto& s : steps) {
    clitest::Ran r = clitest::run({"sh", "-c", setup(t.path) + "set +e\n" + s.command}, "", 120);
    EXPECT_EQ(r.out, s.output) << "docs/learn.md: $ " << s.command << "\n" << r.err;
  }
}

TEST(Docs, LearnMdCommandsRun) {
  const auto blocks = sh_blocks(std::string(SYSFENCE_SOURCE_DIR) + "/docs/learn.md");
  ASSERT_GE(blocks.size(), 1u);
  clitest::TempDir t;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string script = setup(t.path) + blocks[i];
    clitest::Ran r = clitest::run({"sh", "-c", script, "sh", t.path}, "", 120);
    EXPECT_EQ(r.code, 0) << "docs/learn.md block " << i + 1 << ":\n" << blocks[i] << "\n--- output ---\n" << r.all();
  }
}

}  // namespace
