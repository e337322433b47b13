// sysfence/bpf/emulate.hpp — run a seccomp filter the way the kernel does, without the kernel.
//
//   using namespace sysfence::bpf;
//   auto vp = VerifiedProgram::make(prog);               // verify once (Result)
//   if (!vp) return vp.error();
//   SeccompData d = SeccompData::make(kAuditArchX86_64, 39);
//   Emulation e = emulate(*vp, d);                       // e.ret == 0x7fff0000, e.executed == 4
//   action_name(e.ret);                                  // "allow"
//   auto r = emulate(prog, d);                           // verifies, then runs (Result)
//   auto s = emulate_stack({newest, older}, d);          // the kernel's precedence over a stack
//
// Semantics (checked against the live kernel by tests/bpf): A, X and M[0..15] are 32-bit and
// start at 0; ALU wraps at 32 bits; comparisons are unsigned; LD W ABS reads a native
// (little-endian) word of seccomp_data; LD/LDX W LEN load 64; DIV by X == 0 ends the program
// with return value 0 (SECCOMP_RET_KILL_THREAD); LSH/RSH by X shift by X & 31, as the kernel's
// interpreter and x86-64 JIT do. `executed` counts classic instructions run, including the RET.
//
// A stack runs every filter (newest first) and keeps the return value whose action
// (ret & 0xffff0000, read as int32) is lowest; on a tie the earlier (newer) filter's value stays;
// the starting value is SECCOMP_RET_ALLOW.
//
// Known weaknesses: the kernel's per-arch constant-allow cache (cache.hpp) can skip a filter
// altogether; that never changes the result, so it is not modelled here. What the kernel then
// does with the value (errno clamped to 4095, unknown actions kill the process) is described by
// outcome_of(), not applied to `ret`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>
#include <span>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

// A program that passed verify(). Only make() creates one, so emulate() never meets a program
// the kernel would refuse.
class VerifiedProgram {
 public:
  static Result<VerifiedProgram> make(Program prog);
  const Program& program() const { return prog_; }
  size_t size() const { return prog_.size(); }

 private:
  explicit VerifiedProgram(Program prog) : prog_(std::move(prog)) {}
  Program prog_;
};

struct Emulation {
  uint32_t ret = 0;     // the filter's return value (action | data)
  size_t executed = 0;  // instructions executed, the final RET included
};

Emulation emulate(const VerifiedProgram& prog, const SeccompData& data);
// Same, and appends the index of every instruction executed, in order, to `trace`.
Emulation emulate(const VerifiedProgram& prog, const SeccompData& data,
                  std::vector<uint32_t>* trace);
// Verifies first; an unverified program is an error, never run.
Result<Emulation> emulate(std::span<const Insn> prog, const SeccompData& data);

struct StackEmulation {
  uint32_t ret = kRetAllow;          // the value the kernel acts on
  std::optional<size_t> decided_by;  // index (newest = 0) of the filter whose value won, if any
  size_t executed = 0;               // instructions executed across all filters
};

StackEmulation emulate_stack(std::span<const VerifiedProgram> newest_first,
                             const SeccompData& data);
Result<StackEmulation> emulate_stack(std::span<const Program> newest_first,
                                     const SeccompData& data);

// What the kernel does with a final return value, for a single-threaded caller.
enum class Outcome {
  Allow,        // the syscall runs (ALLOW, LOG)
  Errno,        // the syscall returns -errno without running (errno may be 0: returns 0)
  Trap,         // SIGSYS, si_errno = data
  NoTracer,     // TRACE or USER_NOTIF with nobody listening: fails with ENOSYS
  KillThread,   // the calling thread dies by SIGSYS
  KillProcess,  // the whole process dies by SIGSYS (KILL_PROCESS and any unknown action)
};
struct Decision {
  Outcome outcome = Outcome::Allow;
  int value = 0;  // errno for Errno (data clamped to 4095), si_errno for Trap, else 0
};
Decision outcome_of(uint32_t ret);

}  // namespace sysfence::bpf

SYSFENCE_API_END
