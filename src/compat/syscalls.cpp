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

struct TokenInfo {
  std::string_view name;  // libseccomp's arch name
  uint32_t token;
  std::optional<arch::Arch> arch;
};

constexpr std::array<TokenInfo, 23> kTokens{{
    {"x86", 0x40000003U, arch::Arch::I386},
    {"x86_64", 0xc000003eU, arch::Arch::X86_64},
    {"x32", 0x4000003eU, arch::Arch::X32},
    {"arm", 0x40000028U, arch::Arch::Arm},
    {"aarch64", 0xc00000b7U, arch::Arch::AArch64},
    {"mips", 0x00000008U, arch::Arch::Mips},
    {"mips64", 0x80000008U, arch::Arch::Mips64},
    {"mips64n32", 0xa0000008U, arch::Arch::Mips64N32},
    {"mipsel", 0x40000008U, arch::Arch::MipsEl},
    {"mipsel64", 0xc0000008U, arch::Arch::Mips64El},
    {"mipsel64n32", 0xe0000008U, arch::Arch::Mips64N32El},
    {"ppc", 0x00000014U, arch::Arch::Ppc},
    {"ppc64", 0x80000015U, arch::Arch::Ppc64},
    {"ppc64le", 0xc0000015U, arch::Arch::Ppc64Le},
    {"s390", 0x00000016U, arch::Arch::S390},
    {"s390x", 0x80000016U, arch::Arch::S390X},
    {"parisc", 0x0000000fU, arch::Arch::Parisc},
    {"parisc64", 0x8000000fU, arch::Arch::Parisc64},
    {"riscv64", 0xc00000f3U, arch::Arch::RiscV64},
    {"loongarch64", 0xc0000102U, arch::Arch::LoongArch64},
    {"m68k", 0x00000004U, arch::Arch::M68K},
    {"sh", 0x4000002aU, arch::Arch::Sh},
    {"sheb", 0x0000002aU, arch::Arch::ShEb},
}};

const TokenInfo* find_token(uint32_t token) {
  if (token == 0) token = native_token();
  for (const TokenInfo& t : kTokens) {
    if (t.token == token) return &t;
  }
  return nullptr;
}

}  // namespace

uint32_t token_of_arch(arch::Arch a) {
  for (const TokenInfo& t : kTokens) {
    if (t.arch == a) return t.token;
  }
  return 0;
}

uint32_t native_token() { return token_of_arch(arch::native_arch()); }

std::optional<arch::Arch> arch_of_token(uint32_t token) {
  const TokenInfo* t = find_token(token);
  if (!t) return std::nullopt;
  return t->arch;
}

bool token_known(uint32_t token) { return find_token(token) != nullptr; }

uint32_t resolve_arch_name(std::string_view name) {
  for (const TokenInfo& t : kTokens) {
    if (t.name == name) return t.token;
  }
  return 0;
}

std::string_view arch_token_name(uint32_t token) {
  const TokenInfo* t = find_token(token);
  return t ? t->name : std::string_view{};
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
  const TokenInfo* t = find_token(token);
  if (!t || !t->arch || name.empty()) return -1;  // __NR_SCMP_ERROR
  const arch::Arch a = *t->arch;
  if (auto m = arch::multiplexed_call(a, name)) {
    if (rewrite) return m->multiplexer;
    if (auto p = pseudo_number(name)) return *p;
  }
  if (auto n = arch::syscall_number(a, name)) return *n;
  if (auto p = pseudo_number(name)) return *p;
  return -1;
}

std::optional<std::string> resolve_num_arch(uint32_t token, int32_t nr) {
  const TokenInfo* t = find_token(token);
  if (!t || !t->arch) return std::nullopt;
  if (nr >= 0) {
    // libseccomp's MIPS resolvers take the number with or without the ABI's base (3 and 4003
    // are both o32 read); the tables hold it with the base, as the kernel sees it.
    const int32_t base = arch::info(*t->arch).nr_base;
    if (nr < base) nr += base;
    if (auto n = arch::syscall_name(*t->arch, nr)) return std::string(*n);
    return std::nullopt;
  }
  auto n = pseudo_name(nr);
  if (!n) return std::nullopt;
  // A pseudo number names a syscall only where that syscall is absent.
  if (arch::multiplexed_call(*t->arch, *n)) return std::string(*n);
  if (arch::syscall_number(*t->arch, *n)) return std::nullopt;
  return std::string(*n);
}

std::optional<std::string> api_number_name(int32_t nr) {
  return resolve_num_arch(native_token(), nr);
}

}  // namespace sysfence::compat
