// sysfence/bpf/binary.hpp — filters as raw bytes and as C source.
//
//   using namespace sysfence::bpf;
//   std::vector<uint8_t> bytes = to_binary(prog);            // 8 bytes per instruction
//   auto back = from_binary(bytes);                           // Result<Program>
//   auto ok = write_binary_file("f.bpf", prog);               // Result<void>
//   auto p = read_binary_file("f.bpf");                       // Result<Program>
//   auto c = to_c_array(prog, "filter");                      // Result<std::string>
//   if (looks_like_raw_filter(file_bytes)) auto f = load_raw_filter(file_bytes);  // verified
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
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/export.hpp"
#include "sysfence/result.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

std::vector<uint8_t> to_binary(std::span<const Insn> prog);
Result<Program> from_binary(std::span<const uint8_t> bytes);

Result<void> write_binary_file(const std::string& path, std::span<const Insn> prog);
Result<Program> read_binary_file(const std::string& path);

// `name` must be a C identifier.
Result<std::string> to_c_array(std::span<const Insn> prog, std::string_view name);

// A filter given by a user as raw bytes, checked as the kernel would: a whole number of
// instructions, not empty, accepted by the verifier. The Error says which ("not a raw BPF
// filter: ...", "empty file, not a BPF filter", "the kernel would refuse this filter: ...").
Result<Program> load_raw_filter(std::span<const uint8_t> bytes);

// The output forms of a filter: raw bytes, C source (to_c_array), text (the disassembly).
enum class FilterFormat : uint8_t { Raw, C, Text };
std::optional<FilterFormat> filter_format_from_name(std::string_view name);  // "raw", "c", "text"
// One filter. `name` names the C array (a C identifier; ignored by the other forms); the text
// form names arch values after `default_arch` where the filter does not say.
Result<std::string> write_filter(std::span<const Insn> prog, FilterFormat format,
                                 std::string_view name = "sysfence_filter",
                                 arch::Arch default_arch = arch::native_arch());
// A stack of filters (install order) as one C or text document: each filter under a comment
// "filter I of N (install in this order; together they are the policy)", C arrays named NAME_I.
// The raw form has no such document (one file per filter): an Error.
Result<std::string> write_filter_stack(std::span<const Program> stack, FilterFormat format,
                                       std::string_view name = "sysfence_filter",
                                       arch::Arch default_arch = arch::native_arch());

// Where a file may be a policy or a raw filter: raw filters contain NUL bytes (every opcode's
// high byte, and most jt/jf bytes, are 0), policies (text or JSON) never do.
bool looks_like_raw_filter(std::string_view bytes);

}  // namespace sysfence::bpf
SYSFENCE_API_END
