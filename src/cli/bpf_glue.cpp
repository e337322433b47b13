// src/cli/bpf_glue.cpp — see bpf_glue.hpp.
#include "bpf_glue.hpp"

#include "common.hpp"
#include "sysfence/bpf/binary.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::cli {

bool looks_raw(const std::string& bytes) { return bytes.find('\0') != std::string::npos; }

bpf::Program load_raw_program(const std::string& path) {
  const std::string bytes = read_file(path);
  auto prog = bpf::from_binary(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!prog) fail_usage(path + ": not a raw BPF filter: " + prog.error().message);
  if (prog->empty()) fail_usage(path + ": empty file, not a BPF filter");
  if (auto v = bpf::find_violation(*prog))
    fail_usage(path + ": the kernel would refuse this filter: " + v->message);
  return std::move(*prog);
}

std::string program_to_raw(const bpf::Program& prog) {
  auto bytes = bpf::to_binary(prog);
  return std::string(bytes.begin(), bytes.end());
}

std::string program_to_c(const bpf::Program& prog, const std::string& name) {
  return take(bpf::to_c_array(prog, name));
}

std::string program_to_text(const bpf::Program& prog, arch::Arch default_arch) {
  bpf::DisasmOptions o;
  o.default_arch = default_arch;
  return bpf::disassemble(prog, o);
}

}  // namespace sysfence::cli
