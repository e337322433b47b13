// sysfence/frontend/policy_text.hpp — the sysfence text policy language (docs/policy-language.md).
//
//   namespace fe = sysfence::frontend;
//   fe::Parsed<sysfence::ir::PolicySpec> spec = fe::parse_policy_file("app.policy");
//   std::cerr << spec.render();                       // errors and warnings, with carets
//   if (!spec) return 2;
//   auto policy = sysfence::ir::ValidatedPolicy::build(std::move(*spec.value));
//
//   // or in one step (parse, then Policy::build; build errors are appended to .errors):
//   fe::Parsed<sysfence::ir::ValidatedPolicy> p = fe::load_policy_file("app.policy");
//
// A policy looks like:
//   default errno EPERM
//   unknown-syscall errno ENOSYS
//   arch x86_64, i386
//   define STDERR = 2
//   @include "common.policy"
//   read, close, @memory: allow
//   write: fd == 1 || fd == STDERR
//   openat: (flags & O_CREAT) == 0 -> allow
//   ioctl: u32(request) in {TIOCSTI, TIOCLINUX} -> errno EPERM
//   arch x86_64 { arch_prctl: allow }
//
// The frontend resolves every name itself: syscall names and groups per target arch (an unknown
// name is an error with the nearest name; a name absent on some target arch is a warning naming
// the arch), argument names, defines and named constants per arch (a constant whose value differs
// between target arches yields one IR rule per arch with only_arch). Conditions are turned into
// disjunctive normal form (sysfence/ir/condition.hpp, shared with the C++ builder), one IR rule
// per conjunction. Every IR node carries its file:line:col.
//
// Known weaknesses: the DNF is capped (kMaxClauses conjunctions per rule) instead of using a
// smarter encoding; `(arg & M) != V` expands into one rule per bit of M; ordering comparisons
// (< <= > >=) cannot be combined with a mask; files are read whole into memory.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/frontend/diagnostics.hpp"
#include "sysfence/ir/condition.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::frontend {

// Conjunctions one rule may expand into, and comparisons in all of them together.
inline constexpr size_t kMaxClauses = ir::DnfLimits{}.max_conjunctions;
inline constexpr size_t kMaxComparisons = ir::DnfLimits{}.max_comparisons;
inline constexpr size_t kMaxIncludeDepth = 16;
inline constexpr size_t kMaxTokens = 1000000;  // in a policy and its includes (bounds memory)

struct ParseOptions {
  // Target arches when the policy has no `arch` line. Empty: the native arch.
  std::vector<arch::Arch> default_arches;
  // Target arches that override the policy's own `arch` line (`--arch` on the command line).
  // Use this rather than editing PolicySpec::arches after parsing: names, groups and constants
  // are resolved per target arch while parsing.
  std::vector<arch::Arch> force_arches;
  // Extra directories searched by @include after the including file's own directory.
  std::vector<std::string> include_dirs;
  // Reads a file for @include (and parse_policy_file); nullopt when it cannot be read, with a
  // reason in *why. Default: the file system. Tests and the fuzzer plug in their own.
  std::function<std::optional<std::string>(const std::string& path, std::string* why)> read_file;
  // Treat warnings as errors (`sysfence check --strict`).
  bool warnings_are_errors = false;
};

// Parses policy text; `filename` is used for diagnostics and to resolve relative @includes.
Parsed<ir::PolicySpec> parse_policy_text(std::string_view text,
                                         std::string_view filename = "<input>",
                                         const ParseOptions& options = {});
Parsed<ir::PolicySpec> parse_policy_file(const std::string& path, const ParseOptions& options = {});

// parse_*, then ir::ValidatedPolicy::build; a build error is appended to .errors, the Policy's own
// warnings to .warnings.
Parsed<ir::ValidatedPolicy> load_policy_text(std::string_view text,
                                             std::string_view filename = "<input>",
                                             const ParseOptions& options = {});
Parsed<ir::ValidatedPolicy> load_policy_file(const std::string& path,
                                             const ParseOptions& options = {});

// Parses an action as written in a policy ("errno EPERM", "kill-process", "trace 7").
Result<ir::Action> parse_action(std::string_view text);

// The spelling the language uses for an action ("errno EPERM" when the errno has a name).
std::string action_to_text(const ir::Action& a);

}  // namespace sysfence::frontend

SYSFENCE_API_END
