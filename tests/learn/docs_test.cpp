// Runs every ```sh block of docs/learn.md, in order, in one fresh directory that holds a small
// src/ tree, with the built `sysfence` first on PATH: the documented workflow keeps working.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace {

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

TEST(Docs, LearnMdCommandsRun) {
  const auto blocks = sh_blocks(std::string(SYSFENCE_SOURCE_DIR) + "/docs/learn.md");
  ASSERT_GE(blocks.size(), 1u);
  clitest::TempDir t;
  std::string cli = SYSFENCE_CLI;
  const std::string bindir = cli.substr(0, cli.rfind('/'));
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string script = "set -e\ncd \"$1\"\nmkdir -p src/lib && echo 'int x;' > src/lib/x.c && echo hi > src/README\n"
                               "export PATH=\"" + bindir + ":$PATH\"\nexport SYSFENCE_SOURCE_DIR=\"" +
                               SYSFENCE_SOURCE_DIR + "\"\n" + blocks[i];
    clitest::Ran r = clitest::run({"sh", "-c", script, "sh", t.path}, "", 120);
    EXPECT_EQ(r.code, 0) << "docs/learn.md block " << i + 1 << ":\n" << blocks[i] << "\n--- output ---\n" << r.all();
  }
}

}  // namespace
