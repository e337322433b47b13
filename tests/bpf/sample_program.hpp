// tests/bpf/sample_program.hpp — one small hand-written x86_64 filter whose answer is known
// instruction by instruction, shared by the disassembler, binary-format and report tests.
//
// x86_64 only (other arches and the x32 bit: kill_process); getpid (39): RET ALLOW; write (1):
// loads arg0, allowed unless it is 2 (errno 1); every other call: RET ALLOW with data 3 (allowed,
// but not the exact 0x7fff0000 the kernel's cache needs).
#pragma once

#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf::testing {

inline Program sample_program() {
  return {stmt(LD | W | ABS, kOffArch),  jump(JMP | JEQ | K, kAuditArchX86_64, 0, 9),
          stmt(LD | W | ABS, kOffNr),    jump(JMP | JGE | K, kX32SyscallBit, 7, 0),
          jump(JMP | JEQ | K, 39, 5, 0), jump(JMP | JEQ | K, 1, 0, 3),
          stmt(LD | W | ABS, arg_lo(0)), jump(JMP | JEQ | K, 2, 0, 2),
          stmt(RET | K, ret_errno(1)),   stmt(RET | K, kRetAllow | 3),
          stmt(RET | K, kRetAllow),      stmt(RET | K, kRetKillProcess)};
}

}  // namespace sysfence::bpf::testing
