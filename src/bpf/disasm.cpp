#include "sysfence/bpf/disasm.hpp"

#include <cstdio>
#include <optional>
#include <vector>

#include "bpf/mnemonics.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {
namespace {

using detail::constant_text;

// True when every field the opcode ignores is zero, so the mnemonic form is exact.
bool unused_fields_clear(const Insn& in) {
  const bool jumps_clear = in.jt == 0 && in.jf == 0;
  switch (in.code) {
    case LD | W | ABS:
    case LD | IMM:
    case LDX | IMM:
    case LD | MEM:
    case LDX | MEM:
    case ST:
    case STX:
    case JMP | JA:
    case RET | K: return jumps_clear;
    case LD | W | LEN:
    case LDX | W | LEN:
    case ALU | NEG:
    case MISC | TAX:
    case MISC | TXA:
    case RET | RVAL_A: return jumps_clear && in.k == 0;
    default: break;
  }
  if (detail::alu_op(in.code) != nullptr) return jumps_clear && (src_of(in.code) == K || in.k == 0);
  if (detail::conditional_jump_op(in.code) != nullptr) return src_of(in.code) == K || in.k == 0;
  return false;
}

// The mnemonic form, whether or not the unused fields are clear.
std::optional<std::string> mnemonic_text(const Insn& in, size_t pc) {
  const std::string k = constant_text(in.k);
  switch (in.code) {
    case LD | W | ABS: return "ld [" + std::to_string(in.k) + "]";
    case LD | W | LEN: return std::string("ld len");
    case LDX | W | LEN: return std::string("ldx len");
    case LD | IMM: return "ld #" + k;
    case LDX | IMM: return "ldx #" + k;
    case LD | MEM: return "ld M[" + std::to_string(in.k) + "]";
    case LDX | MEM: return "ldx M[" + std::to_string(in.k) + "]";
    case ST: return "st M[" + std::to_string(in.k) + "]";
    case STX: return "stx M[" + std::to_string(in.k) + "]";
    case ALU | NEG: return std::string("neg");
    case MISC | TAX: return std::string("tax");
    case MISC | TXA: return std::string("txa");
    case RET | RVAL_A: return std::string("ret a");
    case RET | K: {
      if (auto s = detail::symbolic_ret(in.k)) return "ret " + *s;
      char buf[24];
      std::snprintf(buf, sizeof buf, "ret #0x%08x", in.k);
      return std::string(buf);
    }
    case JMP | JA: return "ja " + std::to_string(pc + 1 + uint64_t{in.k});
    default: break;
  }
  if (const detail::OpName* op = detail::alu_op(in.code)) {
    return std::string(op->name) + (src_of(in.code) == X ? std::string(" x") : " #" + k);
  }
  if (const detail::OpName* op = detail::conditional_jump_op(in.code)) {
    return std::string(op->name) + (src_of(in.code) == X ? std::string(" x") : " #" + k) + ", " +
           std::to_string(pc + 1 + in.jt) + ", " + std::to_string(pc + 1 + in.jf);
  }
  return std::nullopt;
}

// What A holds and which arch the path has checked, at an instruction.
struct PathState {
  bool reached = false;
  enum class Value { kOther, kNr, kArch } a = Value::kOther;
  std::optional<uint32_t> arch;  // AUDIT_ARCH_* every path to here compared equal
};

void merge_into(PathState& into, const PathState& from) {
  if (!into.reached) {
    into = from;
    into.reached = true;
    return;
  }
  if (into.a != from.a) into.a = PathState::Value::kOther;
  if (into.arch != from.arch) into.arch.reset();
}

std::optional<arch::Arch> arch_for_audit(uint32_t audit) {
  for (const arch::ArchInfo& info : arch::all_arches()) {
    if (info.audit_arch == audit && info.nr_bit == 0) return info.arch;
  }
  return std::nullopt;
}

// Which half of a u64 field the word at `offset` is depends on the byte order of the ABI the
// path has checked (else the default arch's): big-endian ABIs keep the high word first.
std::string load_comment(uint32_t offset, const PathState& st, const DisasmOptions& opt) {
  bool big_endian = arch::info(opt.default_arch).big_endian;
  if (st.arch) big_endian = audit_arch_big_endian(*st.arch);
  const bool first_word = offset % 8 == 0;
  const char* half = first_word != big_endian ? ".lo" : ".hi";
  if (offset == kOffNr) return "nr";
  if (offset == kOffArch) return "arch";
  if (offset == kOffIpLo || offset == kOffIpHi) return std::string("instruction_pointer") + half;
  if (offset >= 16 && offset < kSeccompDataSize && offset % 4 == 0) {
    const uint32_t i = (offset - 16) / 8;
    return "args[" + std::to_string(i) + "]" + half;
  }
  return "outside seccomp_data";
}

std::string compare_comment(const Insn& in, const PathState& st, const DisasmOptions& opt) {
  if (src_of(in.code) != K || op_of(in.code) == JSET) return {};
  if (st.a == PathState::Value::kArch) {
    if (auto a = arch_for_audit(in.k)) return std::string(arch::info(*a).name);
    return {};
  }
  if (st.a != PathState::Value::kNr) return {};
  arch::Arch a = opt.default_arch;
  if (st.arch) {
    auto checked = arch_for_audit(*st.arch);
    if (!checked) return {};
    a = *checked;
  }
  if (a == arch::Arch::X86_64 && (in.k & kX32SyscallBit) != 0) {
    if (in.k == kX32SyscallBit) return "x32 syscall bit";
    a = arch::Arch::X32;
  }
  if (auto name = arch::syscall_name(a, static_cast<int32_t>(in.k))) {
    std::string s(*name);
    if (a == arch::Arch::X32) s += " (x32)";
    return s;
  }
  return {};
}

}  // namespace

std::string instruction_text(const Insn& in, size_t pc) {
  if (unused_fields_clear(in)) {
    if (auto s = mnemonic_text(in, pc)) return *s;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, ".insn 0x%04x, %u, %u, 0x%x", in.code, in.jt, in.jf, in.k);
  return buf;
}

std::string disassemble(std::span<const Insn> prog, const DisasmOptions& opt) {
  std::vector<PathState> states(prog.size());
  std::string out;
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const Insn& in = prog[pc];
    const PathState st = states[pc];
    std::string comment;
    const bool clear = unused_fields_clear(in);
    if (!clear) {
      if (auto s = mnemonic_text(in, pc))
        comment = *s + " with unused fields set";
      else
        comment = is_seccomp_opcode(in.code) ? "" : "not a seccomp instruction";
    } else if (in.code == (LD | W | ABS)) {
      comment = load_comment(in.k, st, opt);
    } else if (detail::conditional_jump_op(in.code) != nullptr) {
      comment = compare_comment(in, st, opt);
    } else if (in.code == (RET | K) && !detail::symbolic_ret(in.k)) {
      comment = action_name(in.k);
      if (action_of(in.k) == kRetAllow) comment += ": not cacheable";
    }
    char index[32];
    std::snprintf(index, sizeof index, "%4zu: ", pc);
    std::string line = index + instruction_text(in, pc);
    if (opt.comments && !comment.empty()) {
      if (line.size() < 38) line.append(38 - line.size(), ' ');
      line += "  ; " + comment;
    }
    out += line + "\n";

    // Propagate the path state to the successors.
    PathState next = st;
    next.reached = true;
    auto flow_to = [&](uint64_t target, const PathState& s) {
      if (target < prog.size()) merge_into(states[target], s);
    };
    if (class_of(in.code) == RET) continue;
    if (in.code == (JMP | JA)) {
      flow_to(pc + 1 + uint64_t{in.k}, next);
      continue;
    }
    if (detail::conditional_jump_op(in.code) != nullptr) {
      PathState taken = next;
      if (op_of(in.code) == JEQ && src_of(in.code) == K && st.a == PathState::Value::kArch) {
        taken.arch = in.k;
      }
      flow_to(pc + 1 + in.jt, taken);
      flow_to(pc + 1 + in.jf, next);
      continue;
    }
    switch (in.code) {
      case LD | W | ABS:
        next.a = in.k == kOffNr     ? PathState::Value::kNr
                 : in.k == kOffArch ? PathState::Value::kArch
                                    : PathState::Value::kOther;
        break;
      case ST:
      case STX:
      case LDX | W | LEN:
      case LDX | IMM:
      case LDX | MEM:
      case MISC | TAX: break;  // A unchanged
      default: next.a = PathState::Value::kOther; break;
    }
    flow_to(pc + 1, next);
  }
  return out;
}

}  // namespace sysfence::bpf
