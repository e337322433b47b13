// bench/report.cpp — see report.hpp.
#include "report.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

namespace bench {

namespace {

using sysfence::bpf::SeccompData;

std::vector<uint64_t> candidate_values(const ArgCmp& c) {
  std::vector<uint64_t> v;
  if (c.op == sysfence::ir::CmpOp::MaskedEq) {
    const uint64_t low = c.mask & (~c.mask + 1);  // lowest set bit of the mask
    v = {c.value, c.value ^ low, c.mask, ~uint64_t{0}, c.value | ~c.mask};
  } else {
    v = {c.value,      c.value - 1,   c.value + 1,
         ~uint64_t{0}, 0xffffffffULL, (uint64_t{1} << 32) | (c.value & 0xffffffffULL)};
  }
  return v;
}

// Probe inputs for one syscall: all-zero args, then each compared argument set to each value
// around the rule's constants (the others zero).
std::vector<SeccompData> probes_for(uint32_t audit_arch, int32_t nr,
                                    const std::vector<const ArgCmp*>& cmps) {
  std::vector<SeccompData> out;
  out.push_back(SeccompData::make(audit_arch, nr));
  std::set<std::pair<unsigned, uint64_t>> seen;
  for (const ArgCmp* c : cmps)
    for (uint64_t v : candidate_values(*c)) {
      if (v == 0 || !seen.insert({c->arg, v}).second) continue;
      SeccompData d = SeccompData::make(audit_arch, nr);
      d.args[c->arg] = v;
      out.push_back(d);
    }
  return out;
}

struct Stat {
  double sum = 0;
  int n = 0;
  uint32_t max = 0;
  void add(double mean_of_syscall, uint32_t max_of_syscall) {
    sum += mean_of_syscall;
    ++n;
    max = std::max(max, max_of_syscall);
  }
  std::string str() const {
    if (n == 0) return "-";
    char b[64];
    std::snprintf(b, sizeof b, "%.2f / %u", sum / n, max);
    return b;
  }
};

std::string hex(int32_t nr) {
  char b[16];
  std::snprintf(b, sizeof b, "%#x", static_cast<uint32_t>(nr));
  return b;
}

std::string action_str(uint32_t r) { return sysfence::bpf::action_name(r); }

}  // namespace

double cpu_us(const std::function<bool()>& fn) {
  const uint64_t t0 = thread_cpu_ns();
  if (!fn()) return -1;
  return static_cast<double>(thread_cpu_ns() - t0) / 1e3;
}

std::vector<double> interleaved_medians(const std::vector<std::function<double()>>& fns,
                                        int min_reps, double budget_ms) {
  std::vector<std::vector<double>> t(fns.size());
  std::vector<bool> failed(fns.size(), false);
  const uint64_t start = now_ns();
  for (int round = 0; round < min_reps ||
                      (static_cast<double>(now_ns() - start) < budget_ms * 1e6 && round < 1000);
       ++round) {
    // Each round starts one cell later: whichever runs first after a round's last cell pays
    // for the heap that cell freed (glibc trims and consolidates it), so no cell always does.
    for (size_t step = 0; step < fns.size(); ++step) {
      const size_t i = (static_cast<size_t>(round) + step) % fns.size();
      if (failed[i]) continue;
      const double us = fns[i]();
      if (us < 0)
        failed[i] = true;
      else
        t[i].push_back(us);
    }
  }
  std::vector<double> out;
  for (size_t i = 0; i < fns.size(); ++i) out.push_back(failed[i] ? -1 : median(t[i]));
  return out;
}

std::string fmt_us(double us) {
  char b[64];
  if (us < 0) return "error";
  if (us >= 1000)
    std::snprintf(b, sizeof b, "%.2f ms", us / 1000);
  else
    std::snprintf(b, sizeof b, "%.1f µs", us);
  return b;
}

void instruction_tables(const BenchPolicy& pol, const std::vector<Contender>& cs, size_t ref,
                        size_t classify, size_t first_checked, int worst) {
  const uint32_t aa = sysfence::bpf::kAuditArchX86_64;
  // Rules per x86_64 number.
  std::map<int32_t, std::vector<const Rule*>> by_nr;
  for (const auto& r : pol.rules)
    if (auto nr = sysfence::arch::syscall_number(Arch::X86_64, r.name)) by_nr[*nr].push_back(&r);

  // contenders: 0 ls default, 1 ls tree, 2.. sysfence variants (by convention of the caller)
  const size_t n = cs.size();
  std::vector<Stat> all_allowed(n), uncached(n), unc_args(n), unc_other(n), all_nrs(n), others(n);
  // Violations: [0] named syscalls, [1] unnamed numbers (c).
  std::vector<int> viol[2] = {std::vector<int>(n, 0), std::vector<int>(n, 0)};
  std::vector<int> viol_nr[2] = {std::vector<int>(n, 0), std::vector<int>(n, 0)};
  std::vector<int> mismatch(n, 0), cacheable_count(n, 0);
  int probes_total = 0, n_allowed = 0, n_uncached = 0;
  struct Worse {
    int32_t nr;
    std::string what;
    int delta;
  };
  std::vector<std::vector<Worse>> worse(n);

  // Every named x86_64 number, then numbers no x86_64 syscall has: the gaps and a few past the
  // table, x32 numbers (bit 30) on the x86_64 door, and the far ends of the 32-bit range.
  struct Num {
    int32_t nr;
    std::string name;
    bool named;
  };
  std::vector<Num> nums;
  const auto table = sysfence::arch::syscalls(Arch::X86_64);
  for (const auto& e : table) nums.push_back({e.nr, std::string(e.name), true});
  const int32_t last = table.empty() ? 0 : table.back().nr;
  for (int32_t x = 0; x <= last + 8; ++x)
    if (!sysfence::arch::syscall_name(Arch::X86_64, x)) nums.push_back({x, hex(x), false});
  for (uint32_t x : {0x3fffffffU, 0x40000000U, 0x40000001U, 0x40000200U, 0x7fffffffU, 0x80000000U,
                     0xfffffffeU, 0xffffffffU})
    nums.push_back({static_cast<int32_t>(x), hex(static_cast<int32_t>(x)), false});
  for (const auto& e : nums) {
    const int32_t nr = e.nr;
    std::vector<const ArgCmp*> cmps;
    bool allowed = false, has_args = false;
    for (const Rule* r : by_nr[nr]) {
      allowed = allowed || r->action.kind == sysfence::ir::ActionKind::Allow;
      for (const auto& c : r->args) {
        cmps.push_back(&c);
        has_args = true;
      }
    }
    // Classified by sysfence's default (cache-aware) program: the kernel caches nr on x86_64?
    const bool is_cached = cacheable(cs[classify].prog, Arch::X86_64, nr);
    if (e.named)
      for (size_t i = 0; i < n; ++i) cacheable_count[i] += cacheable(cs[i].prog, Arch::X86_64, nr);
    const auto probes = probes_for(aa, nr, cmps);
    probes_total += static_cast<int>(probes.size());
    std::vector<std::vector<EmuResult>> res(n);
    for (size_t i = 0; i < n; ++i)
      for (const auto& d : probes) res[i].push_back(emulate(cs[i].prog, d));
    for (size_t i = 0; i < n; ++i) {
      double sum = 0;
      uint32_t mx = 0;
      bool worse_here = false;
      for (size_t k = 0; k < probes.size(); ++k) {
        sum += res[i][k].insns;
        mx = std::max(mx, res[i][k].insns);
        if (res[i][k].ret != res[ref][k].ret) ++mismatch[i];
        if (res[i][k].insns > res[ref][k].insns) {
          ++viol[e.named ? 0 : 1][i];
          if (!worse_here)
            worse[i].push_back(
                {nr,
                 e.named ? e.name + "(" + std::to_string(nr) + ")" + (has_args ? " (args)" : "")
                         : "nr " + e.name,
                 static_cast<int>(res[i][k].insns) - static_cast<int>(res[ref][k].insns)});
          worse_here = true;
        }
      }
      viol_nr[e.named ? 0 : 1][i] += worse_here;
      const double mean = sum / static_cast<double>(probes.size());
      if (!e.named) {
        others[i].add(mean, mx);
        continue;
      }
      all_nrs[i].add(mean, mx);
      if (allowed) all_allowed[i].add(mean, mx);
      if (!is_cached) {
        uncached[i].add(mean, mx);
        (has_args ? unc_args[i] : unc_other[i]).add(mean, mx);
      }
    }
    n_allowed += e.named && allowed;
    n_uncached += e.named && !is_cached;
  }

  std::printf("\n#### Executed instructions per syscall — %s, x86_64 (emulator)\n\n",
              pol.title.c_str());
  std::printf(
      "mean / max over syscalls; a syscall's value is the mean (max) over its probe inputs "
      "(%d probes over %zu numbers). Uncached = not constant-allow in %s's program "
      "(the kernel runs BPF for these). Violations and mismatches count every probe, "
      "(c) included.\n\n",
      probes_total, nums.size(), cs[classify].name.c_str());
  std::printf("| set | syscalls |");
  for (const auto& c : cs) std::printf(" %s |", c.name.c_str());
  std::printf("\n|---|---:|");
  for (size_t i = 0; i < n; ++i) std::printf("---:|");
  std::printf("\n");
  auto row = [&](const char* title, int count, const std::vector<Stat>& s) {
    std::printf("| %s | %d |", title, count);
    for (const auto& x : s) std::printf(" %s |", x.str().c_str());
    std::printf("\n");
  };
  row("(a) every allowed syscall", n_allowed, all_allowed);
  row("(b) uncached paths (all)", n_uncached, uncached);
  row("(b1) uncached, argument-checked", unc_args[0].n, unc_args);
  row("(b2) uncached, errno/other action", unc_other[0].n, unc_other);
  row("every x86_64 syscall number", all_nrs[0].n, all_nrs);
  row("(c) unnamed numbers: gaps, past the table, x32 bit, -1", others[0].n, others);
  std::printf("| cacheable numbers (kernel bitmap) | |");
  for (size_t i = 0; i < n; ++i) std::printf(" %d |", cacheable_count[i]);
  std::printf("\n| probes costing more than %s (syscalls) | |", cs[ref].name.c_str());
  for (size_t i = 0; i < n; ++i) std::printf(" %d (%d) |", viol[0][i], viol_nr[0][i]);
  std::printf("\n| same, unnamed numbers (c) | |");
  for (size_t i = 0; i < n; ++i) std::printf(" %d (%d) |", viol[1][i], viol_nr[1][i]);
  std::printf("\n| probes whose action differs from %s | |", cs[ref].name.c_str());
  for (size_t i = 0; i < n; ++i) std::printf(" %d |", mismatch[i]);
  std::printf("\n");
  for (size_t i = first_checked; i < n; ++i) {
    if (worse[i].empty()) continue;
    std::sort(worse[i].begin(), worse[i].end(),
              [](const Worse& a, const Worse& b) { return a.delta > b.delta; });
    std::printf("\n%s costs more than %s on:", cs[i].name.c_str(), cs[ref].name.c_str());
    for (size_t k = 0; k < worse[i].size() && static_cast<int>(k) < worst; ++k)
      std::printf(" %s +%d%s", worse[i][k].what.c_str(), worse[i][k].delta,
                  k + 1 < worse[i].size() ? "," : "");
    if (static_cast<int>(worse[i].size()) > worst) std::printf(" ... (%zu total)", worse[i].size());
    std::printf("\n");
  }
  // Action mismatches are correctness bugs in one of the two: list a few.
  for (size_t i = first_checked; i < n; ++i) {
    if (!mismatch[i]) continue;
    int shown = 0;
    std::printf("\nACTION MISMATCH %s vs %s:", cs[i].name.c_str(), cs[ref].name.c_str());
    for (const auto& e : nums) {
      std::vector<const ArgCmp*> cmps;
      for (const Rule* r : by_nr[e.nr])
        for (const auto& c : r->args) cmps.push_back(&c);
      for (const auto& d : probes_for(aa, e.nr, cmps)) {
        const auto a = emulate(cs[i].prog, d), b = emulate(cs[ref].prog, d);
        if (a.ret != b.ret && shown++ < 8)
          std::printf(" %s(a0=%#" PRIx64 ",a1=%#" PRIx64 ",a2=%#" PRIx64 "): %s vs %s;",
                      e.name.c_str(), d.args[0], d.args[1], d.args[2], action_str(a.ret).c_str(),
                      action_str(b.ret).c_str());
      }
    }
    std::printf("\n");
  }
}

void print_path(const Program& p, const SeccompData& d) {
  using namespace sysfence::bpf;
  uint32_t A = 0, Xr = 0, M[16] = {}, words[16];
  static_assert(sizeof words == sizeof d);
  std::memcpy(words, &d, sizeof words);
  for (size_t pc = 0; pc < p.size(); ++pc) {
    const Insn& i = p[pc];
    std::printf("    %4zu: code=%#06x jt=%-3u jf=%-3u k=%#010x   A=%#x\n", pc, i.code, i.jt, i.jf,
                i.k, A);
    const uint32_t v = src_of(i.code) == X ? Xr : i.k;
    switch (class_of(i.code)) {
      case LD:
        A = mode_of(i.code) == ABS   ? words[(i.k / 4) % 16]
            : mode_of(i.code) == MEM ? M[i.k % 16]
            : mode_of(i.code) == LEN ? 64
                                     : i.k;
        break;
      case LDX:
        Xr = mode_of(i.code) == MEM ? M[i.k % 16] : mode_of(i.code) == LEN ? 64 : i.k;
        break;
      case ST: M[i.k % 16] = A; break;
      case STX: M[i.k % 16] = Xr; break;
      case ALU:
        switch (op_of(i.code)) {
          case ADD: A += v; break;
          case SUB: A -= v; break;
          case MUL: A *= v; break;
          case DIV: A = v ? A / v : 0; break;
          case MOD: A = v ? A % v : 0; break;
          case OR: A |= v; break;
          case AND: A &= v; break;
          case XOR: A ^= v; break;
          case LSH: A <<= (v & 31); break;
          case RSH: A >>= (v & 31); break;
          case NEG: A = 0 - A; break;
        }
        break;
      case JMP:
        switch (op_of(i.code)) {
          case JA: pc += i.k; break;
          case JEQ: pc += A == v ? i.jt : i.jf; break;
          case JGT: pc += A > v ? i.jt : i.jf; break;
          case JGE: pc += A >= v ? i.jt : i.jf; break;
          case JSET: pc += (A & v) ? i.jt : i.jf; break;
        }
        break;
      case RET: return;
      case MISC:
        if (i.code & TXA)
          A = Xr;
        else
          Xr = A;
        break;
    }
  }
}

}  // namespace bench
