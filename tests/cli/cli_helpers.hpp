// tests/cli/cli_helpers.hpp — run the built `sysfence` binary (or any program) and capture
// its exit status, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace clitest {

struct Ran {
  int code = -1;  // exit status as a shell reports it: N, or 128+signal
  std::string out;
  std::string err;
  std::string all() const { return out + err; }
};

// Runs argv (argv[0] looked up on PATH), with `input` on stdin, killing it after `timeout_s`.
Ran run(const std::vector<std::string>& argv, const std::string& input = "", int timeout_s = 60);
// Runs the sysfence binary under test with these arguments.
Ran sysfence(const std::vector<std::string>& args, const std::string& input = "");

// A fresh temporary directory (removed by the destructor).
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
  std::string file(const std::string& name, const std::string& content) const;  // writes it
  std::string join(const std::string& name) const { return path + "/" + name; }
};

std::string read_file(const std::string& path);
bool exists(const std::string& path);
bool have_program(const std::string& path);

}  // namespace clitest
