// sysfence — the C++ builder API (sysfence/sysfence.hpp): fills an ir::PolicySpec.
#include <algorithm>

#include "sysfence/loader/loader.hpp"
#include "sysfence/sysfence.hpp"

namespace sysfence {

Cond operator&&(const Cond& a, const Cond& b) {
  Cond r;
  r.too_large_ = a.too_large_ || b.too_large_;
  r.alts_.clear();
  for (const auto& x : a.alts_) {
    for (const auto& y : b.alts_) {
      std::vector<ir::ArgCmp> both = x;
      both.insert(both.end(), y.begin(), y.end());
      r.alts_.push_back(std::move(both));
    }
  }
  return r;
}

Cond operator||(const Cond& a, const Cond& b) {
  Cond r;
  r.too_large_ = a.too_large_ || b.too_large_;
  r.alts_ = a.alts_;
  r.alts_.insert(r.alts_.end(), b.alts_.begin(), b.alts_.end());
  return r;
}

Cond operator!(const Cond& c) {
  Cond r(c.alts_);
  r.too_large_ = c.too_large_ || ir::negate(r.alts_) != ir::DnfOverflow::None;
  return r;
}

SourceLoc Policy::loc(const Where& w) {
  SourceLoc l;
  l.file = w.file_name();
  l.line = static_cast<int>(w.line());
  l.col = static_cast<int>(w.column());
  return l;
}

Policy::Policy(Action deflt, Where w) {
  spec_.default_action = deflt;
  spec_.loc = loc(w);
}

Policy Policy::deny_by_default(Action deflt, Where w) { return Policy(deflt, w); }
Policy Policy::allow_by_default(Where w) { return Policy(kAllow, w); }

// A condition past ir::DnfLimits is recorded here and reported by build().
void Policy::note_too_large(std::string_view syscall, const Cond& c, Where w) {
  if (!c.too_large()) return;
  Error e;
  e.message = "the condition for " + std::string(syscall.empty() ? "a syscall number" : syscall) +
              " expands into more than " + std::to_string(ir::DnfLimits{}.max_conjunctions) +
              " rules or " + std::to_string(ir::DnfLimits{}.max_comparisons) + " comparisons";
  e.where = loc(w);
  e.hint =
      "simplify it (a negated OR of many values multiplies out), or split it over several rules";
  errors_.push_back(std::move(e));
}

Policy& Policy::on(std::string_view syscall, Action a, const Cond& c, Where w) & {
  note_too_large(syscall, c, w);
  for (const auto& alt : c.alternatives()) {
    ir::Rule r = ir::Rule::on(std::string(syscall), a, alt);
    r.loc = loc(w);
    spec_.rules.push_back(std::move(r));
  }
  return *this;
}

Policy& Policy::allow(std::initializer_list<std::string_view> syscalls, Where w) & {
  for (std::string_view s : syscalls) on(s, kAllow, {}, w);
  return *this;
}

Policy& Policy::on_number(int32_t nr, Arch a, Action act, const Cond& c, Where w) & {
  note_too_large({}, c, w);
  for (const auto& alt : c.alternatives()) {
    ir::Rule r;
    r.nr = nr;
    r.only_arch = a;
    r.action = act;
    r.conds = alt;
    r.loc = loc(w);
    spec_.rules.push_back(std::move(r));
  }
  return *this;
}

Policy& Policy::on_arch(std::initializer_list<Arch> arches) & {
  spec_.arches.insert(spec_.arches.end(), arches.begin(), arches.end());
  return *this;
}

Policy& Policy::on_bad_arch(Action a) & {
  spec_.bad_arch_action = a;
  return *this;
}

Policy& Policy::unknown_syscalls(Action a) & {
  spec_.unknown_syscall_action = a;
  return *this;
}

Policy& Policy::missing_syscalls(ir::MissingSyscall m) & {
  spec_.missing_syscall = m;
  return *this;
}

Result<ir::ValidatedPolicy> Policy::build() const {
  if (!errors_.empty()) return errors_.front();
  return ir::ValidatedPolicy::build(spec_);
}

Result<bpf::Program> Policy::compile(const compiler::Options& o) const {
  auto p = build();
  if (!p) return p.error();
  return compiler::compile(*p, o);
}

Result<loader::Installed> Policy::install() const {
  loader::FilterOptions opts;
  opts.set_no_new_privs = true;
  return install(opts);
}

Result<loader::Installed> Policy::install(const loader::FilterOptions& opts,
                                          const compiler::Options& o) const {
  auto p = build();
  if (!p) return p.error();
  auto stack = compiler::compile_stack(*p, o);  // past 4096 instructions: stacked filters
  if (!stack) return stack.error();
  return loader::install_filters(*stack, opts);
}

}  // namespace sysfence
