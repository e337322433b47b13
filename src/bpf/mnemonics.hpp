// Internal to src/bpf: the names shared by the disassembler, the assembler and the C emitter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sysfence/bpf/actions.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf::detail {

struct OpName {
  uint16_t op;
  std::string_view name;
  std::string_view c_name;
};

inline constexpr OpName kAluOps[] = {
    {ADD, "add", "BPF_ADD"}, {SUB, "sub", "BPF_SUB"}, {MUL, "mul", "BPF_MUL"},
    {DIV, "div", "BPF_DIV"}, {MOD, "mod", "BPF_MOD"}, {AND, "and", "BPF_AND"},
    {OR, "or", "BPF_OR"},    {XOR, "xor", "BPF_XOR"}, {LSH, "lsh", "BPF_LSH"},
    {RSH, "rsh", "BPF_RSH"},
};

inline constexpr OpName kJumpOps[] = {
    {JEQ, "jeq", "BPF_JEQ"},
    {JGT, "jgt", "BPF_JGT"},
    {JGE, "jge", "BPF_JGE"},
    {JSET, "jset", "BPF_JSET"},
};

// ALU codes with a mnemonic: class ALU, one of kAluOps, source K or X.
inline const OpName* alu_op(uint16_t code) {
  if (class_of(code) != ALU || (code & ~uint16_t{0xf8}) != ALU) return nullptr;
  for (const OpName& o : kAluOps) {
    if (o.op == op_of(code)) return &o;
  }
  return nullptr;
}

inline const OpName* conditional_jump_op(uint16_t code) {
  if (class_of(code) != JMP || (code & ~uint16_t{0xf8}) != JMP) return nullptr;
  for (const OpName& o : kJumpOps) {
    if (o.op == op_of(code)) return &o;
  }
  return nullptr;
}

// "allow", "errno(1)", ... when the value has a symbolic form that reads back exactly
// (bpf::kActionTable: `name`, and name(N) for the actions that show their data).
inline std::optional<std::string> symbolic_ret(uint32_t k) {
  const ActionInfo* a = action_info_for_ret(k);
  if (a == nullptr) return std::nullopt;
  if (a->shows_data) return std::string(a->name) + "(" + std::to_string(data_of(k)) + ")";
  if (data_of(k) == 0) return std::string(a->name);
  return std::nullopt;
}

// Constants below 4096 in decimal, others in hex.
inline std::string constant_text(uint32_t k) {
  if (k < 4096) return std::to_string(k);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kHex[k & 0xf]);
    k >>= 4;
  } while (k != 0);
  return "0x" + s;
}

}  // namespace sysfence::bpf::detail
