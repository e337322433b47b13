// sysfence/bpf/binary.hpp — filters as raw bytes and as C source.
//
//   using namespace sysfence::bpf;
//   std::vector<uint8_t> bytes = to_binary(prog);            // 8 bytes per instruction
//   auto back = from_binary(bytes);                           // Result<Program>
//   auto ok = write_binary_file("f.bpf", prog);               // Result<void>
//   auto p = read_binary_file("f.bpf");                       // Result<Program>
//   auto c = to_c_array(prog, "filter");                      // Result<std::string>
//
// The binary form is the kernel's struct sock_filter array, little-endian, no header:
// u16 code, u8 jt, u8 jf, u32 k per instruction. A size that is not a multiple of 8 is an error;
// an empty input gives an empty program (which verify() then refuses).
// The C form is `static struct sock_filter NAME[] = { BPF_STMT(...), BPF_JUMP(...), ... };` plus
// `static struct sock_fprog NAME_prog`, using the <linux/filter.h> macros and opcode names, with
// the disassembly as comments; it compiles as C and as C++.
//
// Known weaknesses: no size limit is applied on reading (a 4097-instruction file reads fine and
// fails verify()); opcodes outside seccomp's set are written as hex numbers in C.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"

namespace sysfence::bpf {

std::vector<uint8_t> to_binary(std::span<const Insn> prog);
Result<Program> from_binary(std::span<const uint8_t> bytes);

Result<void> write_binary_file(const std::string& path, std::span<const Insn> prog);
Result<Program> read_binary_file(const std::string& path);

// `name` must be a C identifier.
Result<std::string> to_c_array(std::span<const Insn> prog, std::string_view name);

}  // namespace sysfence::bpf
