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
    {"mips", 0x00000008U, std::nullopt},
    {"mips64", 0x80000008U, std::nullopt},
    {"mips64n32", 0xa0000008U, std::nullopt},
    {"mipsel", 0x40000008U, std::nullopt},
    {"mipsel64", 0xc0000008U, std::nullopt},
    {"mipsel64n32", 0xe0000008U, std::nullopt},
    {"ppc", 0x00000014U, std::nullopt},
    {"ppc64", 0x80000015U, std::nullopt},
    {"ppc64le", 0xc0000015U, std::nullopt},
    {"s390", 0x00000016U, std::nullopt},
    {"s390x", 0x80000016U, std::nullopt},
    {"parisc", 0x0000000fU, std::nullopt},
    {"parisc64", 0x8000000fU, std::nullopt},
    {"riscv64", 0xc00000f3U, arch::Arch::RiscV64},
    {"loongarch64", 0xc0000102U, std::nullopt},
    {"m68k", 0x00000004U, std::nullopt},
    {"sh", 0x4000002aU, std::nullopt},
    {"sheb", 0x0000002aU, std::nullopt},
}};

const TokenInfo* find_token(uint32_t token) {
  if (token == 0) token = native_token();
  for (const TokenInfo& t : kTokens) {
    if (t.token == token) return &t;
  }
  return nullptr;
}

// The x86 multiplexed calls: socketcall(2) call numbers 1..20, ipc(2) call numbers.
struct MuxEntry {
  std::string_view name;
  int32_t multiplexer;
  uint32_t call;
};
constexpr MuxEntry kMux[] = {
    {"socket", 102, 1},       {"bind", 102, 2},         {"connect", 102, 3},
    {"listen", 102, 4},       {"accept", 102, 5},       {"getsockname", 102, 6},
    {"getpeername", 102, 7},  {"socketpair", 102, 8},   {"send", 102, 9},
    {"recv", 102, 10},        {"sendto", 102, 11},      {"recvfrom", 102, 12},
    {"shutdown", 102, 13},    {"setsockopt", 102, 14},  {"getsockopt", 102, 15},
    {"sendmsg", 102, 16},     {"recvmsg", 102, 17},     {"accept4", 102, 18},
    {"recvmmsg", 102, 19},    {"sendmmsg", 102, 20},    {"semop", 117, 1},
    {"semget", 117, 2},       {"semctl", 117, 3},       {"semtimedop", 117, 4},
    {"msgsnd", 117, 11},      {"msgrcv", 117, 12},      {"msgget", 117, 13},
    {"msgctl", 117, 14},      {"shmat", 117, 21},       {"shmdt", 117, 22},
    {"shmget", 117, 23},      {"shmctl", 117, 24},
};

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

std::optional<Muxed> x86_muxed(std::string_view name) {
  for (const MuxEntry& m : kMux) {
    if (m.name == name) return Muxed{m.multiplexer, m.call};
  }
  return std::nullopt;
}

// libseccomp's model: on each arch a name has its number there, or its pseudo number when the
// arch lacks it; on x86 the multiplexed calls are pseudo numbers (the rule code adds both forms).
int resolve_name_arch(uint32_t token, std::string_view name, bool rewrite) {
  const TokenInfo* t = find_token(token);
  if (!t || !t->arch || name.empty()) return -1;  // __NR_SCMP_ERROR
  const arch::Arch a = *t->arch;
  if (a == arch::Arch::I386) {
    if (auto m = x86_muxed(name)) {
      if (rewrite) return m->multiplexer;
      if (auto p = pseudo_number(name)) return *p;
    }
  }
  if (auto n = arch::syscall_number(a, name)) return *n;
  if (auto p = pseudo_number(name)) return *p;
  return -1;
}

std::optional<std::string> resolve_num_arch(uint32_t token, int32_t nr) {
  const TokenInfo* t = find_token(token);
  if (!t || !t->arch) return std::nullopt;
  if (nr >= 0) {
    if (auto n = arch::syscall_name(*t->arch, nr)) return std::string(*n);
    return std::nullopt;
  }
  auto n = pseudo_name(nr);
  if (!n) return std::nullopt;
  // A pseudo number names a syscall only where that syscall is absent.
  if (*t->arch == arch::Arch::I386 && x86_muxed(*n)) return std::string(*n);
  if (arch::syscall_number(*t->arch, *n)) return std::nullopt;
  return std::string(*n);
}

std::optional<std::string> api_number_name(int32_t nr) {
  return resolve_num_arch(native_token(), nr);
}

}  // namespace sysfence::compat
