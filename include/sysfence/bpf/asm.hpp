// sysfence/bpf/asm.hpp — read the text of disasm.hpp back into a program.
//
//   using namespace sysfence::bpf;
//   auto p = assemble(R"(
//       ld [4]                    ; arch
//       jeq #0xc000003e, next, kill
//   next:
//       ld [0]
//       jeq #39, allow, 5          ; absolute index works too
//       ret errno(1)
//   allow: ret allow
//   kill:  ret kill_process
//   )", "inline.bpf");
//   if (!p) std::cerr << p.error().render();   // inline.bpf(3:5): unknown mnemonic 'jeqq' ...
//
// Accepted: the syntax listed in disasm.hpp; an optional `N:` index prefix (checked against the
// instruction's position); labels `name:` (letters, digits, '_' and '.', not starting with a
// digit) alone on a line or before an instruction; jump targets as labels or absolute indices;
// numbers in decimal, 0x-hex, or negative decimal (two's complement); comments after ';'.
// A conditional jump may omit F (`jeq #1, T` falls through when false).
// Errors carry file:line:col and the source line (sysfence::Error::render shows a caret).
//
// Known weaknesses: the assembler does not verify (use verify.hpp); an absolute numeric target
// past the end is accepted (so any program round-trips), but must be forward and within reach
// (255 for jt/jf, 2^32-1 for ja). Label targets must exist.
#pragma once

#include <string_view>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

Result<Program> assemble(std::string_view text, std::string_view file_name = "<input>");

}  // namespace sysfence::bpf

SYSFENCE_API_END
