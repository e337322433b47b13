#include "sysfence/bpf/verify.hpp"

#include <cstdio>
#include <vector>

#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

// Every opcode of classic BPF (the kernel's chk_code_allowed table).
constexpr uint16_t kClassicOpcodes[] = {
    ALU | ADD | K, ALU | ADD | X, ALU | SUB | K,  ALU | SUB | X, ALU | MUL | K,
    ALU | MUL | X, ALU | DIV | K, ALU | DIV | X,  ALU | MOD | K, ALU | MOD | X,
    ALU | AND | K, ALU | AND | X, ALU | OR | K,   ALU | OR | X,  ALU | XOR | K,
    ALU | XOR | X, ALU | LSH | K, ALU | LSH | X,  ALU | RSH | K, ALU | RSH | X,
    ALU | NEG,     LD | W | ABS,  LD | H | ABS,   LD | B | ABS,  LD | W | LEN,
    LD | W | IND,  LD | H | IND,  LD | B | IND,   LD | IMM,      LD | MEM,
    LDX | W | LEN, LDX | B | MSH, LDX | IMM,      LDX | MEM,     ST,
    STX,           MISC | TAX,    MISC | TXA,     RET | K,       RET | RVAL_A,
    JMP | JA,      JMP | JEQ | K, JMP | JEQ | X,  JMP | JGE | K, JMP | JGE | X,
    JMP | JGT | K, JMP | JGT | X, JMP | JSET | K, JMP | JSET | X};

struct OpcodeTable {
  bool classic[256] = {};
  constexpr OpcodeTable() {
    for (uint16_t c : kClassicOpcodes) classic[c] = true;
  }
};
constexpr OpcodeTable kOpcodeTable;

bool is_classic_opcode(uint16_t code) { return code < 256 && kOpcodeTable.classic[code]; }

bool is_conditional_jump(uint16_t code) {
  switch (code) {
    case JMP | JEQ | K:
    case JMP | JEQ | X:
    case JMP | JGE | K:
    case JMP | JGE | X:
    case JMP | JGT | K:
    case JMP | JGT | X:
    case JMP | JSET | K:
    case JMP | JSET | X: return true;
    default: return false;
  }
}

Violation make_violation(std::span<const Insn> prog, size_t index, VerifierRule rule,
                         const std::string& detail) {
  Violation v;
  v.index = index;
  v.rule = rule;
  if (index < prog.size()) {
    v.message = "instruction " + std::to_string(index) + " (" + describe_insn(prog[index]) +
                "): " + std::string(rule_name(rule)) + ": " + detail;
  } else {
    v.message = std::string(rule_name(rule)) + ": " + detail;
  }
  return v;
}

// Mirror of the kernel's check_load_and_stores: a linear walk carrying the set of initialized
// scratch cells; every jump narrows the set its targets may assume, and resets the walk.
std::optional<Violation> check_scratch_initialization(std::span<const Insn> prog) {
  const size_t len = prog.size();
  std::vector<uint16_t> assumed_at(len, 0xffff);
  uint16_t initialized = 0;
  for (size_t pc = 0; pc < len; ++pc) {
    initialized &= assumed_at[pc];
    const Insn& in = prog[pc];
    switch (in.code) {
      case ST:
      case STX: initialized = static_cast<uint16_t>(initialized | (1u << in.k)); break;
      case LD | MEM:
      case LDX | MEM:
        if (!(initialized & (1u << in.k))) {
          return make_violation(
              prog, pc, VerifierRule::ScratchNotInitialized,
              "M[" + std::to_string(in.k) + "] is read before a store to it on some path");
        }
        break;
      case JMP | JA:
        assumed_at[pc + 1 + in.k] &= initialized;
        initialized = 0xffff;
        break;
      default:
        if (is_conditional_jump(in.code)) {
          assumed_at[pc + 1 + in.jt] &= initialized;
          assumed_at[pc + 1 + in.jf] &= initialized;
          initialized = 0xffff;
        }
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view rule_name(VerifierRule r) {
  switch (r) {
    case VerifierRule::EmptyProgram: return "empty-program";
    case VerifierRule::TooLong: return "too-long";
    case VerifierRule::UnknownOpcode: return "unknown-opcode";
    case VerifierRule::DivisionByZero: return "division-by-zero";
    case VerifierRule::ShiftTooLarge: return "shift-too-large";
    case VerifierRule::ScratchIndex: return "scratch-index";
    case VerifierRule::JumpOutOfProgram: return "jump-out-of-program";
    case VerifierRule::LastNotReturn: return "last-not-return";
    case VerifierRule::ScratchNotInitialized: return "scratch-not-initialized";
    case VerifierRule::OpcodeNotForSeccomp: return "opcode-not-for-seccomp";
    case VerifierRule::LoadOutsideData: return "load-outside-seccomp-data";
  }
  return "unknown-rule";
}

bool is_seccomp_opcode(uint16_t code) {
  switch (code) {
    case LD | W | ABS:
    case LD | W | LEN:
    case LDX | W | LEN:
    case LD | IMM:
    case LDX | IMM:
    case LD | MEM:
    case LDX | MEM:
    case ST:
    case STX:
    case ALU | ADD | K:
    case ALU | ADD | X:
    case ALU | SUB | K:
    case ALU | SUB | X:
    case ALU | MUL | K:
    case ALU | MUL | X:
    case ALU | DIV | K:
    case ALU | DIV | X:
    case ALU | AND | K:
    case ALU | AND | X:
    case ALU | OR | K:
    case ALU | OR | X:
    case ALU | XOR | K:
    case ALU | XOR | X:
    case ALU | LSH | K:
    case ALU | LSH | X:
    case ALU | RSH | K:
    case ALU | RSH | X:
    case ALU | NEG:
    case JMP | JA:
    case JMP | JEQ | K:
    case JMP | JEQ | X:
    case JMP | JGE | K:
    case JMP | JGE | X:
    case JMP | JGT | K:
    case JMP | JGT | X:
    case JMP | JSET | K:
    case JMP | JSET | X:
    case RET | K:
    case RET | RVAL_A:
    case MISC | TAX:
    case MISC | TXA: return true;
    default: return false;
  }
}

std::optional<Violation> find_violation(std::span<const Insn> prog) {
  const size_t len = prog.size();
  if (len == 0) {
    return make_violation(prog, 0, VerifierRule::EmptyProgram,
                          "a filter needs at least one instruction");
  }
  if (len > kMaxInsns) {
    return make_violation(prog, 0, VerifierRule::TooLong,
                          std::to_string(len) + " instructions, the kernel accepts at most " +
                              std::to_string(kMaxInsns));
  }
  // bpf_check_classic: per-instruction rules.
  for (size_t pc = 0; pc < len; ++pc) {
    const Insn& in = prog[pc];
    if (!is_classic_opcode(in.code)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "opcode 0x%04x is not a classic BPF instruction", in.code);
      return make_violation(prog, pc, VerifierRule::UnknownOpcode, buf);
    }
    switch (in.code) {
      case ALU | DIV | K:
      case ALU | MOD | K:
        if (in.k == 0) {
          return make_violation(prog, pc, VerifierRule::DivisionByZero,
                                "division by the constant 0");
        }
        break;
      case ALU | LSH | K:
      case ALU | RSH | K:
        if (in.k >= 32) {
          return make_violation(prog, pc, VerifierRule::ShiftTooLarge,
                                "shift by " + std::to_string(in.k) + ", must be below 32");
        }
        break;
      case LD | MEM:
      case LDX | MEM:
      case ST:
      case STX:
        if (in.k >= kMemWords) {
          return make_violation(
              prog, pc, VerifierRule::ScratchIndex,
              "scratch cell M[" + std::to_string(in.k) + "], only M[0..15] exist");
        }
        break;
      case JMP | JA:
        if (in.k >= len - pc - 1) {
          return make_violation(prog, pc, VerifierRule::JumpOutOfProgram,
                                "ja lands at " + std::to_string(pc + 1 + uint64_t{in.k}) +
                                    ", past the last instruction " + std::to_string(len - 1));
        }
        break;
      default:
        if (is_conditional_jump(in.code)) {
          if (pc + in.jt + 1 >= len || pc + in.jf + 1 >= len) {
            return make_violation(prog, pc, VerifierRule::JumpOutOfProgram,
                                  "targets " + std::to_string(pc + 1 + in.jt) + " and " +
                                      std::to_string(pc + 1 + in.jf) +
                                      ", the last instruction is " + std::to_string(len - 1));
          }
        }
        break;
    }
  }
  const uint16_t last = prog[len - 1].code;
  if (last != (RET | K) && last != (RET | RVAL_A)) {
    return make_violation(prog, len - 1, VerifierRule::LastNotReturn,
                          "the last instruction must be ret, or execution could run off the end");
  }
  if (auto v = check_scratch_initialization(prog)) return v;
  // seccomp_check_filter: the subset seccomp accepts, and loads inside seccomp_data.
  for (size_t pc = 0; pc < len; ++pc) {
    const Insn& in = prog[pc];
    if (!is_seccomp_opcode(in.code)) {
      return make_violation(prog, pc, VerifierRule::OpcodeNotForSeccomp,
                            "seccomp accepts only word loads of seccomp_data, scratch memory, "
                            "ALU without mod, jumps and ret");
    }
    if (in.code == (LD | W | ABS) && (in.k >= kSeccompDataSize || (in.k & 3) != 0)) {
      return make_violation(prog, pc, VerifierRule::LoadOutsideData,
                            "offset " + std::to_string(in.k) +
                                " is not an aligned word inside seccomp_data (0, 4, ..., 60)");
    }
  }
  return std::nullopt;
}

Result<void> verify(std::span<const Insn> prog) {
  if (auto v = find_violation(prog)) {
    Error e;
    e.message = v->message;
    return e;
  }
  return Ok{};
}

size_t kernel_insn_count(std::span<const Insn> prog) {
  size_t count = 3;  // A = 0, X = 0, ctx saved
  for (const Insn& in : prog) {
    if (class_of(in.code) == RET) {
      count += 2;  // move to the return register, exit
    } else if (in.code == (ALU | DIV | X) || in.code == (ALU | MOD | X)) {
      count += 5;  // zero test, return 0, then the division
    } else if (is_conditional_jump(in.code)) {
      if (src_of(in.code) == K && static_cast<int32_t>(in.k) < 0) ++count;  // k via a register
      const bool inverted_single = in.jt == 0 && op_of(in.code) != JSET;
      count += (in.jf == 0 || inverted_single) ? 1 : 2;
    } else {
      count += 1;
    }
  }
  return count;
}

size_t stack_cost(std::span<const Program> newest_first) {
  size_t total = 0;
  for (size_t i = 0; i < newest_first.size(); ++i) {
    total += kernel_insn_count(newest_first[i]) + (i == 0 ? 0 : kStackInsnPenalty);
  }
  return total;
}

Result<void> verify_stack_size(std::span<const Program> newest_first) {
  const size_t total = stack_cost(newest_first);
  if (total > kMaxTotalInsns) {
    Error e;
    e.message = "filter stack too large: the kernel would count " + std::to_string(total) +
                " instructions (converted length, + 4 per older filter), the limit is " +
                std::to_string(kMaxTotalInsns);
    e.hint = "merge filters into one, or shorten them";
    return e;
  }
  return Ok{};
}

std::string describe_insn(const Insn& in) {
  char buf[96];
  const char* op = nullptr;
  switch (in.code) {
    case LD | W | ABS: std::snprintf(buf, sizeof buf, "ld [%u]", in.k); return buf;
    case LD | W | LEN: return "ld len";
    case LDX | W | LEN: return "ldx len";
    case LD | IMM: std::snprintf(buf, sizeof buf, "ld #0x%x", in.k); return buf;
    case LDX | IMM: std::snprintf(buf, sizeof buf, "ldx #0x%x", in.k); return buf;
    case LD | MEM: std::snprintf(buf, sizeof buf, "ld M[%u]", in.k); return buf;
    case LDX | MEM: std::snprintf(buf, sizeof buf, "ldx M[%u]", in.k); return buf;
    case ST: std::snprintf(buf, sizeof buf, "st M[%u]", in.k); return buf;
    case STX: std::snprintf(buf, sizeof buf, "stx M[%u]", in.k); return buf;
    case ALU | NEG: return "neg";
    case MISC | TAX: return "tax";
    case MISC | TXA: return "txa";
    case RET | K: std::snprintf(buf, sizeof buf, "ret #0x%x", in.k); return buf;
    case RET | RVAL_A: return "ret a";
    case JMP | JA: std::snprintf(buf, sizeof buf, "ja +%u", in.k); return buf;
    default: break;
  }
  if (class_of(in.code) == ALU) {
    switch (op_of(in.code)) {
      case ADD: op = "add"; break;
      case SUB: op = "sub"; break;
      case MUL: op = "mul"; break;
      case DIV: op = "div"; break;
      case MOD: op = "mod"; break;
      case AND: op = "and"; break;
      case OR: op = "or"; break;
      case XOR: op = "xor"; break;
      case LSH: op = "lsh"; break;
      case RSH: op = "rsh"; break;
      default: break;
    }
    if (op != nullptr && (in.code & ~uint16_t{0xf8}) == ALU) {
      if (src_of(in.code) == X)
        std::snprintf(buf, sizeof buf, "%s x", op);
      else
        std::snprintf(buf, sizeof buf, "%s #0x%x", op, in.k);
      return buf;
    }
  }
  if (is_conditional_jump(in.code)) {
    switch (op_of(in.code)) {
      case JEQ: op = "jeq"; break;
      case JGT: op = "jgt"; break;
      case JGE: op = "jge"; break;
      default: op = "jset"; break;
    }
    if (src_of(in.code) == X) {
      std::snprintf(buf, sizeof buf, "%s x, +%u, +%u", op, in.jt, in.jf);
    } else {
      std::snprintf(buf, sizeof buf, "%s #0x%x, +%u, +%u", op, in.k, in.jt, in.jf);
    }
    return buf;
  }
  std::snprintf(buf, sizeof buf, "code 0x%04x jt %u jf %u k 0x%x", in.code, in.jt, in.jf, in.k);
  return buf;
}

}  // namespace sysfence::bpf
