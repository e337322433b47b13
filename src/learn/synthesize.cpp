// src/learn/synthesize.cpp — observations to policy text (see sysfence/learn/learn.hpp).
#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>

#include "sysfence/arch/constants.hpp"
#include "sysfence/support/format.hpp"
#include "sysfence/frontend/groups.hpp"
#include "sysfence/learn/learn.hpp"

namespace sysfence::learn {
namespace {

using arch::Arch;

// How the arguments of a syscall are learned.
enum class Kind { Values1, Values2, FlagMask, ProtExec, MmapExec };
struct ArgSpec {
  std::string_view name;
  Kind kind;
  uint8_t a;                  // first argument index
  uint8_t b;                  // second (Values2, MmapExec)
  std::string_view prefix_a;  // constant families for naming values, '|'-separated
  std::string_view prefix_b;
};

constexpr uint64_t kProtExec = 0x4;
constexpr uint64_t kMapAnonymous = 0x20;  // the same value on the six ABIs

constexpr ArgSpec kSpecs[] = {
    {"clone", Kind::FlagMask, 0, 0, "CLONE_", ""},
    {"socket", Kind::Values2, 0, 1, "AF_", "SOCK_"},
    {"socketpair", Kind::Values2, 0, 1, "AF_", "SOCK_"},
    {"ioctl", Kind::Values1, 1, 0, "TIOC|FIO|TC", ""},
    {"prctl", Kind::Values1, 0, 0, "PR_", ""},
    {"fcntl", Kind::Values1, 1, 0, "F_", ""},
    {"fcntl64", Kind::Values1, 1, 0, "F_", ""},
    {"personality", Kind::Values1, 0, 0, "PER_", ""},
    {"mprotect", Kind::ProtExec, 2, 0, "", ""},
    {"pkey_mprotect", Kind::ProtExec, 2, 0, "", ""},
    {"mmap", Kind::MmapExec, 2, 3, "", ""},
    {"mmap2", Kind::MmapExec, 2, 3, "", ""},
    {"setsockopt", Kind::Values2, 1, 2, "SOL_|IPPROTO_", "SO_|TCP_|IP_|IPV6_"},
    {"kill", Kind::Values1, 1, 0, "SIG", ""},
    {"tkill", Kind::Values1, 1, 0, "SIG", ""},
    {"tgkill", Kind::Values1, 2, 0, "SIG", ""},
};

const ArgSpec* spec_for(std::string_view name) {
  for (const ArgSpec& s : kSpecs)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::string_view> name_of(Arch a, int32_t nr) { return arch::syscall_name(a, nr); }

// Names that share a prefix with a family but are not values of the argument (lock types and
// seal bits next to fcntl commands, prctl sub-options, address-family aliases).
bool is_value_name(std::string_view name) {
  auto starts = [&](std::string_view p) { return name.substr(0, p.size()) == p; };
  for (std::string_view p :
       {"F_RDLCK", "F_WRLCK", "F_UNLCK", "F_EXLCK", "F_SHLCK", "F_OWNER_", "F_SEAL_",
        "F_LINUX_SPECIFIC_BASE", "AF_LOCAL", "AF_FILE", "AF_ROUTE", "AF_MAX", "PR_SET_MM_",
        "PR_SET_PTRACER_ANY", "PR_SET_VMA_ANON_NAME", "PR_SVE_VL_", "PR_SME_VL_", "SOCK_CLOEXEC",
        "SOCK_NONBLOCK",
        // values of socket options, not options (setsockopt's optname)
        "TCP_COOKIE_IN_", "TCP_COOKIE_OUT_", "TCP_COOKIE_MIN", "TCP_COOKIE_MAX", "TCP_COOKIE_PAIR_",
        "TCP_MD5SIG_FLAG_", "TCP_MD5SIG_MAXKEYLEN", "TCP_REPAIR_ON", "TCP_REPAIR_OFF",
        "TCP_S_DATA_", "TCP_MSS", "TCP_MAXWIN", "TCP_MAX_WINSHIFT", "IP_DEFAULT_MULTICAST_",
        "IP_PMTUDISC", "IP_MAX_MEMBERSHIPS"})
    if (starts(p)) return false;
  if (starts("PR_"))
    return starts("PR_GET_") || starts("PR_SET_") || starts("PR_CAPBSET_") || starts("PR_TASK_") ||
           starts("PR_MPX_") || name == "PR_CAP_AMBIENT" || name == "PR_MCE_KILL" ||
           name == "PR_MCE_KILL_GET" || name == "PR_SCHED_CORE" || starts("PR_SVE_") ||
           starts("PR_SME_") || starts("PR_RISCV_") || name == "PR_PAC_RESET_KEYS" ||
           starts("PR_PAC_SET") || starts("PR_PAC_GET") || starts("PR_LOCK_");
  return true;
}

// A constant of one of the families in `prefixes` whose low 32 bits are `v`, when exactly one
// name (aliases with the same spelling family aside) has that value; else a number.
std::string value_name(Arch a, std::string_view prefixes, uint32_t v) {
  if (prefixes == "SIG") {
    if (v == 0) return "0";
    if (auto n = arch::signal_name(static_cast<int>(v))) return std::string(*n);
    return std::to_string(v);
  }
  std::set<std::string_view> found;
  size_t start = 0;
  while (start < prefixes.size()) {
    size_t end = prefixes.find('|', start);
    if (end == std::string_view::npos) end = prefixes.size();
    for (const auto& c : arch::constants_with_prefix(a, prefixes.substr(start, end - start)))
      if (static_cast<uint32_t>(c.value) == v && is_value_name(c.name)) found.insert(c.name);
    start = end + 1;
  }
  if (found.size() == 1) return std::string(*found.begin());
  return v < 10 ? std::to_string(v) : hex(v);
}

// socket types: a base type plus SOCK_CLOEXEC / SOCK_NONBLOCK.
std::string sock_type_name(Arch a, uint32_t v) {
  std::string out;
  uint32_t rest = v;
  for (std::string_view flag : {"SOCK_CLOEXEC", "SOCK_NONBLOCK"}) {
    auto f = arch::constant_value(a, flag);
    if (f && (rest & *f) == *f && *f != 0) {
      rest &= ~static_cast<uint32_t>(*f);
      out += "|" + std::string(flag);
    }
  }
  return value_name(a, "SOCK_", rest) + out;
}

// setsockopt levels: SOL_SOCKET (1 on most ABIs, 0xffff on mips) and the IPPROTO_ numbers that
// have options of their own; the families of their option names.
constexpr std::pair<std::string_view, std::string_view> kSockoptLevels[] = {
    {"SOL_SOCKET", "SO_"},         {"IPPROTO_IP", "IP_"},     {"IPPROTO_TCP", "TCP_"},
    {"IPPROTO_UDP", "UDP_"},       {"IPPROTO_IPV6", "IPV6_"}, {"IPPROTO_RAW", ""},
    {"IPPROTO_ICMPV6", "ICMPV6_"},
};

std::string sockopt_level_name(Arch a, uint32_t v) {
  for (const auto& [level, family] : kSockoptLevels)
    if (auto c = arch::constant_value(a, level); c && static_cast<uint32_t>(*c) == v)
      return std::string(level);
  return v < 10 ? std::to_string(v) : hex(v);
}

std::string_view sockopt_option_family(std::string_view level) {
  for (const auto& [l, family] : kSockoptLevels)
    if (l == level) return family;
  return "";
}

std::string arg_name(Arch a, std::string_view syscall, uint8_t idx) {
  auto names = arch::syscall_arg_names(a, syscall);
  if (idx < names.size() && !names[idx].empty()) return std::string(names[idx]);
  return "arg" + std::to_string(idx);
}

std::string value_list(const std::vector<std::string>& vals) {
  if (vals.size() == 1) return " == " + vals[0];
  std::string s = " in {";
  for (size_t i = 0; i < vals.size(); ++i) s += (i ? ", " : "") + vals[i];
  return s + "}";
}

std::string calls_comment(uint64_t n) { return std::to_string(n) + (n == 1 ? " call" : " calls"); }

struct Line {
  std::string text;
  std::string comment;
};

// The rule lines for one syscall on one arch.
std::vector<Line> lines_for(Arch a, std::string_view name, const Observations::PerSyscall& ps) {
  const ArgSpec* sp = spec_for(name);
  const std::string n(name);
  // Never `clone3: allow`: its flags (namespaces...) are in memory, where no filter can check
  // them. ENOSYS makes glibc fall back to clone, whose flags the policy checks; the tracer
  // answered it ENOSYS too, so the run's clone fallback is what was recorded.
  if (name == "clone3")
    return {{"clone3: errno ENOSYS", calls_comment(ps.count) + " (answered ENOSYS while traced)"}};
  if (!sp) return {{n + ": allow", calls_comment(ps.count)}};
  switch (sp->kind) {
    case Kind::Values1: {
      std::vector<std::string> vals;
      for (const auto& [k, c] : ps.keys)
        vals.push_back(value_name(a, sp->prefix_a, static_cast<uint32_t>(k[0])));
      return {{n + ": u32(" + arg_name(a, name, sp->a) + ")" + value_list(vals),
               calls_comment(ps.count)}};
    }
    case Kind::Values2: {
      std::map<uint32_t, std::vector<std::pair<uint32_t, uint64_t>>> by_first;
      for (const auto& [k, c] : ps.keys)
        by_first[static_cast<uint32_t>(k[0])].push_back({static_cast<uint32_t>(k[1]), c});
      std::vector<Line> out;
      for (const auto& [first, seconds] : by_first) {
        std::vector<std::string> vals;
        uint64_t cnt = 0;
        // setsockopt: the option's name depends on the level (SO_REUSEADDR and TCP_MAXSEG are
        // both 2), so the level picks the family; a level without one gives numbers.
        std::string first_name = value_name(a, sp->prefix_a, first);
        std::string_view family_b = sp->prefix_b;
        if (name == "setsockopt") {
          first_name = sockopt_level_name(a, first);
          family_b = sockopt_option_family(first_name);
        }
        for (const auto& [v, c] : seconds) {
          vals.push_back(family_b == "SOCK_" ? sock_type_name(a, v)
                         : family_b.empty()  ? (v < 10 ? std::to_string(v) : hex(v))
                                             : value_name(a, family_b, v));
          cnt += c;
        }
        out.push_back({n + ": u32(" + arg_name(a, name, sp->a) + ") == " + first_name + " && u32(" +
                           arg_name(a, name, sp->b) + ")" + value_list(vals),
                       calls_comment(cnt)});
      }
      return out;
    }
    case Kind::FlagMask: {
      uint32_t seen = 0;
      for (const auto& [k, c] : ps.keys) seen |= static_cast<uint32_t>(k[0]);
      std::string names;
      uint32_t rest = seen;
      for (const auto& c : arch::constants_with_prefix(a, sp->prefix_a)) {
        const auto v = static_cast<uint32_t>(c.value);
        if (v != 0 && (v & (v - 1)) == 0 && (rest & v)) {
          names += (names.empty() ? "" : "|") + std::string(c.name);
          rest &= ~v;
        }
      }
      if (rest) names += (names.empty() ? "" : "|") + value_name(a, "SIG", rest & 0xff);
      return {{n + ": (u32(" + arg_name(a, name, sp->a) + ") & " + hex(~seen & 0xffffffffULL) +
                   ") == 0",
               "flags seen: " + (names.empty() ? std::string("0") : names) + "; " +
                   calls_comment(ps.count)}};
    }
    case Kind::ProtExec: {
      bool exec = false;
      for (const auto& [k, c] : ps.keys) exec = exec || k[0] != 0;
      if (exec) return {{n + ": allow", "PROT_EXEC seen; " + calls_comment(ps.count)}};
      return {{n + ": (" + arg_name(a, name, sp->a) + " & PROT_EXEC) == 0",
               "never PROT_EXEC; " + calls_comment(ps.count)}};
    }
    case Kind::MmapExec: {
      bool exec = false, anon_exec = false;
      for (const auto& [k, c] : ps.keys) {
        exec = exec || k[0] != 0;
        anon_exec = anon_exec || (k[0] != 0 && k[1] != 0);
      }
      const std::string prot = arg_name(a, name, sp->a), flags = arg_name(a, name, sp->b);
      if (anon_exec)
        return {{n + ": allow", "anonymous PROT_EXEC seen; " + calls_comment(ps.count)}};
      if (exec)
        return {{n + ": (" + prot + " & PROT_EXEC) == 0 || (" + flags + " & MAP_ANONYMOUS) == 0",
                 "PROT_EXEC only for files; " + calls_comment(ps.count)}};
      return {
          {n + ": (" + prot + " & PROT_EXEC) == 0", "never PROT_EXEC; " + calls_comment(ps.count)}};
    }
  }
  return {};
}

void emit(std::ostringstream& out, const std::vector<Line>& lines, const std::string& indent) {
  size_t width = 0;
  for (const Line& l : lines) width = std::max(width, l.text.size());
  width = std::min<size_t>(width, 60);
  for (const Line& l : lines) {
    out << indent << l.text;
    if (!l.comment.empty())
      out << std::string(width > l.text.size() ? width - l.text.size() : 0, ' ') << "  # "
          << l.comment;
    out << '\n';
  }
}

// The body for one arch: sections per @group, then the rest.
// `whole`: a whole policy (then clone3 gets its ENOSYS line); else lines added to a policy.
void emit_arch(std::ostringstream& out, Arch a, const Observations& seen, const SynthesisOptions& o,
               const std::string& indent, bool whole) {
  std::map<std::string_view, const Observations::PerSyscall*> used;  // by name
  std::vector<std::pair<int32_t, uint64_t>> unnamed;
  for (const auto& [key, ps] : seen.calls) {
    if (key.first != a) continue;
    if (auto nm = name_of(a, key.second))
      used[*nm] = &ps;
    else
      unnamed.push_back({key.second, ps.count});
  }
  std::set<std::string_view> placed;
  const auto clone3 = arch::syscall_number(a, "clone3");
  for (const auto& g : frontend::syscall_groups()) {
    const auto members = frontend::expand_group(g.name, a);
    std::vector<std::string_view> mine;
    bool all = !members.empty(), checked = false;
    uint64_t total = 0;
    for (auto m : members) {
      // A group with an argument-checked member (or clone3) is never named whole, used or not:
      // `@process: allow` would allow clone with namespace flags, `@signal` any kill.
      if (spec_for(m) || m == "clone3") checked = true;
      auto it = used.find(m);
      if (it == used.end() || placed.count(m)) {
        all = false;
        continue;
      }
      mine.push_back(m);
      total += it->second->count;
    }
    if (mine.empty()) continue;
    out << '\n' << indent << "# " << g.name << ": " << g.description << '\n';
    if ((all || o.coarse) && !checked) {
      std::string comment = all ? "every member used; "
                                : std::to_string(mine.size()) + " of " +
                                      std::to_string(members.size()) + " used (--coarse); ";
      emit(out, {{std::string(g.name) + ": allow", comment + calls_comment(total)}}, indent);
    } else {
      std::vector<Line> lines;
      for (auto m : mine) {
        if (m == "clone3" && whole) continue;
        auto ls = lines_for(a, m, *used[m]);
        lines.insert(lines.end(), ls.begin(), ls.end());
      }
      emit(out, lines, indent);
    }
    for (auto m : mine) placed.insert(m);
  }
  std::vector<Line> rest;
  for (const auto& [nm, ps] : used) {
    if (placed.count(nm) || (nm == "clone3" && whole)) continue;
    auto ls = lines_for(a, nm, *ps);
    rest.insert(rest.end(), ls.begin(), ls.end());
  }
  if (!rest.empty()) {
    out << '\n' << indent << "# in no @group\n";
    emit(out, rest, indent);
  }
  if (clone3 && whole) {
    uint64_t n = 0;
    if (auto it = used.find("clone3"); it != used.end()) n = it->second->count;
    out << '\n'
        << indent
        << "# clone3 passes its flags in memory, where a filter cannot look: ENOSYS makes\n"
        << indent << "# glibc fall back to clone, whose flags are checked above.\n";
    emit(
        out,
        {{"clone3: errno ENOSYS", n ? calls_comment(n) + " (answered ENOSYS while learning)" : ""}},
        indent);
  }
  for (const auto& [nr, c] : unnamed)
    out << indent << "# syscall number " << nr << " (no name in sysfence's " << arch::info(a).name
        << " table): " << calls_comment(c) << ", left to `unknown-syscall`\n";
}

// Text that goes into a `#` comment: one line, printable, bounded.
std::string comment_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += '?';
    else
      out += c;
  }
  return out;
}

std::vector<Arch> arches_of(const Observations& seen) {
  std::vector<Arch> v;
  for (const auto& [key, ps] : seen.calls)
    if (std::find(v.begin(), v.end(), key.first) == v.end()) v.push_back(key.first);
  // native first
  std::stable_sort(v.begin(), v.end(), [](Arch x, Arch y) {
    return (x == arch::native_arch()) > (y == arch::native_arch());
  });
  return v;
}

std::string arch_list(const std::vector<Arch>& v) {
  std::string s;
  for (Arch a : v) s += (s.empty() ? "" : ", ") + std::string(arch::info(a).name);
  return s;
}

}  // namespace

void Observations::add(Arch a, int32_t nr, const Args& args, uint64_t count) {
  PerSyscall& ps = calls[{a, nr}];
  ps.count += count;
  auto nm = name_of(a, nr);
  if (!nm) return;
  const ArgSpec* sp = spec_for(*nm);
  if (!sp) return;
  std::vector<uint64_t> key;
  switch (sp->kind) {
    case Kind::Values1: key = {args[sp->a] & 0xffffffffULL}; break;
    case Kind::Values2: key = {args[sp->a] & 0xffffffffULL, args[sp->b] & 0xffffffffULL}; break;
    case Kind::FlagMask: key = {args[sp->a] & 0xffffffffULL}; break;
    case Kind::ProtExec: key = {(args[sp->a] & kProtExec) ? 1u : 0u}; break;
    case Kind::MmapExec:
      key = {(args[sp->a] & kProtExec) ? 1u : 0u, (args[sp->b] & kMapAnonymous) ? 1u : 0u};
      break;
  }
  ps.keys[key] += count;
}

void Observations::merge(const Observations& other) {
  for (const auto& [k, ps] : other.calls) {
    PerSyscall& mine = calls[k];
    mine.count += ps.count;
    for (const auto& [key, c] : ps.keys) mine.keys[key] += c;
  }
  processes += other.processes;
}

uint64_t Observations::total() const {
  uint64_t t = 0;
  for (const auto& [k, ps] : calls) t += ps.count;
  return t;
}

std::string suggest_rules(const Observations& needed, const std::vector<Arch>& targets,
                          const SynthesisOptions& options) {
  std::ostringstream out;
  const auto used = arches_of(needed);
  const bool sections = targets.size() > 1;
  for (Arch a : used) {
    if (std::find(targets.begin(), targets.end(), a) == targets.end()) {
      uint64_t n = 0;
      for (const auto& [k, ps] : needed.calls)
        if (k.first == a) n += ps.count;
      out << "# " << calls_comment(n) << " came through the " << arch::info(a).name
          << " ABI, which this policy does not target (its `arch` line closes that door)\n";
      continue;
    }
    if (sections) {
      out << "arch " << arch::info(a).name << " {";
      emit_arch(out, a, needed, options, "  ", false);
      out << "}\n";
    } else {
      emit_arch(out, a, needed, options, "", false);
    }
  }
  return out.str();
}

std::string synthesize_policy(const Observations& seen, const SynthesisOptions& options) {
  std::ostringstream out;
  const auto used = arches_of(seen);
  out << "# Learned by `sysfence learn`";
  if (!options.command.empty()) out << " from: " << comment_safe(options.command);
  out << "\n# " << calls_comment(seen.total()) << " of " << seen.calls.size()
      << " distinct syscalls";
  if (seen.processes)
    out << " in " << seen.processes
        << (seen.processes == 1 ? " process" : " processes and threads");
  out << ".\n# Everything the run did not do is denied: review it, then `sysfence run --policy` "
         "it;\n"
      << "# `sysfence learn --merge` adds what other runs need.\n\n"
      << "default errno EPERM            # what the run never did\n"
      << "unknown-syscall errno ENOSYS   # numbers newer than this policy: \"not implemented\"\n"
      << "bad-arch kill-process          # an ABI the run never used\n"
      << "arch "
      << (used.empty() ? std::string(arch::info(arch::native_arch()).name) : arch_list(used))
      << '\n';
  if (used.size() <= 1) {
    emit_arch(out, used.empty() ? arch::native_arch() : used[0], seen, options, "", true);
  } else {
    for (Arch a : used) {
      out << "\narch " << arch::info(a).name << " {";
      emit_arch(out, a, seen, options, "  ", true);
      out << "}\n";
    }
  }
  return out.str();
}

std::string merge_policy(std::string_view existing, const Observations& needed,
                         const std::vector<Arch>& targets, const std::vector<std::string>& notes,
                         const SynthesisOptions& options) {
  std::string out(existing);
  if (!out.empty() && out.back() != '\n') out += '\n';
  if (needed.empty() && notes.empty()) return out;
  out += "\n# --- added by `sysfence learn --merge`";
  if (!options.command.empty()) out += " from: " + comment_safe(options.command);
  out += " ---\n";
  for (const auto& n : notes) out += "# " + comment_safe(n) + "\n";
  out += suggest_rules(needed, targets, options);
  return out;
}

std::string format_frequency(const Observations& seen) {
  std::ostringstream out;
  out << "# sysfence frequency profile (`sysfence learn --freq`): ARCH SYSCALL COUNT\n"
      << "# `sysfence compile --freq FILE` weights the dispatch tree by it.\n";
  std::vector<std::pair<uint64_t, std::pair<Arch, int32_t>>> v;
  for (const auto& [k, ps] : seen.calls) v.push_back({ps.count, k});
  std::stable_sort(v.begin(), v.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (const auto& [c, k] : v) {
    auto nm = name_of(k.first, k.second);
    out << arch::info(k.first).name << ' ' << (nm ? std::string(*nm) : std::to_string(k.second))
        << ' ' << c << '\n';
  }
  return out.str();
}

}  // namespace sysfence::learn
