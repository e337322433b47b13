// libFuzzer harness for the assembler (the disassembler's syntax): assemble any text; what
// assembles is disassembled and assembled again, which must give the same program
// (__builtin_trap otherwise), and what verifies is run by the emulator.
//
//   scripts/fuzz.sh 60 asm
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sysfence/bpf/asm.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/emulate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sysfence::bpf;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto prog = assemble(text, "fuzz.asm");
  if (!prog) {
    std::string shown = prog.error().render();  // rendering must not crash either
    return 0;
  }
  auto again = assemble(disassemble(*prog), "again.asm");
  if (!again || *again != *prog) __builtin_trap();  // the round trip the headers promise
  auto vp = VerifiedProgram::make(*prog);
  if (!vp) return 0;
  Emulation e = emulate(*vp, SeccompData::make(kAuditArchX86_64, 0));
  if (e.executed == 0 || e.executed > vp->size()) __builtin_trap();
  return 0;
}
