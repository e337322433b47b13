// sysfence/bpf/verify.hpp — the kernel's acceptance rules for a seccomp filter, exactly.
//
//   using namespace sysfence::bpf;
//   Program p = {stmt(LD | W | ABS, kOffNr), stmt(RET | K, kRetAllow)};
//   if (auto r = verify(p); !r) std::cerr << r.error().render();   // "instruction 3: ..."
//   if (auto v = find_violation(p)) use(v->index, v->rule);         // machine-readable form
//   auto ok = verify_stack_size(std::vector<Program>{newest, older}); // the stack budget
//
// The rules are those of the kernel's bpf_check_classic() followed by seccomp_check_filter()
// (Linux 6.x), checked in the same order so the first violation reported is the one the kernel
// trips over first:
//   1. length 1..4096;
//   2. per instruction, in order: the opcode is a classic BPF opcode; DIV/MOD by constant 0;
//      LSH/RSH by a constant >= 32; scratch index M[k] < 16; JA lands inside the program
//      (k < len - pc - 1); both targets of a conditional jump land inside the program;
//   3. the last instruction is RET (K or A);
//   4. every scratch load M[i] is preceded by a store to M[i] on every path (the kernel's
//      check_load_and_stores: one linear walk, masks merged at jump targets);
//   5. per instruction: the opcode is one seccomp accepts (no MOD, no byte/half loads, no IND/MSH,
//      no packet ancillary loads), and LD W ABS reads an aligned word inside seccomp_data (< 64).
// Every rejection from these rules is EINVAL from seccomp(2). The stack-size rule (ENOMEM at
// attach time) is separate: verify_stack_size().
//
// Known weaknesses: nothing here checks reachability (the kernel does not either: dead code is
// accepted, and a scratch load in dead code after a RET can pass, exactly as in the kernel).
// The verifier says whether the kernel would load the program, not whether it is a good policy.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

enum class VerifierRule {
  EmptyProgram,           // len == 0
  TooLong,                // len > 4096
  UnknownOpcode,          // not a classic BPF opcode at all
  DivisionByZero,         // ALU DIV|K (or MOD|K) with k == 0
  ShiftTooLarge,          // ALU LSH|K / RSH|K with k >= 32
  ScratchIndex,           // LD/LDX MEM, ST, STX with k >= 16
  JumpOutOfProgram,       // JA or conditional jump target at or past the end
  LastNotReturn,          // the last instruction is not RET
  ScratchNotInitialized,  // LD/LDX M[i] reachable without a store to M[i]
  OpcodeNotForSeccomp,    // classic opcode seccomp refuses (MOD, LD H/B, IND, MSH, ...)
  LoadOutsideData,        // LD W ABS offset >= 64 or not a multiple of 4
};

// Short stable name of a rule: "empty-program", "jump-out-of-program", ...
std::string_view rule_name(VerifierRule r);

struct Violation {
  size_t index = 0;  // the instruction that breaks the rule (0 for length rules)
  VerifierRule rule{};
  std::string message;  // "instruction 3 (jeq #0x1, +7, +0): jump-out-of-program: ..."
};

// The first violation in the kernel's order, or nothing when the kernel would accept `prog`.
std::optional<Violation> find_violation(std::span<const Insn> prog);

// Same, as a Result: the Error's message is the Violation's message.
Result<void> verify(std::span<const Insn> prog);

// True when `code` is one of the opcodes seccomp accepts (independently of operands).
bool is_seccomp_opcode(uint16_t code);

// The kernel's attach-time budget for a filter stack (seccomp_attach_filter, ENOMEM when
// exceeded): the filter being attached costs its length, every filter already attached its
// length + 4, and the total must not exceed kMaxTotalInsns (32768). The length the kernel counts
// is that of the program AFTER its classic-to-eBPF conversion, not the classic length (measured
// on Linux 6.18: 3 filters of 4096 RETs plus a 4th of 4084 RETs is the exact limit).
// kernel_insn_count() models that conversion: 3 prologue instructions, RET -> 2, DIV X -> 5,
// a conditional jump -> 1 (+1 when both jt and jf are non-zero, except JEQ/JGT/JGE with jt == 0;
// +1 when comparing against a K that is negative as int32), everything else -> 1.
// Known weakness: with net.core.bpf_jit_harden=2 the kernel blinds constants and counts more.
size_t kernel_insn_count(std::span<const Insn> verified_prog);
// `newest_first[0]` is the filter being attached.
size_t stack_cost(std::span<const Program> newest_first);
Result<void> verify_stack_size(std::span<const Program> newest_first);

// Short one-line rendering used in messages: "jeq #0x1, +7, +0" (relative offsets).
std::string describe_insn(const Insn& insn);

}  // namespace sysfence::bpf

SYSFENCE_API_END
