// src/compat/syscalls.cpp — arch tokens, syscall names and pseudo numbers for the
// libseccomp-compatible API. Numbers come from sysfence's arch tables; pseudo numbers from the
// generated pseudo_syscalls.inc (libseccomp's __PNR_* values and sysfence's __SFNR_* ones).
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "compat/filter.hpp"

namespace sysfence::compat {

namespace {

struct PseudoEntry {
  std::string_view name;
  int32_t nr;
  bool from_libseccomp;
};
#include "compat/pseudo_syscalls.inc"

// libseccomp's arch tokens and names: arch::ArchInfo's scmp_token and scmp_name.
const arch::ArchInfo* find_token(uint32_t token) {
  if (token == 0) token = native_token();
  for (const arch::ArchInfo& t : arch::all_arches()) {
    if (t.scmp_token == token) return &t;
  }
  return nullptr;
}

}  // namespace

uint32_t token_of_arch(arch::Arch a) { return arch::info(a).scmp_token; }

uint32_t native_token() { return token_of_arch(arch::native_arch()); }

std::optional<arch::Arch> arch_of_token(uint32_t token) {
  const arch::ArchInfo* t = find_token(token);
  if (!t) return std::nullopt;
  return t->arch;
}

bool token_known(uint32_t token) { return find_token(token) != nullptr; }

uint32_t resolve_arch_name(std::string_view name) {
  for (const arch::ArchInfo& t : arch::all_arches()) {
    if (t.scmp_name == name) return t.scmp_token;
  }
  return 0;
}

std::string_view arch_token_name(uint32_t token) {
  const arch::ArchInfo* t = find_token(token);
  return t ? t->scmp_name : std::string_view{};
}

std::optional<int32_t> pseudo_number(std::string_view name) {
  auto it = std::lower_bound(std::begin(kPseudo), std::end(kPseudo), name,
                             [](const PseudoEntry& e, std::string_view n) { return e.name < n; });
  if (it == std::end(kPseudo) || it->name != name) return std::nullopt;
  return it->nr;
}

std::optional<std::string_view> pseudo_name(int32_t nr) {
  for (const PseudoEntry& e : kPseudo) {
    if (e.nr == nr) return e.name;
  }
  return std::nullopt;
}

// libseccomp's model: on each arch a name has its number there, or its pseudo number when the
// arch lacks it; where the ABI has socketcall/ipc (x86, mips o32, ppc, ppc64, s390, s390x, and
// m68k, sh), the multiplexed calls are pseudo numbers (the rule code adds both forms).
int resolve_name_arch(uint32_t token, std::string_view name, bool rewrite) {
  const arch::ArchInfo* t = find_token(token);
  if (!t || name.empty()) return -1;  // __NR_SCMP_ERROR
  const arch::Arch a = t->arch;
  if (auto m = arch::multiplexed_call(a, name)) {
    if (rewrite) return m->multiplexer;
    if (auto p = pseudo_number(name)) return *p;
  }
  if (auto n = arch::syscall_number(a, name)) return *n;
  if (auto p = pseudo_number(name)) return *p;
  return -1;
}

std::optional<std::string> resolve_num_arch(uint32_t token, int32_t nr) {
  const arch::ArchInfo* t = find_token(token);
  if (!t) return std::nullopt;
  if (nr >= 0) {
    // libseccomp's MIPS resolvers take the number with or without the ABI's base (3 and 4003
    // are both o32 read); the tables hold it with the base, as the kernel sees it.
    const int32_t base = arch::info(t->arch).nr_base;
    if (nr < base) nr += base;
    if (auto n = arch::syscall_name(t->arch, nr)) return std::string(*n);
    return std::nullopt;
  }
  auto n = pseudo_name(nr);
  if (!n) return std::nullopt;
  // A pseudo number names a syscall only where that syscall is absent.
  if (arch::multiplexed_call(t->arch, *n)) return std::string(*n);
  if (arch::syscall_number(t->arch, *n)) return std::nullopt;
  return std::string(*n);
}

std::optional<std::string> api_number_name(int32_t nr) {
  return resolve_num_arch(native_token(), nr);
}

}  // namespace sysfence::compat
