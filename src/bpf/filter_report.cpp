// sysfence/bpf — analyze_filter: see sysfence/bpf/filter_report.hpp.
#include "sysfence/bpf/filter_report.hpp"

#include <algorithm>

#include "sysfence/bpf/cache.hpp"
#include "sysfence/bpf/emulate.hpp"
#include "sysfence/bpf/seccomp.hpp"

namespace sysfence::bpf {
namespace {

struct DoorOf {
  arch::Arch host;
  arch::Arch door;
  std::string_view how;
};
constexpr DoorOf kDoors[] = {
    {arch::Arch::X86_64, arch::Arch::I386, "int 0x80"},
    {arch::Arch::X86_64, arch::Arch::X32, "nr | 0x40000000"},
};

bool allows(const Emulation& e) { return outcome_of(e.ret).outcome == Outcome::Allow; }

ArchReport report_arch(const VerifiedProgram& vp, std::span<const Insn> prog, arch::Arch a) {
  ArchReport r;
  r.arch = a;
  const arch::ArchInfo& info = arch::info(a);
  const ArchCache cache = analyze_cache(prog, a);
  r.kernel_caches = cache.kernel_caches;
  size_t sum = 0;
  for (const arch::SyscallEntry& s : arch::syscalls(a)) {
    ++r.syscalls;
    const Emulation e = emulate(vp, SeccompData::make(info.audit_arch, s.nr));
    r.executed_max = std::max(r.executed_max, e.executed);
    sum += e.executed;
    if (!allows(e)) continue;
    ++r.allowed;
    const int64_t i = static_cast<int64_t>(s.nr) - cache.first_nr;
    const bool cached = cache.kernel_caches && i >= 0 &&
                        i < static_cast<int64_t>(cache.cached.size()) &&
                        cache.cached[static_cast<size_t>(i)];
    ++(cached ? r.cached : r.allowed_uncached);
  }
  r.executed_mean = r.syscalls ? static_cast<double>(sum) / static_cast<double>(r.syscalls) : 0.0;
  return r;
}

DoorReport report_door(const VerifiedProgram& vp, const DoorOf& d, bool listed) {
  DoorReport r;
  r.host = d.host;
  r.door = d.door;
  r.how = d.how;
  r.listed = listed;
  const arch::ArchInfo& info = arch::info(d.door);
  for (const arch::SyscallEntry& s : arch::syscalls(d.door)) {
    const Emulation e = emulate(vp, SeccompData::make(info.audit_arch, s.nr));
    ++r.probed;
    if (allows(e)) ++r.allowed;
    if (r.getpid_action.empty() && s.name == "getpid") r.getpid_action = action_name(e.ret);
  }
  return r;
}

}  // namespace

Result<FilterReport> analyze_filter(std::span<const Insn> prog,
                                    std::span<const arch::Arch> targets) {
  auto vp = VerifiedProgram::make(Program(prog.begin(), prog.end()));
  if (!vp) return vp.error();
  FilterReport r;
  r.instructions = prog.size();
  for (arch::Arch a : targets) r.arches.push_back(report_arch(*vp, prog, a));
  const auto targeted = [&](arch::Arch a) {
    return std::find(targets.begin(), targets.end(), a) != targets.end();
  };
  for (const DoorOf& d : kDoors) {
    if (targeted(d.host)) r.doors.push_back(report_door(*vp, d, targeted(d.door)));
  }
  return r;
}

}  // namespace sysfence::bpf
