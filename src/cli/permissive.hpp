// src/cli/permissive.hpp — `run --permissive` (cmd_permissive.cpp) and the frequency profiles
// of `compile --freq` / `run --freq`.
#pragma once

#include <string>
#include <vector>

#include "policy_input.hpp"
#include "sysfence/compiler/compiler.hpp"

namespace sysfence::cli {

// Runs the command with nothing enforced, reports what `in` would deny and the lines to add
// (stderr, or `suggest_to`). Returns the program's exit status.
int run_permissive(const PolicyInput& in, const std::vector<std::string>& command,
                   const std::string& suggest_to);

// Reads a frequency profile (`learn --freq`); bad input exits 2 with file:line:col.
compiler::FrequencyProfile load_frequency_or_exit(const std::string& path);

}  // namespace sysfence::cli
