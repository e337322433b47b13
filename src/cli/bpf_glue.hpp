// src/cli/bpf_glue.hpp — small adapters over the bpf module used by several subcommands.
#pragma once

#include <string>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"

namespace sysfence::cli {

// A filter read from a file given on the command line: raw sock_filter bytes. Exits 2 when the
// bytes are not a whole number of instructions or the kernel would refuse the program.
bpf::Program load_raw_program(const std::string& path);
// Heuristic used where a FILE may be a policy or a raw filter: raw filters contain NUL bytes,
// policies (text or JSON) never do.
bool looks_raw(const std::string& bytes);

// The three output forms of a filter (bpf module: raw io, C emitter, disassembler).
std::string program_to_raw(const bpf::Program& prog);
std::string program_to_c(const bpf::Program& prog, const std::string& name);
std::string program_to_text(const bpf::Program& prog,
                            arch::Arch default_arch = arch::native_arch());

}  // namespace sysfence::cli
