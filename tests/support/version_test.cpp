// tests/support/version_test.cpp — sysfence/version.hpp answers the one version that
// CMakeLists.txt's project(VERSION) sets.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "sysfence/version.hpp"

TEST(Version, IsTheProjectVersion) {
  std::ifstream in(std::string(SYSFENCE_SOURCE_DIR) + "/CMakeLists.txt");
  std::stringstream text;
  text << in.rdbuf();
  std::smatch m;
  const std::string s = text.str();
  ASSERT_TRUE(
      std::regex_search(s, m, std::regex(R"(project\(sysfence VERSION (\d+)\.(\d+)\.(\d+))")));
  EXPECT_EQ(std::string(sysfence::version()), m[1].str() + "." + m[2].str() + "." + m[3].str());
  sysfence::VersionNumbers n = sysfence::version_numbers();
  EXPECT_EQ(n.major, std::stoi(m[1].str()));
  EXPECT_EQ(n.minor, std::stoi(m[2].str()));
  EXPECT_EQ(n.patch, std::stoi(m[3].str()));
}
