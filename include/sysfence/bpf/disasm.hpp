// sysfence/bpf/disasm.hpp — a filter as one canonical, readable text.
//
//   using namespace sysfence::bpf;
//   std::cout << disassemble(prog);
//      0: ld [4]                         ; arch
//      1: jeq #0xc000003e, 2, 5          ; x86_64
//      2: ld [0]                         ; nr
//      3: jeq #39, 4, 5                  ; getpid
//      4: ret allow
//      5: ret errno(1)
//
// The text is what assemble() (asm.hpp) reads back: disassemble, then assemble, gives the same
// program, instruction for instruction, for every program (valid or not). The syntax:
//   ld [k]  ld len  ld #k  ld M[k]   ldx len  ldx #k  ldx M[k]   st M[k]  stx M[k]
//   add|sub|mul|div|mod|and|or|xor|lsh|rsh #k | x     neg   tax   txa
//   ja T    jeq|jgt|jge|jset #k | x, T, F   (T, F: ABSOLUTE instruction indices or labels)
//   ret a   ret #k   ret allow|log|kill_process|kill_thread|user_notif|errno(N)|trap(N)|trace(N)
//   .insn code, jt, jf, k    (raw form: any opcode, or unused fields that are not zero)
// Constants below 4096 are decimal, larger ones hex. `; ...` starts a comment.
// Comments name: what an `ld [k]` loads (nr, arch, instruction_pointer.lo/hi, args[i].lo/hi);
// the arch compared against after `ld [4]`; the syscall compared against after `ld [0]`, looked
// up for the arch that the path has checked (x86_64 when the path has not checked one, x32 for
// numbers with bit 30 set on x86_64); what a `ret #k` with unusual bits does.
//
// Known weaknesses: the arch/syscall tracking only follows A loaded straight from seccomp_data
// (after `and`, `tax`, a scratch round trip, comments stop); it merges paths conservatively.
#pragma once

#include <span>
#include <string>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

struct DisasmOptions {
  bool comments = true;                          // the `; ...` column
  arch::Arch default_arch = arch::Arch::X86_64;  // for syscall names when no arch is checked
};

// One line per instruction, each ending in '\n'.
std::string disassemble(std::span<const Insn> prog, const DisasmOptions& options = {});

// The instruction text alone (no index, no comment); `pc` resolves jump targets.
std::string instruction_text(const Insn& insn, size_t pc);

}  // namespace sysfence::bpf

SYSFENCE_API_END
