// tests/support/source_map_test.cpp — docs/architecture.md's table "Where each source file is
// tested" is complete and true: every C++ file under src/ has a row, every row names a source
// that exists and test files that exist, and a `tests/<module>/<name>_test.cpp` beside a source
// `src/<module>/<name>.cpp` is listed in its row.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = SYSFENCE_SOURCE_DIR;

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// source -> its tests, from the table's rows.
std::map<std::string, std::vector<std::string>> read_table(std::string* problems) {
  std::ifstream in(kRoot / "docs/architecture.md");
  std::map<std::string, std::vector<std::string>> rows;
  std::string line;
  bool inside = false;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("## ", 0) == 0) inside = line == "## Where each source file is tested";
    if (!inside || line.rfind("| src/", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string cell; std::getline(ss, cell, '|');) cells.push_back(trim(cell));
    if (cells.size() < 2 || cells[1].empty()) {
      *problems += "docs/architecture.md:" + std::to_string(n) + ": a row without tests\n";
      continue;
    }
    std::vector<std::string> tests;
    std::stringstream ts(cells[1]);
    for (std::string t; std::getline(ts, t, ',');) tests.push_back(trim(t));
    if (!rows.emplace(cells[0], tests).second)
      *problems += "docs/architecture.md:" + std::to_string(n) + ": " + cells[0] + " twice\n";
  }
  return rows;
}

TEST(SourceMap, EverySourceFileNamesItsTests) {
  std::string problems;
  auto rows = read_table(&problems);
  ASSERT_GT(rows.size(), 50u) << "the table is missing from docs/architecture.md";
  for (const auto& entry : fs::recursive_directory_iterator(kRoot / "src")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
    const std::string rel = fs::relative(entry.path(), kRoot).string();
    auto it = rows.find(rel);
    if (it == rows.end()) {
      problems += rel + ": no row in docs/architecture.md's \"Where each source file is tested\"\n";
      continue;
    }
    // The natural test file, when there is one, is named.
    const fs::path src = entry.path();
    const std::string module = src.parent_path().filename().string();
    const std::string natural = "tests/" + module + "/" + src.stem().string() + "_test.cpp";
    bool named = false;
    for (const std::string& t : it->second) named = named || t == natural;
    if (fs::exists(kRoot / natural) && !named)
      problems += rel + ": its row does not name " + natural + "\n";
  }
  for (const auto& [source, tests] : rows) {
    if (!fs::exists(kRoot / source))
      problems += source + ": a row for a file that does not exist\n";
    for (const std::string& t : tests)
      if (!fs::exists(kRoot / t)) problems += source + ": names " + t + ", which does not exist\n";
  }
  EXPECT_EQ(problems, "");
}

}  // namespace
