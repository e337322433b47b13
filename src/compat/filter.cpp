// src/compat/filter.cpp — the scmp_filter_ctx state, libseccomp's rule-database semantics, and
// the one path to BPF: PolicySpec -> ir::ValidatedPolicy::build -> compiler::compile. See filter.hpp.
#include "compat/filter.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/compiler/compiler.hpp"
#include "sysfence/ir/condition.hpp"
#include "sysfence/loader/loader.hpp"

namespace sysfence::compat {

// ---- global state ------------------------------------------------------------------------

namespace {

std::mutex g_mu;
unsigned int g_level = 0;  // 0: not detected yet
int g_notify_fd = -1;

unsigned int detect_level() {
  auto k = loader::probe();
  if (!k) return 1;
  unsigned int level = 1;
  if (!k->flag_supported(loader::kFlagTsync)) return level;
  level = 2;
  if (!k->flag_supported(loader::kFlagLog) || !k->action_available(bpf::kRetKillProcess) ||
      !k->action_available(bpf::kRetLog))
    return level;
  level = 3;
  if (!k->flag_supported(loader::kFlagSpecAllow)) return level;
  level = 4;
  if (!k->flag_supported(loader::kFlagNewListener) || !k->action_available(bpf::kRetUserNotif))
    return level;
  level = 5;
  if (!k->flag_supported(loader::kFlagTsyncEsrch)) return level;
  level = 6;
  if (!k->flag_supported(loader::kFlagNewListener | loader::kFlagWaitKillableRecv)) return level;
  return 7;
}

constexpr uint32_t kActKillProcess = 0x80000000U;
constexpr uint32_t kActKillThread = 0x00000000U;
constexpr uint32_t kActTrap = 0x00030000U;
constexpr uint32_t kActErrno = 0x00050000U;
constexpr uint32_t kActNotify = 0x7fc00000U;
constexpr uint32_t kActTrace = 0x7ff00000U;
constexpr uint32_t kActLog = 0x7ffc0000U;
constexpr uint32_t kActAllow = 0x7fff0000U;

enum Attr {
  kAttrActDefault = 1,
  kAttrActBadarch,
  kAttrNnp,
  kAttrTsync,
  kAttrTskip,
  kAttrLog,
  kAttrSsb,
  kAttrOptimize,
  kAttrSysrawrc,
  kAttrWaitkill,
};

enum Op { kNe = 1, kLt, kLe, kEq, kGe, kGt, kMaskedEq };

// Comparisons as nodes of libseccomp's tree: != < <= are == >= > with the branches swapped.
struct NodeKey {
  uint8_t arg;
  ir::CmpOp op;
  bool negated;
  uint64_t value, mask;
  friend bool operator==(const NodeKey&, const NodeKey&) = default;
};

NodeKey node_key(const ir::ArgCmp& c) {
  switch (c.op) {
    case ir::CmpOp::Ne: return {c.arg, ir::CmpOp::Eq, true, c.value, c.mask};
    case ir::CmpOp::Lt: return {c.arg, ir::CmpOp::Ge, true, c.value, c.mask};
    case ir::CmpOp::Le: return {c.arg, ir::CmpOp::Gt, true, c.value, c.mask};
    default: return {c.arg, c.op, false, c.value, c.op == ir::CmpOp::MaskedEq ? c.mask : ~0ULL};
  }
}

// Every comparison of `p` is also in `q` (`p` is as general as `q`, or more).
bool is_subset(const std::vector<ir::ArgCmp>& p, const std::vector<ir::ArgCmp>& q) {
  if (p.size() > q.size()) return false;
  for (const ir::ArgCmp& c : p) {
    bool found = false;
    for (const ir::ArgCmp& d : q) {
      if (c.arg == d.arg && node_key(c) == node_key(d) && c.width == d.width) found = true;
    }
    if (!found) return false;
  }
  return true;
}

enum class Fate { Add, Skip, Exists };

Fate fate_of(const SyscallRules& sr, const std::vector<ir::ArgCmp>& conds, uint32_t action) {
  if (sr.unconditional) return Fate::Skip;  // already covers every call
  if (conds.empty()) return Fate::Add;      // replaces every chain
  Fate f = Fate::Add;
  for (const Chain& e : sr.chains) {
    if (is_subset(e.conds, conds)) {  // an existing chain is as general or more
      if (e.action != action && e.conds.size() == conds.size()) return Fate::Exists;
      f = Fate::Skip;
    } else if (is_subset(conds, e.conds) && e.action != action) {
      return Fate::Exists;
    }
  }
  return f;
}

// Can a single comparison hold for some argument value on this arch? (One comparison per
// argument in a libseccomp rule, so the rule matches something iff each comparison can.)
bool satisfiable(const ir::ArgCmp& c, arch::Arch a) {
  const ir::EffectiveCmp e = ir::effective(c, a);
  const uint64_t max = e.low32 ? 0xffffffffULL : ~0ULL;
  switch (e.op) {
    case ir::CmpOp::Lt: return e.value != 0;
    case ir::CmpOp::Gt: return e.value < max;
    case ir::CmpOp::MaskedEq: return (e.value & ~(e.mask & max)) == 0;
    default: return true;
  }
}

// libseccomp's answer when conditional rules of one syscall overlap with different actions
// (a call matches both). libseccomp checks its rule tree in an order of its own and the first
// rule that matches decides; sysfence's IR would take the most restrictive action. Measured on
// libseccomp 2.5.4 (docs/libseccomp-compat.md, tests/compat/overlap_test.cpp) for rules of one
// comparison each, all on one argument, with ==, >= or >: the rule with the larger datum comes
// first; at equal datums == comes before >= and >, and otherwise the earlier rule. With 64-bit
// comparisons that holds for two rules; with three or more, libseccomp merges the rules'
// high-word tests and a call whose high word is above every datum's gets an action that depends
// on the insertion order in ways not reproduced here, so there only ABIs that compare the low
// word (x86, arm, x32, ...) are covered. The order of the chains for the covered cases, or
// nullopt (then the IR's rule applies, as documented).
bool compares_low_word(arch::Arch a);
std::optional<std::vector<size_t>> libseccomp_first_match_order(const std::vector<Chain>& chains,
                                                                arch::Arch a) {
  if (chains.size() < 2 || (chains.size() > 2 && !compares_low_word(a))) return std::nullopt;
  bool differ = false;
  for (const Chain& c : chains) {
    if (c.conds.size() != 1) return std::nullopt;
    const ir::ArgCmp& cmp = c.conds.front();
    if (cmp.arg != chains.front().conds.front().arg) return std::nullopt;
    if (cmp.op != ir::CmpOp::Eq && cmp.op != ir::CmpOp::Ge && cmp.op != ir::CmpOp::Gt)
      return std::nullopt;
    differ = differ || c.action != chains.front().action;
  }
  if (!differ) return std::nullopt;
  std::vector<size_t> order(chains.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const ir::ArgCmp& cx = chains[x].conds.front();
    const ir::ArgCmp& cy = chains[y].conds.front();
    if (cx.value != cy.value) return cx.value > cy.value;
    return cx.op == ir::CmpOp::Eq && cy.op != ir::CmpOp::Eq;
  });
  return order;
}

// The comparison that holds exactly when `c` does not.
ir::ArgCmp negated(ir::ArgCmp c) {
  switch (c.op) {
    case ir::CmpOp::Eq: c.op = ir::CmpOp::Ne; break;
    case ir::CmpOp::Ge: c.op = ir::CmpOp::Lt; break;
    case ir::CmpOp::Gt: c.op = ir::CmpOp::Le; break;
    default: break;  // not reached: libseccomp_first_match_order admits only these
  }
  return c;
}

// libseccomp compares arguments of its 32-bit ABIs as 32-bit values: x86, arm, mips o32, ppc,
// s390, parisc, m68k, sh, and x32 and mips n32 (their syscalls take C types of 32 bits, though
// the registers the kernel copies are 64-bit).
bool compares_low_word(arch::Arch a) {
  return a == arch::Arch::X32 || a == arch::Arch::Mips64N32 || a == arch::Arch::Mips64N32El ||
         !arch::info(a).args_are_64bit;
}

ir::Action to_action(uint32_t ret) {
  return ir::Action::from_ret_or(ret, ir::Action::kill_process());
}

}  // namespace

unsigned int api_level() {
  std::lock_guard<std::mutex> l(g_mu);
  if (g_level == 0) g_level = detect_level();
  return g_level;
}

int set_api_level(unsigned int level) {
  if (level < 1 || level > 7) return -EINVAL;
  std::lock_guard<std::mutex> l(g_mu);
  g_level = level;
  return 0;
}

void reset_global_state() {
  std::lock_guard<std::mutex> l(g_mu);
  g_level = 0;
  g_notify_fd = -1;
}

int global_notify_fd() {
  std::lock_guard<std::mutex> l(g_mu);
  return g_notify_fd;
}

void set_global_notify_fd(int fd) {
  std::lock_guard<std::mutex> l(g_mu);
  g_notify_fd = fd;
}

bool action_valid(uint32_t action) {
  const uint32_t data = action & 0xffffU;
  switch (action & 0xffff0000U) {
    case kActKillProcess: return data == 0 && api_level() >= 3;
    case kActKillThread: return data == 0;
    case kActTrap: return data == 0;
    case kActErrno: return data < 4095;
    case kActTrace: return true;
    case kActLog: return data == 0 && api_level() >= 3;
    case kActAllow: return data == 0;
    case kActNotify: return data == 0 && api_level() >= 5;
    default: return false;
  }
}

Filter* as_filter(void* ctx) {
  auto* f = static_cast<Filter*>(ctx);
  if (f == nullptr || !f->valid()) return nullptr;
  return f;
}

// ---- Filter ------------------------------------------------------------------------------

Filter::Filter(uint32_t def_action) { reset(def_action); }

void Filter::reset(uint32_t def_action) {
  st_ = State{};
  st_.attrs.act_default = def_action;
  st_.attrs.act_badarch = kActKillThread;
  ArchDb d;
  d.token = native_token();
  d.arch = arch::native_arch();
  st_.arches.push_back(std::move(d));
  snapshots_.clear();
  changed();
}

int Filter::arch_exist(uint32_t token) const {
  if (token == 0) token = native_token();
  if (!token_known(token)) return -EINVAL;
  for (const ArchDb& d : st_.arches) {
    if (d.token == token) return 0;
  }
  return -EEXIST;
}

int Filter::arch_add(uint32_t token) {
  if (token == 0) token = native_token();
  if (!token_known(token)) return -EINVAL;
  if (arch_exist(token) == 0) return -EEXIST;
  auto a = arch_of_token(token);
  if (!a) return -EDOM;  // known to libseccomp, not compiled by sysfence
  // libseccomp keeps one byte order per filter: adding a big-endian arch to a little-endian
  // filter (or the reverse) is -EDOM there, so it is here too (sysfence's compiler could mix).
  if (!st_.arches.empty() &&
      arch::info(st_.arches.front().arch).big_endian != arch::info(*a).big_endian)
    return -EDOM;
  ArchDb d;
  d.token = token;
  d.arch = *a;
  st_.arches.push_back(std::move(d));
  changed();
  return 0;
}

int Filter::arch_remove(uint32_t token) {
  if (token == 0) token = native_token();
  if (!token_known(token)) return -EINVAL;
  for (auto it = st_.arches.begin(); it != st_.arches.end(); ++it) {
    if (it->token == token) {
      st_.arches.erase(it);
      changed();
      return 0;
    }
  }
  return -EEXIST;
}

int Filter::attr_get(int attr, uint32_t* value) const {
  if (value == nullptr) return -EINVAL;
  const Attrs& a = st_.attrs;
  switch (attr) {
    case kAttrActDefault: *value = a.act_default; return 0;
    case kAttrActBadarch: *value = a.act_badarch; return 0;
    case kAttrNnp: *value = a.nnp; return 0;
    case kAttrTsync: *value = a.tsync; return 0;
    case kAttrTskip: *value = a.tskip; return 0;
    case kAttrLog: *value = a.log; return 0;
    case kAttrSsb: *value = a.ssb; return 0;
    case kAttrOptimize: *value = a.optimize; return 0;
    case kAttrSysrawrc: *value = a.sysrawrc; return 0;
    case kAttrWaitkill: *value = a.waitkill; return 0;
    default: return -EINVAL;
  }
}

int Filter::attr_set(int attr, uint32_t value) {
  Attrs& a = st_.attrs;
  const uint32_t on = value ? 1 : 0;
  switch (attr) {
    case kAttrActDefault: return -EACCES;
    case kAttrActBadarch:
      if (!action_valid(value)) return -EINVAL;
      a.act_badarch = value;
      break;
    case kAttrNnp: a.nnp = on; break;
    case kAttrTsync:
      if (on && api_level() < 2) return -EOPNOTSUPP;
      // The kernel refuses TSYNC with a listener unless TSYNC_ESRCH is there too.
      if (on && api_level() < 6 && uses_notify()) return -EINVAL;
      a.tsync = on;
      break;
    case kAttrTskip: a.tskip = on; break;
    case kAttrLog:
      if (on && api_level() < 3) return -EOPNOTSUPP;
      a.log = on;
      break;
    case kAttrSsb:
      if (on && api_level() < 4) return -EOPNOTSUPP;
      a.ssb = on;
      break;
    case kAttrOptimize:
      if (value != 1 && value != 2) return -EOPNOTSUPP;
      a.optimize = value;
      break;
    case kAttrSysrawrc: a.sysrawrc = on; break;
    case kAttrWaitkill:
      if (on && api_level() < 7) return -EOPNOTSUPP;
      a.waitkill = on;
      break;
    default: return -EINVAL;
  }
  changed();
  return 0;
}

namespace {

struct Planned {
  size_t db;                      // index into State::arches
  int32_t nr;                     // number on that arch
  std::vector<ir::ArgCmp> conds;  // sorted by argument
};

}  // namespace

int Filter::add_rule(uint32_t action, int32_t nr, const ArgCmpC* args, unsigned n, bool exact) {
  if (n > 6) return -EINVAL;
  if (n > 0 && args == nullptr) return -EINVAL;
  if (st_.arches.empty()) return -EINVAL;
  // Syscall -1 is a tracer's "skip" (needs API_TSKIP); -2..-99 are never valid.
  if (nr == -1 && !st_.attrs.tskip) return -EINVAL;
  if (nr <= -2 && nr >= -99) return -EINVAL;
  if (!action_valid(action)) return -EINVAL;
  if (action == kActNotify && st_.attrs.tsync && api_level() < 6) return -EINVAL;
  if (action == st_.attrs.act_default) return -EACCES;
  if (exact && st_.arches.size() > 1) return -EOPNOTSUPP;

  // The comparisons, each argument at most once.
  std::vector<ir::ArgCmp> conds;
  bool seen[6] = {false, false, false, false, false, false};
  for (unsigned i = 0; i < n; ++i) {
    const ArgCmpC& c = args[i];
    if (c.arg > 5 || seen[c.arg]) return -EINVAL;
    seen[c.arg] = true;
    const auto arg = static_cast<uint8_t>(c.arg);
    switch (c.op) {
      case kNe: conds.push_back(ir::ArgCmp::ne(arg, c.datum_a)); break;
      case kLt: conds.push_back(ir::ArgCmp::lt(arg, c.datum_a)); break;
      case kLe: conds.push_back(ir::ArgCmp::le(arg, c.datum_a)); break;
      case kEq: conds.push_back(ir::ArgCmp::eq(arg, c.datum_a)); break;
      case kGe: conds.push_back(ir::ArgCmp::ge(arg, c.datum_a)); break;
      case kGt: conds.push_back(ir::ArgCmp::gt(arg, c.datum_a)); break;
      // libseccomp compares the masked argument with the *masked* datum.
      case kMaskedEq:
        conds.push_back(ir::ArgCmp::masked_eq(arg, c.datum_a, c.datum_b & c.datum_a));
        break;
      default: return -EINVAL;
    }
  }
  std::sort(conds.begin(), conds.end(),
            [](const ir::ArgCmp& a, const ir::ArgCmp& b) { return a.arg < b.arg; });

  // Translate to every arch of the filter; fail as a whole.
  const arch::Arch native = arch::native_arch();
  // The name only matters on another arch than the native one (the native takes the number).
  bool other_arch = false;
  for (const ArchDb& d : st_.arches) other_arch |= d.arch != native;
  const std::optional<std::string> name =
      nr == -1 || !other_arch ? std::nullopt : api_number_name(nr);
  // Scratch reused across calls (one allocation per thread, not one per rule).
  thread_local std::vector<Planned> plan;
  plan.clear();
  for (size_t di = 0; di < st_.arches.size(); ++di) {
    const ArchDb& d = st_.arches[di];
    if (nr == -1) {
      plan.push_back({di, -1, conds});
      continue;
    }
    if (d.arch == native) {
      if (nr >= 0) {
        plan.push_back({di, nr, conds});
      } else if (exact) {
        return -EDOM;  // a pseudo number cannot be added as it is
      }
      // else: absent here; libseccomp keeps the pseudo number, which never matches a real call
      continue;
    }
    if (!name) return -EFAULT;  // the number means nothing that other arches could have
    // Where the ABI multiplexes the call (socketcall/ipc), libseccomp adds the direct syscall
    // (if the ABI also has one) and the multiplexer with args[0] == the call number.
    if (auto m = arch::multiplexed_call(d.arch, *name)) {
      if (exact && !conds.empty()) return -EINVAL;
      if (auto direct = arch::syscall_number(d.arch, *name)) plan.push_back({di, *direct, conds});
      std::vector<ir::ArgCmp> mux;
      mux.push_back(ir::ArgCmp::eq(0, m->call));
      for (const ir::ArgCmp& c : conds) {
        if (c.arg != 0) mux.push_back(c);
      }
      plan.push_back({di, m->multiplexer, std::move(mux)});
      continue;
    }
    if (auto an = arch::syscall_number(d.arch, *name)) {
      plan.push_back({di, *an, conds});
    } else if (pseudo_number(*name)) {
      if (exact) return -EDOM;
    } else {
      return -EFAULT;
    }
  }

  // 32-bit ABIs (x86, arm, and x32 as libseccomp treats it) compare only the low word. A value
  // that needs 64 bits there is an error, not a silent truncation (libseccomp truncates).
  for (Planned& p : plan) {
    if (!compares_low_word(st_.arches[p.db].arch)) continue;
    for (ir::ArgCmp& c : p.conds) {
      if (!ir::fits32(c.value)) return -EINVAL;
      if (c.op == ir::CmpOp::MaskedEq) c.mask &= 0xffffffffULL;
      c.value &= 0xffffffffULL;
      c.width = ir::Width::Bits32;
    }
  }

  // libseccomp's database, per syscall. A new rule whose comparisons include all of an
  // existing rule's (it is as specific or more) is dropped, whatever its action, except that
  // equal comparisons with another action are -EEXIST. A new rule whose comparisons are a
  // subset of existing rules' (more general) replaces them when the actions agree and is
  // -EEXIST when they differ. Every arch is checked first, then the rule is applied
  // everywhere or nowhere.
  // Usually one entry per arch (two where a call is multiplexed): no allocation for a few.
  Fate few[8];
  std::vector<Fate> many;
  Fate* fates = few;
  if (plan.size() > std::size(few)) {
    many.resize(plan.size());
    fates = many.data();
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    const Planned& p = plan[i];
    const auto& rules = st_.arches[p.db].rules;
    auto it = rules.find(p.nr);
    fates[i] = it == rules.end() ? Fate::Add : fate_of(it->second, p.conds, action);
    if (fates[i] == Fate::Exists) return -EEXIST;
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    Planned& p = plan[i];
    SyscallRules& sr = st_.arches[p.db].rules[p.nr];
    if (fates[i] == Fate::Skip) continue;
    if (p.conds.empty()) {
      sr.unconditional = true;
      sr.action = action;
      sr.chains.clear();
      continue;
    }
    // Same action: the new, more general chain replaces the chains it is a prefix of.
    std::erase_if(sr.chains, [&](const Chain& e) { return is_subset(p.conds, e.conds); });
    sr.chains.push_back(Chain{std::move(p.conds), action});
  }
  changed();
  return 0;
}

// libseccomp 2.5's db_col_syscall_priority: per arch of the filter, the number is translated
// (the native arch takes it as it is, named or not; another arch needs its name, else -EFAULT),
// a pseudo number is rewritten to a multiplexer or skipped where the arch lacks the syscall;
// the first error is returned, but the arches that took the hint keep it. -1 is fine only with
// API_TSKIP.
int Filter::priority(int32_t nr, uint8_t prio) {
  if (st_.arches.empty()) return -EINVAL;
  if (nr == -1 ? st_.attrs.tskip == 0 : (nr <= -2 && nr >= -99)) return -EINVAL;
  const arch::Arch native = arch::native_arch();
  const std::optional<std::string> name = nr == -1 ? std::nullopt : api_number_name(nr);
  int rc = 0;
  for (ArchDb& d : st_.arches) {
    int32_t sc = nr;
    int r = 0;
    if (nr != -1 && d.arch != native) {
      sc = name ? resolve_name_arch(d.token, *name, false) : -1;
      if (sc == -1) r = -EFAULT;
    }
    if (r == 0 && sc < -1) {
      // A pseudo number: the multiplexer where the arch has one for it, else nothing here.
      const auto pname = pseudo_name(sc);
      const auto mux = pname ? arch::multiplexed_call(d.arch, *pname) : std::nullopt;
      if (!mux || sc > -100 || sc < -10000) continue;
      sc = mux->multiplexer;
    }
    if (r == 0) d.priority[sc] = prio;
    if (rc == 0 && r < 0) rc = r;
  }
  changed();
  return rc;
}

int Filter::merge_from(Filter& src) {
  const Attrs& a = st_.attrs;
  const Attrs& b = src.st_.attrs;
  // libseccomp compares only these three; the other attributes stay the destination's.
  if (a.act_default != b.act_default || a.nnp != b.nnp || a.tsync != b.tsync) return -EINVAL;
  if (!st_.arches.empty() && !src.st_.arches.empty() &&
      arch::info(st_.arches.front().arch).big_endian !=
          arch::info(src.st_.arches.front().arch).big_endian)
    return -EDOM;  // one byte order per filter, as in libseccomp
  for (const ArchDb& d : src.st_.arches) {
    if (arch_exist(d.token) == 0) return -EEXIST;
  }
  for (ArchDb& d : src.st_.arches) st_.arches.push_back(std::move(d));
  changed();
  return 0;
}

int Filter::transaction_start() {
  snapshots_.push_back(st_);
  return 0;
}

void Filter::transaction_reject() {
  if (snapshots_.empty()) return;
  st_ = std::move(snapshots_.back());
  snapshots_.pop_back();
  changed();
}

int Filter::transaction_commit() {
  if (snapshots_.empty()) return -EINVAL;
  snapshots_.pop_back();
  return 0;
}

bool Filter::uses_notify() const {
  if (st_.attrs.act_default == kActNotify) return true;
  for (const ArchDb& d : st_.arches) {
    for (const auto& [nr, sr] : d.rules) {
      if (sr.unconditional && sr.action == kActNotify) return true;
      for (const Chain& c : sr.chains) {
        if (c.action == kActNotify) return true;
      }
    }
  }
  return false;
}

Result<ir::PolicySpec> Filter::spec() const {
  if (st_.arches.empty()) {
    Error e;
    e.message = "the filter has no architecture";
    return e;
  }
  ir::PolicySpec s;
  s.default_action = to_action(st_.attrs.act_default);
  s.bad_arch_action = to_action(st_.attrs.act_badarch);
  s.missing_syscall = ir::MissingSyscall::Ignore;
  size_t count = 0;
  for (const ArchDb& d : st_.arches) {
    s.arches.push_back(d.arch);
    for (const auto& [nr, sr] : d.rules) count += sr.unconditional ? 1 : sr.chains.size();
  }
  s.rules.reserve(count);
  for (const ArchDb& d : st_.arches) {
    for (const auto& [nr, sr] : d.rules) {
      auto add = [&, nr = nr](const std::vector<ir::ArgCmp>& conds, uint32_t action) {
        ir::Rule& r = s.rules.emplace_back();  // in place: a Rule is large (names, locations)
        r.nr = nr;
        r.only_arch = d.arch;
        if (!conds.empty()) r.conds = conds;
        r.action = to_action(action);
      };
      if (sr.unconditional) {
        add({}, sr.action);
        continue;
      }
      if (auto order = libseccomp_first_match_order(sr.chains, d.arch)) {
        // First match in libseccomp's order: each rule also requires that no earlier rule with
        // another action matches, so the rules are disjoint and the IR never has to choose.
        for (size_t i : *order) {
          const Chain& c = sr.chains[i];
          std::vector<ir::ArgCmp> conds = c.conds;
          for (size_t j : *order) {
            if (j == i) break;
            if (sr.chains[j].action != c.action)
              conds.push_back(negated(sr.chains[j].conds.front()));
          }
          if (ir::never_holds(conds, d.arch).empty()) add(conds, c.action);
        }
        continue;
      }
      for (const Chain& c : sr.chains) {
        // A comparison that can never hold makes the rule a no-op (libseccomp accepts it).
        bool ok = true;
        for (const ir::ArgCmp& cmp : c.conds) ok = ok && satisfiable(cmp, d.arch);
        if (ok) add(c.conds, c.action);
      }
    }
  }
  return s;
}

Result<bpf::Program> Filter::program() {
  auto stack = programs();
  if (!stack) return stack.error();
  if (stack->size() == 1) return stack->front();
  Error e;
  e.message = "the filter compiles to " + std::to_string(stack->size()) +
              " stacked filters (past 4096 instructions); one BPF program cannot hold it";
  e.hint = "seccomp_load() installs the stack; an export needs fewer argument rules";
  e.sys_errno = E2BIG;
  return e;
}

Result<std::vector<bpf::Program>> Filter::programs() {
  if (cache_) return *cache_;
  auto s = spec();
  if (!s) return s.error();
  auto policy = ir::ValidatedPolicy::build(std::move(*s));
  if (!policy) return policy.error();
  // Priorities become a frequency profile: higher priority, more weight.
  compiler::FrequencyProfile profile;
  compiler::Options opts;
  for (const ArchDb& d : st_.arches) {
    for (const auto& [nr, prio] : d.priority) profile[{d.arch, nr}] = 1.0 + prio;
  }
  if (!profile.empty()) opts.profile = &profile;
  auto prog = compiler::compile_stack(*policy, opts);
  if (!prog) return prog.error();
  cache_ = std::move(*prog);
  return *cache_;
}

}  // namespace sysfence::compat
