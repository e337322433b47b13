// src/compat/filter.hpp — the state behind a scmp_filter_ctx, and the translation of
// libseccomp-style rules into sysfence's policy IR. Internal to the compat libraries.
//
//   compat::Filter f(SCMP_ACT_KILL_PROCESS);            // native arch, default attributes
//   int rc = f.add_rule(SCMP_ACT_ALLOW, SCMP_SYS(write), args, /*exact=*/false);
//   auto prog = f.program();                             // Policy::build + compiler::compile
//
// The model mirrors libseccomp's rule database where its behaviour is observable:
//  * one rule table per arch; a rule applies to the arches present when it was added;
//  * per syscall: an unconditional rule makes later rules of that syscall no-ops and replaces
//    earlier conditional ones; a rule with the same comparisons and the same action is a no-op,
//    with another action -EEXIST; a rule is added to every arch or to none (transaction);
//  * the syscall number is a native (or pseudo) number, translated to each arch by name;
//  * x86 socket and ipc calls become both the direct syscall (when x86 has one) and the
//    multiplexer (socketcall/ipc with A0 == call number; A0 of the rule is replaced there).
// Everything else (overlapping conditional rules) follows the IR: most restrictive action wins.
//
// Known weaknesses: not thread-safe per filter (nor is libseccomp); the compiled program is
// cached until the next change.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"
#include "sysfence/ir/policy.hpp"
#include "sysfence/result.hpp"

namespace sysfence::compat {

// libseccomp's struct scmp_arg_cmp, mirrored so this header does not need <seccomp.h>.
struct ArgCmpC {
  unsigned int arg;
  int op;
  uint64_t datum_a;
  uint64_t datum_b;
};

// ---- global library state (api level, notification fd) -----------------------------------
unsigned int api_level();              // detected once from the kernel, or forced
int set_api_level(unsigned int level);  // 0 or -EINVAL
void reset_global_state();
int global_notify_fd();
void set_global_notify_fd(int fd);

// Action checks as libseccomp applies them (exact values; errno < 4095; by API level).
bool action_valid(uint32_t action);

// ---- syscall names and numbers --------------------------------------------------------------
// Arch token (SCMP_ARCH_*) -> sysfence arch; nullopt for tokens sysfence cannot compile.
std::optional<arch::Arch> arch_of_token(uint32_t token);
bool token_known(uint32_t token);       // any libseccomp token (after NATIVE -> native)
uint32_t token_of_arch(arch::Arch a);
uint32_t native_token();
uint32_t resolve_arch_name(std::string_view name);  // 0 when unknown
std::string_view arch_token_name(uint32_t token);     // libseccomp's name, "" if unknown

// Pseudo numbers (libseccomp __PNR_* and sysfence __SFNR_*).
std::optional<int32_t> pseudo_number(std::string_view name);
std::optional<std::string_view> pseudo_name(int32_t nr);

// Multiplexed calls (socketcall/ipc) per ABI: arch::multiplexed_call.

// libseccomp's resolve functions (see seccomp.h).
int resolve_name_arch(uint32_t token, std::string_view name, bool rewrite);
std::optional<std::string> resolve_num_arch(uint32_t token, int32_t nr);
// Name behind a number given to the API (native number or pseudo number).
std::optional<std::string> api_number_name(int32_t nr);

// ---- the filter ------------------------------------------------------------------------------
struct Chain {
  std::vector<ir::ArgCmp> conds;  // at most one per argument, sorted by argument
  uint32_t action = 0;
};

struct SyscallRules {
  bool unconditional = false;
  uint32_t action = 0;            // when unconditional
  std::vector<Chain> chains;      // when not
};

// A map kept as one sorted vector: the export walks it once per compilation, and a walk over
// contiguous memory stays fast when the caches are cold (a std::map node per syscall did not).
template <typename K, typename V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  auto begin() const { return v_.begin(); }
  auto end() const { return v_.end(); }
  size_t size() const { return v_.size(); }
  typename std::vector<value_type>::const_iterator find(const K& k) const {
    auto it = lower(k);
    return it != v_.end() && it->first == k ? it : v_.end();
  }
  V& operator[](const K& k) {
    auto it = lower(k);
    if (it == v_.end() || it->first != k) it = v_.insert(it, value_type{k, V{}});
    return it->second;
  }

 private:
  typename std::vector<value_type>::iterator lower(const K& k) {
    return std::lower_bound(v_.begin(), v_.end(), k,
                            [](const value_type& e, const K& key) { return e.first < key; });
  }
  typename std::vector<value_type>::const_iterator lower(const K& k) const {
    return std::lower_bound(v_.begin(), v_.end(), k,
                            [](const value_type& e, const K& key) { return e.first < key; });
  }
  std::vector<value_type> v_;
};

struct ArchDb {
  uint32_t token = 0;
  arch::Arch arch = arch::Arch::X86_64;
  FlatMap<int32_t, SyscallRules> rules;  // by number on this arch
  std::map<int32_t, uint8_t> priority;   // seccomp_syscall_priority hints, by number on this arch
};

struct Attrs {
  uint32_t act_default = 0;
  uint32_t act_badarch = 0;  // SCMP_ACT_KILL
  uint32_t nnp = 1, tsync = 0, tskip = 0, log = 0, ssb = 0, optimize = 1, sysrawrc = 0,
           waitkill = 0;
};

struct State {
  Attrs attrs;
  std::vector<ArchDb> arches;
};

class Filter {
 public:
  static constexpr uint64_t kMagic = 0x73797366656e6365ULL;  // "sysfence"

  explicit Filter(uint32_t def_action);
  bool valid() const { return magic_ == kMagic; }
  void invalidate() { magic_ = 0; }

  void reset(uint32_t def_action);
  const State& state() const { return st_; }

  int arch_exist(uint32_t token) const;
  int arch_add(uint32_t token);
  int arch_remove(uint32_t token);

  int attr_get(int attr, uint32_t* value) const;
  int attr_set(int attr, uint32_t value);

  int add_rule(uint32_t action, int32_t nr, const ArgCmpC* args, unsigned n, bool exact);
  int priority(int32_t nr, uint8_t prio);

  int merge_from(Filter& src);

  int transaction_start();
  void transaction_reject();
  int transaction_commit();

  // Builds the IR and compiles it (cached). Errors carry a message for export_pfc.
  // programs(): install order; several for a policy past 4096 instructions (compile_stack).
  // program(): the one program; an error (kStacked in sys_errno) when it takes a stack.
  Result<std::vector<bpf::Program>> programs();
  Result<bpf::Program> program();
  // The IR as handed to the compiler (for export_pfc).
  Result<ir::PolicySpec> spec() const;
  bool uses_notify() const;

 private:
  void changed() { cache_.reset(); }
  uint64_t magic_ = kMagic;
  State st_;
  std::vector<State> snapshots_;
  std::optional<std::vector<bpf::Program>> cache_;
};

Filter* as_filter(void* ctx);  // nullptr unless a live Filter

std::string render_pfc(Filter& f);

}  // namespace sysfence::compat
