#include "sysfence/bpf/builder.hpp"

#include "sysfence/bpf/verify.hpp"

namespace sysfence::bpf {

Label Builder::label(std::string name) {
  labels_.push_back(LabelInfo{std::move(name), {}});
  return Label{static_cast<uint32_t>(labels_.size() - 1)};
}

Builder& Builder::bind(Label l) {
  if (l.id < labels_.size()) labels_[l.id].bound_at.push_back(insns_.size());
  return *this;
}

Builder& Builder::emit(Insn insn) {
  insns_.push_back(insn);
  return *this;
}

Builder& Builder::ld_abs(uint32_t offset) { return emit(stmt(LD | W | ABS, offset)); }
Builder& Builder::ld_len() { return emit(stmt(LD | W | LEN, 0)); }
Builder& Builder::ld_imm(uint32_t k) { return emit(stmt(LD | IMM, k)); }
Builder& Builder::ld_mem(uint32_t cell) { return emit(stmt(LD | MEM, cell)); }
Builder& Builder::ldx_len() { return emit(stmt(LDX | W | LEN, 0)); }
Builder& Builder::ldx_imm(uint32_t k) { return emit(stmt(LDX | IMM, k)); }
Builder& Builder::ldx_mem(uint32_t cell) { return emit(stmt(LDX | MEM, cell)); }
Builder& Builder::st(uint32_t cell) { return emit(stmt(ST, cell)); }
Builder& Builder::stx(uint32_t cell) { return emit(stmt(STX, cell)); }
Builder& Builder::alu_k(uint16_t op, uint32_t k) { return emit(stmt(ALU | op | K, k)); }
Builder& Builder::alu_x(uint16_t op) { return emit(stmt(ALU | op | X, 0)); }
Builder& Builder::neg() { return emit(stmt(ALU | NEG, 0)); }
Builder& Builder::tax() { return emit(stmt(MISC | TAX, 0)); }
Builder& Builder::txa() { return emit(stmt(MISC | TXA, 0)); }
Builder& Builder::ret(uint32_t value) { return emit(stmt(RET | K, value)); }
Builder& Builder::ret_a() { return emit(stmt(RET | RVAL_A, 0)); }

void Builder::add_target(Target t, Fixup::Field field) {
  if (const Label* l = std::get_if<Label>(&t)) {
    fixups_.push_back(Fixup{insns_.size(), field, *l});
  }
}

Builder& Builder::ja(Label target) {
  add_target(target, Fixup::kJa);
  return emit(stmt(JMP | JA, 0));
}

Builder& Builder::jump_k(uint16_t op, uint32_t k, Target if_true, Target if_false) {
  add_target(if_true, Fixup::kJt);
  add_target(if_false, Fixup::kJf);
  return emit(jump(JMP | op | K, k, 0, 0));
}

Builder& Builder::jump_x(uint16_t op, Target if_true, Target if_false) {
  add_target(if_true, Fixup::kJt);
  add_target(if_false, Fixup::kJf);
  return emit(jump(JMP | op | X, 0, 0, 0));
}

std::string Builder::label_text(Label l) const {
  std::string s = "label ";
  if (l.id < labels_.size() && !labels_[l.id].name.empty()) {
    s += "'" + labels_[l.id].name + "'";
  } else {
    s += "#" + std::to_string(l.id);
  }
  return s;
}

Result<Program> Builder::build() const {
  Program out = insns_;
  for (size_t id = 0; id < labels_.size(); ++id) {
    const LabelInfo& info = labels_[id];
    const Label l{static_cast<uint32_t>(id)};
    if (info.bound_at.size() > 1) {
      Error e;
      e.message = label_text(l) + " is bound twice, at instructions " +
                  std::to_string(info.bound_at[0]) + " and " + std::to_string(info.bound_at[1]);
      return e;
    }
    if (info.bound_at.size() == 1 && info.bound_at[0] >= out.size()) {
      Error e;
      e.message = label_text(l) + " is bound after the last instruction (" +
                  std::to_string(out.size()) + " instructions)";
      e.hint = "emit an instruction (usually a ret) after binding the label";
      return e;
    }
  }
  for (const Fixup& f : fixups_) {
    const std::string where =
        "instruction " + std::to_string(f.insn) + " (" + describe_insn(out[f.insn]) + ")";
    if (f.label.id >= labels_.size()) {
      Error e;
      e.message = where + ": jumps to a label that this builder did not create";
      return e;
    }
    const LabelInfo& info = labels_[f.label.id];
    if (info.bound_at.empty()) {
      Error e;
      e.message = where + ": jumps to " + label_text(f.label) + ", which is never bound";
      return e;
    }
    const size_t target = info.bound_at[0];
    if (target <= f.insn) {
      Error e;
      e.message = where + ": jumps backward to " + label_text(f.label) + " at instruction " +
                  std::to_string(target) + "; classic BPF only jumps forward";
      return e;
    }
    const size_t offset = target - f.insn - 1;
    Insn& in = out[f.insn];
    if (f.field == Fixup::kJa) {
      if (offset > UINT32_MAX) {
        Error e;
        e.message = where + ": ja offset " + std::to_string(offset) + " does not fit 32 bits";
        return e;
      }
      in.k = static_cast<uint32_t>(offset);
      continue;
    }
    if (offset > 255) {
      Error e;
      e.message = where + ": conditional jump to " + label_text(f.label) + " at instruction " +
                  std::to_string(target) + " is " + std::to_string(offset) +
                  " instructions ahead; jt/jf reach at most 255";
      e.hint = "jump to a nearer copy of the target, or to a ja trampoline";
      return e;
    }
    (f.field == Fixup::kJt ? in.jt : in.jf) = static_cast<uint8_t>(offset);
  }
  return out;
}

}  // namespace sysfence::bpf
