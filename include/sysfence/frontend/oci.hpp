// sysfence/frontend/oci.hpp — OCI runtime-spec LinuxSeccomp (and Docker/moby profile) import and
// export.
//
//   namespace fe = sysfence::frontend;
//   fe::OciImportOptions o;                         // caps/kernel/arch default to the host's
//   o.caps = std::vector<std::string>{"CAP_CHOWN"}; // or choose them (moby includes/excludes)
//   fe::Parsed<fe::OciImport> r = fe::import_oci_file("docker-default.json", o);
//   std::cerr << r.render();                        // "p.json: syscalls[4].args[1].op: ..."
//   if (!r) return 2;
//   auto policy = sysfence::ir::ValidatedPolicy::build(std::move(r.value->spec));
//   // r.value->flags, ->listener_path, ->listener_metadata go to the loader.
//
//   fe::Parsed<std::string> json = fe::export_oci(*policy);   // for runc, crun, SPO
//
// Import follows runc's reading of the spec where the spec is silent:
//  * ERRNO and TRACE without errnoRet use EPERM (1); defaultErrnoRet applies to defaultAction.
//  * A syscalls[] entry whose args hold two conditions on one index is split into one rule per
//    condition (ORed), as runc does; otherwise an entry's args are ANDed.
//  * An entry whose action equals the default action is dropped (it changes nothing in runc).
//  * Names unknown to every arch sysfence knows are skipped with a warning (runc skips them
//    silently); a name absent on some target arches applies only where it exists.
//  * moby extensions: archMap (used when `architectures` is empty: the entry for the host arch
//    and its subArchitectures), includes/excludes with caps (includes: all listed caps needed;
//    excludes: any listed cap drops the entry), arches (Go names, compared with the host arch,
//    as moby does) and minKernel ("major.minor", compared with the kernel version).
//  * Architectures sysfence cannot target (MIPS, PPC, S390, ...) are dropped with a warning:
//    calls from them get the bad-arch action (kill-process), which fails closed.
//
// Known weaknesses: nlohmann::json keeps no source positions, so errors inside a well-formed
// document carry a JSON path but no line; duplicate keys keep the last value silently.
// Export gives every rule the region where sysfence lets it decide (its conditions minus those of
// the rules of its syscall that come first), so the entries of different actions are disjoint and
// libseccomp (runc, crun) decides every call as sysfence does (docs/oci.md). It cannot express,
// and reports as errors: sysfence's unknown-syscall action (a warning), per-arch rules whose
// conditions differ between arches, a syscall whose entries compare different arguments with
// an entry of several comparisons (libseccomp 2.5.4 walks them without going back and can miss
// the matching entry), and a rule
// that would need more than 256 entries.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/frontend/diagnostics.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::frontend {

struct OciImportOptions {
  // Capability names ("CAP_SYS_ADMIN") for moby's includes/excludes.caps. nullopt: the effective
  // capabilities of this process (/proc/self/status CapEff).
  std::optional<std::vector<std::string>> caps;
  // "major.minor[.patch]" for includes/excludes.minKernel. nullopt: uname -r.
  std::optional<std::string> kernel_version;
  // The host arch for archMap and includes/excludes.arches. nullopt: the native arch.
  std::optional<arch::Arch> host_arch;
  // Target arches when neither `architectures` nor a matching archMap entry names any.
  // Empty: the host arch.
  std::vector<arch::Arch> default_arches;
  std::string filename;  // for diagnostics
};

// seccomp(2) filter flags (linux/seccomp.h).
inline constexpr uint32_t kFlagTsync = 1U << 0;
inline constexpr uint32_t kFlagLog = 1U << 1;
inline constexpr uint32_t kFlagSpecAllow = 1U << 2;
inline constexpr uint32_t kFlagNewListener = 1U << 3;
inline constexpr uint32_t kFlagTsyncEsrch = 1U << 4;
inline constexpr uint32_t kFlagWaitKillableRecv = 1U << 5;

struct OciImport {
  ir::PolicySpec spec;
  std::vector<std::string> flags;          // as written: "SECCOMP_FILTER_FLAG_LOG", ...
  uint32_t flag_bits = 0;                  // the same as kFlag* bits
  std::string listener_path;               // for SCMP_ACT_NOTIFY: where to send the listener fd
  std::string listener_metadata;           // opaque, passed to the listener
  std::vector<std::string> skipped_names;  // names unknown to every arch (also warned about)
  bool uses_caps = false;  // some includes/excludes.caps was evaluated (the capability set matters)
};

Parsed<OciImport> import_oci(std::string_view json, const OciImportOptions& options = {});
Parsed<OciImport> import_oci_file(const std::string& path, OciImportOptions options = {});

struct OciExportOptions {
  uint32_t flag_bits = 0;  // written as "flags"
  std::string listener_path;
  std::string listener_metadata;
  int indent = 2;  // -1: one line
};

// The policy as runtime-spec LinuxSeccomp JSON. Rules with the same action and conditions are
// grouped into one syscalls[] entry. Errors name the rule (with its source location).
Parsed<std::string> export_oci(const ir::ValidatedPolicy& policy,
                               const OciExportOptions& options = {});

// Host facts used for the defaults above (exposed for `sysfence` to print and for tests).
std::vector<std::string> host_effective_caps();
std::string host_kernel_version();                       // "6.18.0" style, from uname
std::optional<std::string_view> cap_name(unsigned bit);  // 21 -> "CAP_SYS_ADMIN"
// The capabilities Docker (moby) gives a container by default: 14 names, CAP_CHOWN first.
std::vector<std::string> docker_default_caps();

}  // namespace sysfence::frontend

SYSFENCE_API_END
