// src/cli/program_input.hpp — a filter program to look at: compiled from a policy (text, OCI,
// default) or read from a raw BPF file. Used by `emu` and `check`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy_input.hpp"
#include "sysfence/bpf/insn.hpp"

namespace sysfence::cli {

struct ProgramSource {
  // Install order: one program, or the stack of a policy past 4096 instructions (or several raw
  // files).
  std::vector<bpf::Program> stack;
  std::optional<LoadedPolicy> policy;  // set when the program was compiled from a policy
  std::string label;
};

// `file` is either a raw filter (it contains NUL bytes) or a policy (text; OCI when *.json);
// when empty, `in` names the policy (or the default policy when `default_if_none`). With
// `raw` (emu --raw) the file must be a raw filter: empty, not a multiple of 8 bytes, or refused
// by the verifier is an error (exit 2), never a policy.
// `more_raw`: further raw filter files, installed after `file` (a stack).
// A filter read from a file given on the command line: raw sock_filter bytes. Exits 2 when the
// bytes are not a whole number of instructions or the kernel would refuse the program.
bpf::Program load_raw_program(const std::string& path);

ProgramSource load_program_source(const std::string& file, const PolicyInput& in,
                                  bool default_if_none, bool raw = false,
                                  const std::vector<std::string>& more_raw = {});

}  // namespace sysfence::cli
