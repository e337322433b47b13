#include "sysfence/bpf/emulate.hpp"

#include <cstring>
#include <utility>
#include <vector>

#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {
namespace {

// The word the kernel's BPF sees at `offset`: nr and arch as they are; instruction_pointer and
// args are u64s in the byte order of data.arch's ABI (big-endian: high word first).
uint32_t load_word(const SeccompData& data, uint32_t offset) {
  if (offset >= kOffIpLo && offset + 4 <= kSeccompDataSize && audit_arch_big_endian(data.arch)) {
    const uint64_t v = offset < 16 ? data.instruction_pointer : data.args[(offset - 16) / 8];
    return offset % 8 == 0 ? static_cast<uint32_t>(v >> 32) : static_cast<uint32_t>(v);
  }
  uint32_t word;
  std::memcpy(&word, reinterpret_cast<const unsigned char*>(&data) + offset, sizeof word);
  return word;
}

uint32_t alu(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case ADD: return a + operand;
    case SUB: return a - operand;
    case MUL: return a * operand;
    case DIV: return a / operand;  // the caller handles operand == 0
    case AND: return a & operand;
    case OR: return a | operand;
    case XOR: return a ^ operand;
    case LSH: return a << (operand & 31);
    case RSH: return a >> (operand & 31);
    default: return a;  // unreachable for verified programs
  }
}

bool condition(uint16_t op, uint32_t a, uint32_t operand) {
  switch (op) {
    case JEQ: return a == operand;
    case JGT: return a > operand;
    case JGE: return a >= operand;
    case JSET: return (a & operand) != 0;
    default: return false;
  }
}

}  // namespace

Result<VerifiedProgram> VerifiedProgram::make(Program prog) {
  if (auto r = verify(prog); !r) return r.error();
  return VerifiedProgram(std::move(prog));
}

Emulation emulate(const VerifiedProgram& verified, const SeccompData& data) {
  return emulate(verified, data, nullptr);
}

Emulation emulate(const VerifiedProgram& verified, const SeccompData& data,
                  std::vector<uint32_t>* trace) {
  const Program& prog = verified.program();
  uint32_t a = 0;
  uint32_t x = 0;
  uint32_t mem[kMemWords] = {};
  Emulation result;
  size_t pc = 0;
  // Verified programs only jump forward and end in RET, so this loop always returns.
  while (pc < prog.size()) {
    const Insn& in = prog[pc];
    if (trace != nullptr) trace->push_back(static_cast<uint32_t>(pc));
    ++result.executed;
    ++pc;
    switch (in.code) {
      case LD | W | ABS: a = load_word(data, in.k); continue;
      case LD | W | LEN: a = kSeccompDataSize; continue;
      case LDX | W | LEN: x = kSeccompDataSize; continue;
      case LD | IMM: a = in.k; continue;
      case LDX | IMM: x = in.k; continue;
      case LD | MEM: a = mem[in.k]; continue;
      case LDX | MEM: x = mem[in.k]; continue;
      case ST: mem[in.k] = a; continue;
      case STX: mem[in.k] = x; continue;
      case ALU | NEG: a = 0u - a; continue;
      case MISC | TAX: x = a; continue;
      case MISC | TXA: a = x; continue;
      case RET | K: result.ret = in.k; return result;
      case RET | RVAL_A: result.ret = a; return result;
      case JMP | JA: pc += in.k; continue;
      case ALU | DIV | X:
        if (x == 0) {
          result.ret = 0;  // the kernel's converted program exits with 0 on division by zero
          return result;
        }
        a /= x;
        continue;
      default: break;
    }
    if (class_of(in.code) == ALU) {
      a = alu(op_of(in.code), a, src_of(in.code) == X ? x : in.k);
    } else {  // conditional jump
      const bool taken = condition(op_of(in.code), a, src_of(in.code) == X ? x : in.k);
      pc += taken ? in.jt : in.jf;
    }
  }
  result.ret = 0;  // not reachable for a verified program
  return result;
}

Result<Emulation> emulate(std::span<const Insn> prog, const SeccompData& data) {
  auto verified = VerifiedProgram::make(Program(prog.begin(), prog.end()));
  if (!verified) return verified.error();
  return emulate(*verified, data);
}

StackEmulation emulate_stack(std::span<const VerifiedProgram> newest_first,
                             const SeccompData& data) {
  StackEmulation s;
  for (size_t i = 0; i < newest_first.size(); ++i) {
    const Emulation e = emulate(newest_first[i], data);
    s.executed += e.executed;
    if (more_restrictive(e.ret, s.ret)) {
      s.ret = e.ret;
      s.decided_by = i;
    }
  }
  return s;
}

Result<StackEmulation> emulate_stack(std::span<const Program> newest_first,
                                     const SeccompData& data) {
  std::vector<VerifiedProgram> verified;
  verified.reserve(newest_first.size());
  for (size_t i = 0; i < newest_first.size(); ++i) {
    auto v = VerifiedProgram::make(newest_first[i]);
    if (!v) {
      Error e = v.error();
      e.message = "filter " + std::to_string(i) + " of the stack: " + e.message;
      return e;
    }
    verified.push_back(std::move(*v));
  }
  return emulate_stack(std::span<const VerifiedProgram>(verified), data);
}

Decision outcome_of(uint32_t ret) {
  constexpr int kMaxErrno = 4095;
  const uint16_t data = data_of(ret);
  switch (action_of(ret)) {
    case kRetAllow:
    case kRetLog: return {Outcome::Allow, 0};
    case kRetErrno: return {Outcome::Errno, data > kMaxErrno ? kMaxErrno : data};
    case kRetTrap: return {Outcome::Trap, data};
    case kRetTrace:
    case kRetUserNotif: return {Outcome::NoTracer, 0};
    case kRetKillThread: return {Outcome::KillThread, 0};
    default: return {Outcome::KillProcess, 0};
  }
}

}  // namespace sysfence::bpf
