// sysfence/bpf/insn.hpp — classic BPF instructions as seccomp sees them.
//
//   using namespace sysfence::bpf;
//   Program p = {
//     stmt(LD | W | ABS, kOffArch),
//     jump(JMP | JEQ | K, 0xc000003e, 1, 0),
//     stmt(RET | K, kRetKillProcess),
//     stmt(RET | K, kRetAllow),
//   };
//
// Insn has the exact layout of the kernel's `struct sock_filter` (8 bytes: u16 code, u8 jt,
// u8 jf, u32 k), so a Program's data() can be handed to seccomp(2) as it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

// Instruction classes (code & 0x07).
inline constexpr uint16_t LD = 0x00;
inline constexpr uint16_t LDX = 0x01;
inline constexpr uint16_t ST = 0x02;
inline constexpr uint16_t STX = 0x03;
inline constexpr uint16_t ALU = 0x04;
inline constexpr uint16_t JMP = 0x05;
inline constexpr uint16_t RET = 0x06;
inline constexpr uint16_t MISC = 0x07;

// Load sizes (code & 0x18). Only W is legal for seccomp.
inline constexpr uint16_t W = 0x00;
inline constexpr uint16_t H = 0x08;
inline constexpr uint16_t B = 0x10;

// Load modes (code & 0xe0).
inline constexpr uint16_t IMM = 0x00;
inline constexpr uint16_t ABS = 0x20;
inline constexpr uint16_t IND = 0x40;
inline constexpr uint16_t MEM = 0x60;
inline constexpr uint16_t LEN = 0x80;
inline constexpr uint16_t MSH = 0xa0;

// ALU / JMP operations (code & 0xf0).
inline constexpr uint16_t ADD = 0x00;
inline constexpr uint16_t SUB = 0x10;
inline constexpr uint16_t MUL = 0x20;
inline constexpr uint16_t DIV = 0x30;
inline constexpr uint16_t OR = 0x40;
inline constexpr uint16_t AND = 0x50;
inline constexpr uint16_t LSH = 0x60;
inline constexpr uint16_t RSH = 0x70;
inline constexpr uint16_t NEG = 0x80;
inline constexpr uint16_t MOD = 0x90;
inline constexpr uint16_t XOR = 0xa0;

inline constexpr uint16_t JA = 0x00;
inline constexpr uint16_t JEQ = 0x10;
inline constexpr uint16_t JGT = 0x20;
inline constexpr uint16_t JGE = 0x30;
inline constexpr uint16_t JSET = 0x40;

// Operand source (code & 0x08).
inline constexpr uint16_t K = 0x00;
inline constexpr uint16_t X = 0x08;

// RET source (code & 0x18): RET|K returns k, RET|A returns the accumulator.
inline constexpr uint16_t RVAL_A = 0x10;

// MISC operations (code & 0xf8).
inline constexpr uint16_t TAX = 0x00;
inline constexpr uint16_t TXA = 0x80;

inline constexpr uint16_t class_of(uint16_t code) { return code & 0x07; }
inline constexpr uint16_t size_of(uint16_t code) { return code & 0x18; }
inline constexpr uint16_t mode_of(uint16_t code) { return code & 0xe0; }
inline constexpr uint16_t op_of(uint16_t code) { return code & 0xf0; }
inline constexpr uint16_t src_of(uint16_t code) { return code & 0x08; }

// Kernel limits for classic BPF programs.
inline constexpr size_t kMaxInsns = 4096;        // BPF_MAXINSNS, per program
inline constexpr size_t kMaxTotalInsns = 32768;  // MAX_INSNS_PER_PATH across a filter stack
inline constexpr size_t kStackInsnPenalty = 4;   // each stacked filter counts len + 4
inline constexpr uint32_t kMemWords = 16;        // BPF_MEMWORDS: scratch M[0..15]

struct Insn {
  uint16_t code = 0;
  uint8_t jt = 0;
  uint8_t jf = 0;
  uint32_t k = 0;

  friend constexpr bool operator==(const Insn&, const Insn&) = default;
};
static_assert(sizeof(Insn) == 8, "Insn must match struct sock_filter");

using Program = std::vector<Insn>;

inline constexpr Insn stmt(uint16_t code, uint32_t k) { return Insn{code, 0, 0, k}; }
inline constexpr Insn jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return Insn{code, jt, jf, k};
}

}  // namespace sysfence::bpf

SYSFENCE_API_END
