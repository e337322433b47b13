// src/compat/pfc.cpp — seccomp_export_pfc(): sysfence's readable pseudo code of a filter.
//
//   # sysfence filter (libseccomp-compatible API)
//   # default: kill_process; other arches: kill_thread
//   arch x86_64 (audit 0xc000003e)
//     write (1)
//       allow         if a0 == 0x1
//       errno(1)      if a0 == 0x2 && a2 > 0x10
//     read (0)        allow
//     otherwise       kill_process
//   # compiled: 23 BPF instructions
//
// It shows the rules as the compiler receives them (after the per-arch translation, including
// x86 socketcall/ipc rewriting); several matching rules of one syscall: the most restrictive
// action wins.
#include <cstdio>
#include <string>

#include "compat/filter.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/support/format.hpp"

namespace sysfence::compat {

namespace {

std::string cmp_text(const ir::ArgCmp& c) {
  std::string a = "a" + std::to_string(c.arg);  // not const: `return a` moves it
  switch (c.op) {
    case ir::CmpOp::Eq: return a + " == " + hex(c.value);
    case ir::CmpOp::Ne: return a + " != " + hex(c.value);
    case ir::CmpOp::Lt: return a + " < " + hex(c.value);
    case ir::CmpOp::Le: return a + " <= " + hex(c.value);
    case ir::CmpOp::Gt: return a + " > " + hex(c.value);
    case ir::CmpOp::Ge: return a + " >= " + hex(c.value);
    case ir::CmpOp::MaskedEq: return "(" + a + " & " + hex(c.mask) + ") == " + hex(c.value);
  }
  return a;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s + " ";
}

std::string syscall_label(arch::Arch a, int32_t nr) {
  std::string name = "?";
  if (nr == -1) {
    name = "(tracer skip)";
  } else if (auto n = arch::syscall_name(a, nr)) {
    name = std::string(*n);
  }
  const uint32_t u = static_cast<uint32_t>(nr);
  return name + " (" + (u >= 0x40000000U ? hex(u) : std::to_string(nr)) + ")";
}

}  // namespace

std::string render_pfc(Filter& f) {
  const State& st = f.state();
  std::string out;
  out += "# sysfence filter (libseccomp-compatible API)\n";
  out += "# default: " + bpf::action_name(st.attrs.act_default) +
         "; calls from other arches: " + bpf::action_name(st.attrs.act_badarch) + "\n";
  out += "# load: nnp=" + std::to_string(st.attrs.nnp) +
         " tsync=" + std::to_string(st.attrs.tsync) + " log=" + std::to_string(st.attrs.log) +
         " ssb=" + std::to_string(st.attrs.ssb) + " waitkill=" + std::to_string(st.attrs.waitkill) +
         "\n";
  out += "# several matching rules of one syscall: the most restrictive action wins\n";
  auto spec = f.spec();
  if (!spec) return out + "# error: " + spec.error().render() + "\n";
  for (const ArchDb& d : st.arches) {
    const arch::ArchInfo& ai = arch::info(d.arch);
    out += "arch " + std::string(arch_token_name(d.token)) + " (audit " + hex(ai.audit_arch);
    if (ai.nr_bit) out += ", nr | " + hex(ai.nr_bit);
    out += ")\n";
    for (const auto& [nr, sr] : d.rules) {
      const std::string label = syscall_label(d.arch, nr);
      if (sr.unconditional) {
        out += "  " + pad(label, 30) + bpf::action_name(sr.action) + "\n";
        continue;
      }
      out += "  " + label + "\n";
      for (const Chain& c : sr.chains) {
        std::string cond;
        for (const ir::ArgCmp& cmp : c.conds) {
          if (!cond.empty()) cond += " && ";
          cond += cmp_text(cmp);
        }
        out += "    " + pad(bpf::action_name(c.action), 14) + "if " + cond + "\n";
      }
    }
    out += "  " + pad("otherwise", 30) + bpf::action_name(st.attrs.act_default) + "\n";
  }
  auto prog = f.programs();
  if (prog && prog->size() > 1) {
    out += "# compiled: " + std::to_string(prog->size()) + " stacked filters of";
    for (const bpf::Program& p : *prog) out += " " + std::to_string(p.size());
    out += " BPF instructions\n";
  } else if (prog) {
    out += "# compiled: " + std::to_string(prog->front().size()) + " BPF instructions\n";
  } else {
    out += "# does not compile: " + prog.error().render() + "\n";
  }
  return out;
}

}  // namespace sysfence::compat
