// src/cli/program_input.cpp — see program_input.hpp.
#include "program_input.hpp"

#include "common.hpp"
#include "sysfence/bpf/binary.hpp"
#include "sysfence/compiler/compiler.hpp"

namespace sysfence::cli {

bpf::Program load_raw_program(const std::string& path) {
  const std::string bytes = read_file(path);
  auto prog = bpf::load_raw_filter(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!prog) fail_usage(path + ": " + prog.error().message);
  return std::move(*prog);
}

ProgramSource load_program_source(const std::string& file, const PolicyInput& in,
                                  bool default_if_none, bool raw,
                                  const std::vector<std::string>& more_raw) {
  ProgramSource src;
  PolicyInput pin = in;
  if (!file.empty()) {
    if (raw || bpf::looks_like_raw_filter(read_file(file))) {
      src.stack.push_back(load_raw_program(file));
      src.label = file;
      for (const std::string& f : more_raw) {
        src.stack.push_back(load_raw_program(f));
        src.label += ", " + f;
      }
      src.label += " (raw BPF)";
      return src;
    }
    pin.positional = file;
  }
  LoadedPolicy lp = load_policy_or_exit(pin, default_if_none);
  src.stack = take(compiler::compile_stack(*lp.parsed.value));
  src.label = lp.label;
  src.policy.emplace(std::move(lp));
  return src;
}

}  // namespace sysfence::cli
