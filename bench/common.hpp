// bench/common.hpp — what the benchmark binaries share: the two benchmark policies in one
// neutral form, their translation to sysfence (IR + compiler) and to Debian's libseccomp, the
// emulator/cache adapters, timing helpers and live-kernel measurement in forked children.
//
// Not a library component: bench-only code, linked into the bench binaries and nothing else.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace bench {

using sysfence::arch::Arch;
using sysfence::bpf::Program;
using sysfence::ir::Action;
using sysfence::ir::ArgCmp;

// One rule as both libraries take it: a syscall name, an AND of comparisons, an action.
struct Rule {
  std::string name;
  Action action;
  std::vector<ArgCmp> args;
};

// A policy in the neutral form both translators read.
struct BenchPolicy {
  std::string title;
  Action default_action = Action::errno_(1);
  Action bad_arch_action = Action::kill_process();
  std::vector<Rule> rules;
  std::vector<std::string> notes;  // what was skipped or how it was derived
};

// --- the two policies ----------------------------------------------------------------------

// Docker's default profile, resolved as moby does for one container on amd64: includes/excludes
// by capability (`caps`: CAP_* names present), by arch ("amd64"), by minKernel (the running
// kernel). nullopt when the file is absent.
std::optional<BenchPolicy> load_docker_profile(const std::string& path,
                                               const std::vector<std::string>& caps);
// CAP_* names of this process's effective set (all of them when run as root).
std::vector<std::string> host_effective_caps();
// The capabilities Docker grants a container by default.
std::vector<std::string> docker_container_caps();

// A 350-syscall allowlist (the first 350 x86_64 syscalls by number) with argument checks:
// clone flags masked (no namespace flags), socket domain == AF_UNIX/AF_INET/AF_INET6,
// mprotect without PROT_EXEC (masked), getpriority with a 64-bit `which < 3`.
// Default errno(EPERM), bad arch kill_process. `usable` (when set) skips names a library under
// comparison does not know, so that both sides get exactly the same 350 syscalls.
BenchPolicy allowlist350(bool (*usable)(std::string_view name) = nullptr);

// Argument-heavy synthetic policies (issue 11): the first 100 x86_64 syscalls other than the
// target allowed, plus K allow rules on the target: "ioctl" (arg1 == 0x5400 + 3i), "fcntl"
// (arg0 == i % 16 && (arg1 & 0xfff) == i), "getpriority" (arg0 >= 10i && arg1 <= 10i + 5,
// i = 1..K), "mmap" (a VMM's ten flag combinations on arg3's low 32 bits, every third with
// prot == PROT_READ|PROT_WRITE; K ignored), "ioctl-masks" (K rules of 3 conditions, `(argj & m)
// == v` for j < 3, m one of 4 masks drawn per condition), "ioctl-args" (K rules of 2 conditions
// on arguments i and i+1 mod 6). The same generators as tests/compiler/argument_policies_test.cpp.
BenchPolicy synthetic(const std::string& kind, int k);

// --- sysfence --------------------------------------------------------------------------------

sysfence::Result<sysfence::ir::ValidatedPolicy> to_sysfence(const BenchPolicy& p,
                                                            const std::vector<Arch>& arches);
sysfence::Result<Program> sysfence_compile(const sysfence::ir::ValidatedPolicy& policy,
                                           sysfence::compiler::Weighting w);

// --- libseccomp API (linked Debian libseccomp, or any library loaded with dlopen) -----------

// The libseccomp entry points the benchmarks call, so that the same translation code drives
// Debian's libseccomp and sysfence's compatible C library (both export the same symbols, so
// the C API benchmark loads each with dlopen instead of linking them).
struct ScmpApi {
  std::string name;
  void* (*init)(uint32_t def_action);
  void (*release)(void* ctx);
  int (*attr_set)(void* ctx, int attr, uint32_t value);
  int (*arch_add)(void* ctx, uint32_t arch_token);
  int (*arch_remove)(void* ctx, uint32_t arch_token);
  uint32_t (*arch_native)();
  int (*syscall_resolve_name)(const char* name);
  int (*rule_add_array)(void* ctx, uint32_t action, int syscall, unsigned count,
                        const void* arg_array);  // const struct scmp_arg_cmp*
  int (*export_bpf)(const void* ctx, int fd);
};
// Debian's libseccomp as linked into this binary (bench_compare, bench_timing).
const ScmpApi& linked_libseccomp();
// True when linked_libseccomp() resolves the name (2.5.4 predates the newest syscalls).
bool libseccomp_knows(std::string_view name);
// Drops the rules whose syscall `api` cannot resolve, so both libraries compile the same
// policy; the dropped names are added to p.notes.
void keep_common_names(BenchPolicy& p, const ScmpApi& api);
// dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND) and look the entry points up. nullopt
// and a message on failure. The handle stays open for the life of the process.
std::optional<ScmpApi> load_scmp_api(const std::string& name, const std::string& path,
                                     std::string* err);

// Builds a context (opaque pointer, release with ls_release) for the arches and the
// optimization level (1 default, 2 binary tree; 0 leaves the attribute unset). nullptr and a
// message on failure. Names the library cannot resolve are counted in *rules_skipped.
void* ls_build(const ScmpApi& api, const BenchPolicy& p, const std::vector<Arch>& arches,
               int optimize, std::string* err, int* rules_skipped = nullptr);
void ls_release(const ScmpApi& api, void* ctx);
// seccomp_export_bpf into a memfd, read back. Empty on failure.
Program ls_export(const ScmpApi& api, void* ctx, int memfd);
int make_memfd();

// --- emulator and cache analysis adapters ---------------------------------------------------

struct EmuResult {
  uint32_t ret = 0;
  uint32_t insns = 0;
};
EmuResult emulate(const Program& prog, const sysfence::bpf::SeccompData& d);
// Would the kernel's constant-allow bitmap take (audit_arch, nr) for this program?
bool cacheable(const Program& prog, Arch a, int32_t nr);

// --- timing ------------------------------------------------------------------------------------

uint64_t now_ns();         // CLOCK_MONOTONIC
uint64_t thread_cpu_ns();  // CLOCK_THREAD_CPUTIME_ID
double median(std::vector<double> v);

// Live kernel: ns of thread CPU time per call of `which` (0 = getppid, 1 = getpriority(
// PRIO_PROCESS, 0)) over `calls` calls, in a forked child that installed `filter` first (empty: no filter). Returns a
// negative number if the child failed (the message says why).
// With `fifo`, the child runs SCHED_FIFO (priority 1) while it measures, when permitted.
double live_ns_per_call(const Program& filter, int which, long calls, std::string* err,
                        bool fifo = false);

// Machine description for the reports: nproc, CPU model, kernel, load average, date.
std::string machine_summary();

}  // namespace bench
