// src/cli/bpf_glue.cpp — see bpf_glue.hpp.
#include "bpf_glue.hpp"

#include "common.hpp"
#include "sysfence/bpf/emulate.hpp"

namespace sysfence::cli {

uint32_t emulate_ret(const bpf::Program& prog, const bpf::SeccompData& d) {
  auto e = bpf::emulate(prog, d);
  // The program was verified when it was compiled; a failure here would be a library bug:
  // answer as the kernel does for a broken filter (kill).
  return e ? e->ret : bpf::kRetKillProcess;
}

}  // namespace sysfence::cli

#include <cstring>

#include "sysfence/bpf/verify.hpp"

namespace sysfence::cli {

bool looks_raw(const std::string& bytes) { return bytes.find('\0') != std::string::npos; }

bpf::Program load_raw_program(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.empty() || bytes.size() % sizeof(bpf::Insn) != 0) {
    fail_usage(path + ": not a raw BPF filter (" + std::to_string(bytes.size()) +
               " bytes, not a non-zero multiple of 8)");
  }
  bpf::Program prog(bytes.size() / sizeof(bpf::Insn));
  std::memcpy(prog.data(), bytes.data(), bytes.size());
  if (auto v = bpf::find_violation(prog)) fail_usage(path + ": " + v->message);
  return prog;
}

}  // namespace sysfence::cli
