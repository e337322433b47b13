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
unsigned int api_level();               // detected once from the kernel, or forced
int set_api_level(unsigned int level);  // 0 or -EINVAL
void reset_global_state();
int global_notify_fd();
void set_global_notify_fd(int fd);

// Action checks as libseccomp applies them (exact values; errno < 4095; by API level).
bool action_valid(uint32_t action);

// ---- syscall names and numbers --------------------------------------------------------------
// Arch token (SCMP_ARCH_*) -> sysfence arch; nullopt for tokens sysfence cannot compile.
std::optional<arch::Arch> arch_of_token(uint32_t token);
bool token_known(uint32_t token);  // any libseccomp token (after NATIVE -> native)
uint32_t token_of_arch(arch::Arch a);
uint32_t native_token();
uint32_t resolve_arch_name(std::string_view name);  // 0 when unknown
std::string_view arch_token_name(uint32_t token);   // libseccomp's name, "" if unknown

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
  uint32_t action = 0;        // when unconditional
  std::vector<Chain> chains;  // when not
};

// A map kept as one vector: the export walks it once per compilation, and a walk over
// contiguous memory stays fast when the caches are cold (a std::map node per syscall did not).
// Adding is an append (libseccomp users add rules in name order, not number order: keeping
// the vector sorted on every add moved half of it each time); the vector is sorted by key when
// it is walked. Lookups go through a direct index for the usual numbers (0..kDense-1, and the
// same above x32's bit 30), a scan for the rest (pseudo numbers, -1).
template <typename K, typename V>
class FlatMap {
 public:
  using value_type = std::pair<K, V>;
  using const_iterator = typename std::vector<value_type>::const_iterator;
  const_iterator begin() const {
    sort();
    return v_.begin();
  }
  const_iterator end() const { return v_.end(); }
  size_t size() const { return v_.size(); }
  const_iterator find(const K& k) const {
    const int32_t i = index_of(k);
    return i < 0 ? v_.end() : v_.begin() + i;
  }
  V& operator[](const K& k) {
    const int32_t i = index_of(k);
    if (i >= 0) return v_[static_cast<size_t>(i)].second;
    if (!v_.empty() && k < v_.back().first) sorted_ = false;
    v_.push_back(value_type{k, V{}});
    note(k, static_cast<int32_t>(v_.size() - 1));
    return v_.back().second;
  }

 private:
  static constexpr int64_t kDense = 1024;
  static constexpr int64_t kX32 = arch::kX32SyscallBit;
  // Slot in dense_ for key k, or -1.
  static int64_t slot(const K& k) {
    const auto x = static_cast<int64_t>(k);
    if (x >= 0 && x < kDense) return x;
    if (x >= kX32 && x < kX32 + kDense) return kDense + (x - kX32);
    return -1;
  }
  int32_t index_of(const K& k) const {
    const int64_t s = slot(k);
    if (s >= 0) {
      const auto u = static_cast<size_t>(s);
      return u < dense_.size() ? dense_[u] - 1 : -1;
    }
    for (size_t i = 0; i < v_.size(); ++i)
      if (v_[i].first == k) return static_cast<int32_t>(i);
    return -1;
  }
  void note(const K& k, int32_t i) const {
    const int64_t s = slot(k);
    if (s < 0) return;
    const auto u = static_cast<size_t>(s);
    if (dense_.size() <= u) dense_.resize(s < kDense ? static_cast<size_t>(kDense) : 2 * kDense, 0);
    dense_[u] = i + 1;
  }
  void sort() const {
    if (sorted_) return;
    // Sort (key, position) pairs, then move each entry once (an entry is heavier to move).
    std::vector<std::pair<K, uint32_t>> order(v_.size());
    for (size_t i = 0; i < v_.size(); ++i) order[i] = {v_[i].first, static_cast<uint32_t>(i)};
    std::sort(order.begin(), order.end());  // keys are unique
    std::vector<value_type> sorted;
    sorted.reserve(v_.size());
    for (const auto& [key, at] : order) sorted.push_back(std::move(v_[at]));
    v_.swap(sorted);
    for (size_t i = 0; i < v_.size(); ++i) note(v_[i].first, static_cast<int32_t>(i));
    sorted_ = true;
  }
  // Mutable: sorting on a walk does not change the map's contents.
  mutable std::vector<value_type> v_;
  mutable std::vector<int32_t> dense_;  // index + 1 by slot(); 0: absent
  mutable bool sorted_ = true;
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
