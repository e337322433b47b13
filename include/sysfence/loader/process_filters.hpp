// sysfence/loader/process_filters.hpp — the seccomp filters of a running process, read with
// ptrace(PTRACE_SECCOMP_GET_FILTER) (Linux 4.4; needs CAP_SYS_ADMIN, and the caller must not be
// in seccomp mode itself). Index 0 is the NEWEST filter (the one that runs first).
//
// The process is attached with PTRACE_SEIZE, stopped with PTRACE_INTERRUPT for the reads, and
// detached; it keeps running afterwards.
//
//   auto filters = sysfence::loader::read_process_filters(pid);   // newest first
//   if (!filters) std::cerr << filters.error().render();
#pragma once

#include <sys/types.h>

#include <vector>

#include "sysfence/bpf/insn.hpp"
#include "sysfence/result.hpp"

namespace sysfence::loader {

Result<std::vector<bpf::Program>> read_process_filters(pid_t pid);

}  // namespace sysfence::loader
