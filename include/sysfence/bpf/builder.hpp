// sysfence/bpf/builder.hpp — write classic BPF with labels; jumps are resolved at build().
//
//   using namespace sysfence::bpf;
//   Builder b;
//   Label allow = b.label("allow"), kill = b.label("kill");
//   b.ld_abs(kOffArch);
//   b.jeq(kAuditArchX86_64, Builder::next, kill);   // true: fall through, false: to `kill`
//   b.ld_abs(kOffNr);
//   b.jeq(39 /* getpid */, allow, Builder::next);
//   b.ret(ret_errno(1));
//   b.bind(allow);
//   b.ret(kRetAllow);
//   b.bind(kill);
//   b.ret(kRetKillProcess);
//   Result<Program> p = b.build();   // errors name the instruction and the label
//
// build() reports, as an Error: a label used but never bound, a label bound twice, a jump to a
// label bound at or before the jump (classic BPF only jumps forward), a conditional jump more
// than 255 instructions ahead (jt/jf are 8 bits; JA reaches 2^32-1), and a label bound after
// the last instruction. It does not verify the program (see verify.hpp).
//
// Known weaknesses: the builder does not insert trampolines for long conditional jumps; that
// is the code generator's job (it knows which RET copies it can reuse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"

namespace sysfence::bpf {

struct Label {
  uint32_t id = 0;
  friend bool operator==(const Label&, const Label&) = default;
};

class Builder {
 public:
  // "Go to the next instruction" as a jump target (offset 0).
  struct Next {};
  static constexpr Next next{};
  using Target = std::variant<Next, Label>;

  Label label(std::string name = {});  // a new, unbound label (name is for error messages)
  Builder& bind(Label l);              // the next emitted instruction carries this label
  size_t here() const { return insns_.size(); }  // index of the next instruction

  // Raw instruction, no label resolution.
  Builder& emit(Insn insn);

  Builder& ld_abs(uint32_t offset);         // A = seccomp_data word at offset
  Builder& ld_len();                        // A = 64
  Builder& ld_imm(uint32_t k);              // A = k
  Builder& ld_mem(uint32_t cell);           // A = M[cell]
  Builder& ldx_len();                       // X = 64
  Builder& ldx_imm(uint32_t k);             // X = k
  Builder& ldx_mem(uint32_t cell);          // X = M[cell]
  Builder& st(uint32_t cell);               // M[cell] = A
  Builder& stx(uint32_t cell);              // M[cell] = X
  Builder& alu_k(uint16_t op, uint32_t k);  // A = A op k (op: ADD, SUB, MUL, DIV, AND, OR, ...)
  Builder& alu_x(uint16_t op);              // A = A op X
  Builder& neg();
  Builder& tax();
  Builder& txa();
  Builder& ret(uint32_t value);  // RET K
  Builder& ret_a();              // RET A

  Builder& ja(Label target);
  // Conditional jumps on A against k (JEQ/JGT/JGE/JSET | K) or X (| X).
  Builder& jump_k(uint16_t op, uint32_t k, Target if_true, Target if_false);
  Builder& jump_x(uint16_t op, Target if_true, Target if_false);
  Builder& jeq(uint32_t k, Target t, Target f) { return jump_k(JEQ, k, t, f); }
  Builder& jgt(uint32_t k, Target t, Target f) { return jump_k(JGT, k, t, f); }
  Builder& jge(uint32_t k, Target t, Target f) { return jump_k(JGE, k, t, f); }
  Builder& jset(uint32_t k, Target t, Target f) { return jump_k(JSET, k, t, f); }

  Result<Program> build() const;

 private:
  struct Fixup {
    size_t insn;
    enum Field { kJt, kJf, kJa } field;
    Label label;
  };
  struct LabelInfo {
    std::string name;
    std::vector<size_t> bound_at;  // more than one entry is an error reported by build()
  };
  void add_target(Target t, Fixup::Field field);
  std::string label_text(Label l) const;

  Program insns_;
  std::vector<Fixup> fixups_;
  std::vector<LabelInfo> labels_;
};

}  // namespace sysfence::bpf
