// sysfence/bpf/filter_report.hpp — what a filter does, measured by running it: per target arch,
// how many syscalls it allows, how many of those the kernel's constant-allow cache takes (no BPF
// runs at all), the instructions an uncached call executes; and the other ABIs ("doors") through
// which a program on the target arch can enter the kernel (on x86_64: i386 via int 0x80, x32 via
// nr | 0x40000000). `sysfence check` prints it.
//
//   using namespace sysfence;
//   auto r = bpf::analyze_filter(prog, std::vector{arch::Arch::X86_64});   // Result<FilterReport>
//   for (const bpf::ArchReport& a : r->arches) a.allowed, a.cached, a.executed_mean ...
//   for (const bpf::DoorReport& d : r->doors) if (d.allowed && !d.listed) ... // an open door
//
// Every syscall of each arch's table is run through the emulator with all-zero arguments; a
// syscall "allowed" here is one the filter allows for those arguments.
//
// Known weaknesses: argument-dependent decisions are seen at zero arguments only; doors are known
// for x86_64 only (aarch64's 32-bit arm door is not probed).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/export.hpp"
#include "sysfence/result.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

struct ArchReport {
  arch::Arch arch{};
  size_t syscalls = 0;          // syscalls in the arch's table
  size_t allowed = 0;           // allowed with all-zero arguments
  size_t cached = 0;            // of those, the kernel marks always-allowed: no BPF runs at all
  size_t allowed_uncached = 0;  // allowed, but BPF runs for every call (argument checks, ...)
  bool kernel_caches = true;    // false for x32: the kernel keeps no bitmap for it
  size_t executed_max = 0;      // instructions executed by one call, over the arch's syscalls
  double executed_mean = 0;
};

// Another ABI through which a program running on `host` reaches the kernel.
struct DoorReport {
  arch::Arch host{};
  arch::Arch door{};
  std::string_view how;       // "int 0x80", "nr | 0x40000000"
  bool listed = false;        // the door's arch is one of the targets: open on purpose
  size_t allowed = 0;         // syscalls of the door's ABI the filter allows (arguments zero)
  size_t probed = 0;          // syscalls of the door's ABI tried
  std::string getpid_action;  // what getpid through the door gets, e.g. "kill_process"
};

struct FilterReport {
  size_t instructions = 0;
  std::vector<ArchReport> arches;  // one per target, in the targets' order
  std::vector<DoorReport> doors;   // the doors of the targets that have any
};

// `prog` must pass the verifier (an Error otherwise). `targets`: the arches the filter is for.
Result<FilterReport> analyze_filter(std::span<const Insn> prog,
                                    std::span<const arch::Arch> targets);

}  // namespace sysfence::bpf
SYSFENCE_API_END
