// sysfence/arch/constants — lookups over the generated per-ABI constant tables.
//
//   auto v = sysfence::arch::constant_value(sysfence::arch::Arch::Arm, "O_LARGEFILE");  // 0400000
//
// The data is src/arch/constants_table.inc (scripts/gen_constants.py); this file only searches.
#include "sysfence/arch/constants.hpp"
#include "sysfence/support/nearest.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace sysfence::arch {
namespace detail {
#include "arch/constants_table.inc"
}  // namespace detail

namespace {

// Tables for the first ABIs of Arch (x86_64 .. riscv64); the others have none (see arch.hpp).
static_assert(std::size(detail::kConstantTables) == static_cast<size_t>(Arch::RiscV64) + 1);

std::span<const NamedConstant> table(Arch a) {
  const auto i = static_cast<size_t>(a);
  if (i >= std::size(detail::kConstantTables)) return {};
  return detail::kConstantTables[i];
}

const NamedConstant* find_in(std::span<const NamedConstant> t, std::string_view name) {
  auto it = std::lower_bound(t.begin(), t.end(), name,
                             [](const NamedConstant& c, std::string_view n) { return c.name < n; });
  return it != t.end() && it->name == name ? &*it : nullptr;
}

}  // namespace

std::optional<uint64_t> constant_value(Arch a, std::string_view name) {
  const NamedConstant* c = find_in(table(a), name);
  if (!c) return std::nullopt;
  return c->value;
}

std::optional<NamedConstant> find_constant(Arch a, std::string_view name) {
  const NamedConstant* c = find_in(table(a), name);
  if (!c) return std::nullopt;
  return *c;
}

std::span<const NamedConstant> constants(Arch a) { return table(a); }

std::span<const NamedConstant> constants_with_prefix(Arch a, std::string_view prefix) {
  auto t = table(a);
  auto lo = std::lower_bound(t.begin(), t.end(), prefix,
                             [](const NamedConstant& c, std::string_view p) { return c.name < p; });
  auto hi = lo;
  while (hi != t.end() && hi->name.starts_with(prefix)) ++hi;
  return {lo, hi};
}

std::string nearest_constant_name(Arch a, std::string_view name) {
  if (name.empty()) return {};
  const size_t cap = name.size() <= 4 ? 1 : name.size() <= 8 ? 2 : 3;
  std::string_view best;
  size_t best_d = cap + 1;
  for (const NamedConstant& c : table(a)) {
    const size_t gap =
        c.name.size() > name.size() ? c.name.size() - name.size() : name.size() - c.name.size();
    if (gap >= best_d) continue;
    const size_t d = edit_distance(name, c.name, best_d);
    if (d < best_d) {
      best_d = d;
      best = c.name;
    }
  }
  return std::string(best);
}

std::optional<int> errno_from_name(std::string_view name) {
  const NamedConstant* c = find_in(detail::kErrnoNames, name);
  if (!c) return std::nullopt;
  return static_cast<int>(c->value);
}

std::optional<std::string_view> errno_name(int value) {
  if (value < 0 || static_cast<size_t>(value) >= std::size(detail::kErrnoByValue) ||
      detail::kErrnoByValue[value].empty())
    return std::nullopt;
  return detail::kErrnoByValue[value];
}

std::span<const NamedConstant> errno_names() { return detail::kErrnoNames; }

std::optional<int> signal_from_name(std::string_view name) {
  const NamedConstant* c = find_in(detail::kSignalNames, name);
  if (!c && !name.starts_with("SIG")) {
    std::string full = "SIG";
    full += name;
    c = find_in(detail::kSignalNames, full);
  }
  if (!c) return std::nullopt;
  return static_cast<int>(c->value);
}

std::optional<std::string_view> signal_name(int value) {
  if (value < 0 || static_cast<size_t>(value) >= std::size(detail::kSignalByValue) ||
      detail::kSignalByValue[value].empty())
    return std::nullopt;
  return detail::kSignalByValue[value];
}

std::span<const NamedConstant> signal_names() { return detail::kSignalNames; }

namespace {
// CAP_* by number, from the constants table (the same numbers on every ABI).
const std::array<std::string_view, kCapabilityCount>& capability_table() {
  static const std::array<std::string_view, kCapabilityCount> table = [] {
    std::array<std::string_view, kCapabilityCount> t{};
    for (const NamedConstant& c : constants_with_prefix(Arch::X86_64, "CAP_")) {
      if (c.value < kCapabilityCount) t[c.value] = c.name;
    }
    return t;
  }();
  return table;
}
}  // namespace

std::optional<std::string_view> capability_name(int cap) {
  if (cap < 0 || cap >= kCapabilityCount || capability_table()[cap].empty()) return std::nullopt;
  return capability_table()[cap];
}

std::optional<int> capability_from_name(std::string_view name) {
  for (int i = 0; i < kCapabilityCount; ++i) {
    if (capability_table()[i] == name) return i;
  }
  return std::nullopt;
}

}  // namespace sysfence::arch
