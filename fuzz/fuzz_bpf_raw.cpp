// libFuzzer harness for raw filter bytes (what `emu --raw` and `disasm` read): decode, verify,
// disassemble, and run what verifies in the emulator on syscall data taken from the input, alone
// and as a stack. A verified program must end in RET on every path: an emulation that runs
// more instructions than the program has is a finding (__builtin_trap).
//
//   scripts/fuzz.sh 60 bpf_raw
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "sysfence/bpf/binary.hpp"
#include "sysfence/bpf/disasm.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sysfence::bpf;
  // The first 64 bytes (when there are more) are the seccomp_data; the rest is the program.
  SeccompData d;
  size_t skip = 0;
  if (size > 64 + 8) {
    std::memcpy(&d, data, sizeof d);
    skip = 64;
  }
  auto prog = from_binary(std::span<const uint8_t>(data + skip, size - skip));
  if (!prog) return 0;
  std::string text = disassemble(*prog);
  (void)find_violation(*prog);
  auto vp = VerifiedProgram::make(*prog);
  if (!vp) return 0;
  (void)kernel_insn_count(vp->program());
  for (uint32_t arch : {d.arch, kAuditArchX86_64, kAuditArchI386}) {
    SeccompData x = d;
    x.arch = arch;
    Emulation e = emulate(*vp, x);
    if (e.executed == 0 || e.executed > vp->size()) __builtin_trap();
  }
  std::vector<VerifiedProgram> stack{*vp, *vp};
  StackEmulation s = emulate_stack(stack, d);
  (void)s;
  return 0;
}
