// sysfence/learn/learn.hpp — from observed system calls to a readable least-privilege policy,
// a frequency profile, and the rule that decides a call under an existing policy.
//
//   using namespace sysfence;
//   learn::Observations seen;
//   learn::TraceOptions o;
//   o.on_call = [&](const learn::TracedCall& c) { seen.add(c.arch, c.nr, c.args); };
//   auto r = learn::trace_program({"tar", "czf", "x.tgz", "dir"}, o);
//   std::string text = learn::synthesize_policy(seen, {.command = "tar czf x.tgz dir"});
//   std::string freq = learn::format_frequency(seen);     // for `compile --freq`
//
// The policy allows exactly what was seen, by name, except for the arguments that matter for
// security and that a filter can check (see docs/learn.md): clone flags (a mask of the bits
// seen), socket domain and type, ioctl requests, prctl options, fcntl commands, personality,
// PROT_EXEC in mmap/mprotect (anonymous executable memory only when seen), setsockopt level
// and option, and the signals of kill/tkill/tgkill. Those become `in`/`==` rules or masks on
// the values seen. Lines are grouped by sysfence's @groups and sorted; a whole @group is named
// only when every member was used (or with `coarse`, when any was), never for a group with an
// argument-checked member. It sets `default errno EPERM`, `unknown-syscall errno ENOSYS`,
// `bad-arch kill-process`, lists only the ABIs that were used (so the i386 and x32 doors stay
// closed unless the program went through them), and answers clone3 with ENOSYS (as the trace
// filter did: glibc then uses clone, whose flags are checked).
//
// Known weaknesses: what a run did not do is denied (learn from runs that cover the program's
// behaviour, merge several); argument values are learned only for the syscalls listed above;
// numbers that sysfence's tables do not name are reported in a comment, not allowed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::learn {

using Args = std::array<uint64_t, 6>;

// What a set of runs did: per ABI and number, how often, and the security-relevant argument
// values (as a key per call: see the header comment) with their counts.
struct Observations {
  struct PerSyscall {
    uint64_t count = 0;
    std::map<std::vector<uint64_t>, uint64_t> keys;  // argument values that matter -> count
  };
  std::map<std::pair<arch::Arch, int32_t>, PerSyscall> calls;
  uint64_t processes = 0;  // informational, for the header comment

  void add(arch::Arch a, int32_t nr, const Args& args, uint64_t count = 1);
  void merge(const Observations& other);
  uint64_t total() const;
  bool empty() const { return calls.empty(); }
};

struct SynthesisOptions {
  std::string command;  // the traced command line, for the header comment
  bool coarse = false;  // name an @group when any of its members was used
};

// A whole policy file.
std::string synthesize_policy(const Observations& seen, const SynthesisOptions& options = {});

// Only the rule lines (grouped, commented), for `--merge` and permissive runs: on a policy that
// targets `targets`, in `arch X { }` sections when there are several. Calls of an ABI outside
// `targets` are listed in comments (the policy's arch line decides those doors).
std::string suggest_rules(const Observations& needed, const std::vector<arch::Arch>& targets,
                          const SynthesisOptions& options = {});

// `--merge`: the user's policy text unchanged (every line and comment), followed by a marked
// block of the lines `needed` adds. `notes` become comments at the top of that block.
std::string merge_policy(std::string_view existing, const Observations& needed,
                         const std::vector<arch::Arch>& targets,
                         const std::vector<std::string>& notes,
                         const SynthesisOptions& options = {});

// ---- frequency profiles ------------------------------------------------------------------
// Text, one line per syscall: `ARCH NAME-OR-NUMBER COUNT`, `#` comments:
//   # sysfence frequency profile
//   x86_64 read 10342
//   x86_64 openat 211
std::string format_frequency(const Observations& seen);
// Errors (file:line:col, with the line and a caret): unknown arch or syscall, a count that is
// not a non-negative number, a missing field, a repeated syscall.
Result<compiler::FrequencyProfile> parse_frequency(std::string_view text,
                                                   std::string_view filename);

// ---- which rule decides --------------------------------------------------------------------
struct Verdict {
  enum class Source { Rule, Default, UnknownSyscall, BadArch };
  Source source = Source::Default;
  ir::Action action;
  const ir::Rule* rule = nullptr;  // the deciding rule (Source::Rule); points into the policy
};
// The policy's meaning for one call (ir/policy.hpp semantics, evaluated directly on the IR).
Verdict explain(const ir::ValidatedPolicy& policy, uint32_t audit_arch, int32_t nr,
                const Args& args);
// "rule at app.policy:12:1 (`ioctl: ...`)", "the default action", "bad-arch", ...
std::string describe(const Verdict& v);

}  // namespace sysfence::learn
