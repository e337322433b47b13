// sysfence/arch — ABI descriptions and the generated syscall tables behind arch.hpp.
//
//   auto nr = sysfence::arch::syscall_number(sysfence::arch::Arch::AArch64, "openat");  // 56
//
// The data lives in syscalls_table.inc and syscall_args.inc (generated, committed); this file
// only searches it. Name lookups are binary searches over per-arch name indices.
#include "sysfence/arch/arch.hpp"
#include "sysfence/support/nearest.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <utility>
#include <vector>

namespace sysfence::arch {
namespace detail {
#include "arch/syscalls_table.inc"
#include "arch/syscall_args.inc"
}  // namespace detail

namespace {

constexpr uint32_t kAuditArch64 = 0x80000000u;  // __AUDIT_ARCH_64BIT
constexpr uint32_t kAuditArchLE = 0x40000000u;  // __AUDIT_ARCH_LE

constexpr uint32_t kAuditMipsN32 = 0x20000000u;  // __AUDIT_ARCH_CONVENTION_MIPS64_N32

// {arch, name, audit_arch, nr_bit, args_are_64bit, big_endian, nr_base, socketcall, ipc,
//  libseccomp token, libseccomp name, OCI name, GOARCH-style name}.
// audit_arch = EM_* | 64-bit flag | little-endian flag (linux/audit.h). libseccomp's token is the
// audit value, except x32's (EM_X86_64 | __AUDIT_ARCH_LE: x32 has no audit value of its own).
constexpr std::array<ArchInfo, kArchCount> kArches{{
    {Arch::X86_64, "x86_64", kAuditArch64 | kAuditArchLE | 62, 0, true, false, 0, -1,
     -1,  // EM_X86_64
     0xc000003eU, "x86_64", "SCMP_ARCH_X86_64", "amd64"},
    {Arch::I386, "i386", kAuditArchLE | 3, 0, false, false, 0, 102, 117,  // EM_386
     0x40000003U, "x86", "SCMP_ARCH_X86", "x86"},
    {Arch::X32, "x32", kAuditArch64 | kAuditArchLE | 62, kX32SyscallBit, true, false, 0, -1, -1,
     0x4000003eU, "x32", "SCMP_ARCH_X32", "x32"},  // x86_64's audit value + the nr bit
    {Arch::AArch64, "aarch64", kAuditArch64 | kAuditArchLE | 183, 0, true, false, 0, -1, -1,
     0xc00000b7U, "aarch64", "SCMP_ARCH_AARCH64", "arm64"},            // EM_AARCH64
    {Arch::Arm, "arm", kAuditArchLE | 40, 0, false, false, 0, -1, -1,  // EM_ARM
     0x40000028U, "arm", "SCMP_ARCH_ARM", "arm"},
    {Arch::RiscV64, "riscv64", kAuditArch64 | kAuditArchLE | 243, 0, true, false, 0, -1, -1,
     0xc00000f3U, "riscv64", "SCMP_ARCH_RISCV64", "riscv64"},  // EM_RISCV
    // EM_MIPS 8. o32 has socketcall and ipc; n64 and n32 call each socket/IPC op directly.
    // n32 passes 64-bit registers, like x32.
    {Arch::Mips, "mips", 8, 0, false, true, 4000, 4102, 4117, 0x00000008U, "mips", "SCMP_ARCH_MIPS",
     "mips"},
    {Arch::MipsEl, "mipsel", kAuditArchLE | 8, 0, false, false, 4000, 4102, 4117, 0x40000008U,
     "mipsel", "SCMP_ARCH_MIPSEL", "mipsle"},
    {Arch::Mips64, "mips64", kAuditArch64 | 8, 0, true, true, 5000, -1, -1, 0x80000008U, "mips64",
     "SCMP_ARCH_MIPS64", "mips64"},
    {Arch::Mips64El, "mips64el", kAuditArch64 | kAuditArchLE | 8, 0, true, false, 5000, -1, -1,
     0xc0000008U, "mipsel64", "SCMP_ARCH_MIPSEL64", "mips64le"},
    {Arch::Mips64N32, "mips64n32", kAuditArch64 | kAuditMipsN32 | 8, 0, true, true, 6000, -1, -1,
     0xa0000008U, "mips64n32", "SCMP_ARCH_MIPS64N32", "mips64n32"},
    {Arch::Mips64N32El, "mips64n32el", kAuditArch64 | kAuditMipsN32 | kAuditArchLE | 8, 0, true,
     false, 6000, -1, -1, 0xe0000008U, "mipsel64n32", "SCMP_ARCH_MIPSEL64N32", "mips64len32"},
    // EM_PPC 20, EM_PPC64 21: both have socketcall and ipc next to the direct calls.
    {Arch::Ppc, "ppc", 20, 0, false, true, 0, 102, 117, 0x00000014U, "ppc", "SCMP_ARCH_PPC", "ppc"},
    {Arch::Ppc64, "ppc64", kAuditArch64 | 21, 0, true, true, 0, 102, 117, 0x80000015U, "ppc64",
     "SCMP_ARCH_PPC64", "ppc64"},
    {Arch::Ppc64Le, "ppc64le", kAuditArch64 | kAuditArchLE | 21, 0, true, false, 0, 102, 117,
     0xc0000015U, "ppc64le", "SCMP_ARCH_PPC64LE", "ppc64le"},
    // EM_S390 22: socketcall and ipc on both.
    {Arch::S390, "s390", 22, 0, false, true, 0, 102, 117, 0x00000016U, "s390", "SCMP_ARCH_S390",
     "s390"},
    {Arch::S390X, "s390x", kAuditArch64 | 22, 0, true, true, 0, 102, 117, 0x80000016U, "s390x",
     "SCMP_ARCH_S390X", "s390x"},
    // EM_PARISC 15: direct calls only.
    {Arch::Parisc, "parisc", 15, 0, false, true, 0, -1, -1, 0x0000000fU, "parisc",
     "SCMP_ARCH_PARISC", "parisc"},
    {Arch::Parisc64, "parisc64", kAuditArch64 | 15, 0, true, true, 0, -1, -1, 0x8000000fU,
     "parisc64", "SCMP_ARCH_PARISC64", "parisc64"},
    {Arch::LoongArch64, "loongarch64", kAuditArch64 | kAuditArchLE | 258, 0, true, false, 0, -1, -1,
     0xc0000102U, "loongarch64", "SCMP_ARCH_LOONGARCH64", "loong64"},  // EM_LOONGARCH
    {Arch::M68K, "m68k", 4, 0, false, true, 0, 102, 117,               // EM_68K
     0x00000004U, "m68k", "SCMP_ARCH_M68K", "m68k"},
    // EM_SH 42. libseccomp's "sh" is little-endian, "sheb" big-endian.
    {Arch::Sh, "sh", kAuditArchLE | 42, 0, false, false, 0, 102, 117, 0x4000002aU, "sh",
     "SCMP_ARCH_SH", "sh"},
    {Arch::ShEb, "sheb", 42, 0, false, true, 0, 102, 117, 0x0000002aU, "sheb", "SCMP_ARCH_SHEB",
     "sheb"},
}};

// The libseccomp token is the audit value everywhere but x32; the arches that share an audit
// value (one "door" in a filter) are told apart by their nr bit alone.
constexpr bool arch_table_is_consistent() {
  for (size_t i = 0; i < kArches.size(); ++i) {
    if (static_cast<size_t>(kArches[i].arch) != i) return false;
    if (kArches[i].arch != Arch::X32 && kArches[i].scmp_token != kArches[i].audit_arch)
      return false;
    for (size_t j = 0; j < i; ++j) {
      if (kArches[j].audit_arch == kArches[i].audit_arch && kArches[j].nr_bit == kArches[i].nr_bit)
        return false;
    }
  }
  return true;
}
static_assert(arch_table_is_consistent());

static_assert(std::size(detail::kTables) == kArchCount);

const detail::ArchTable& table(Arch a) { return detail::kTables[static_cast<size_t>(a)]; }

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

std::span<const ArchInfo> all_arches() { return kArches; }

const ArchInfo& info(Arch a) { return kArches[static_cast<size_t>(a)]; }

std::vector<Arch> audit_arch_partners(Arch a) {
  std::vector<Arch> out;
  for (const ArchInfo& i : kArches) {
    if (i.audit_arch == info(a).audit_arch) out.push_back(i.arch);
  }
  std::sort(out.begin(), out.end(), [](Arch x, Arch y) { return info(x).nr_bit < info(y).nr_bit; });
  return out;
}

std::optional<Arch> arch_from_name(std::string_view name) {
  std::string s = lower(name);
  if (s.starts_with("scmp_arch_")) s.erase(0, 10);  // SCMP_ARCH_X86_64 and friends
  struct Alias {
    std::string_view name;
    Arch arch;
  };
  static constexpr Alias kAliases[] = {
      {"x86_64", Arch::X86_64},
      {"amd64", Arch::X86_64},
      {"x86-64", Arch::X86_64},
      {"x64", Arch::X86_64},
      {"i386", Arch::I386},
      {"x86", Arch::I386},
      {"i486", Arch::I386},
      {"i586", Arch::I386},
      {"i686", Arch::I386},
      {"ia32", Arch::I386},
      {"x32", Arch::X32},
      {"x86_x32", Arch::X32},
      {"aarch64", Arch::AArch64},
      {"arm64", Arch::AArch64},
      {"arm", Arch::Arm},
      {"armhf", Arch::Arm},
      {"armel", Arch::Arm},
      {"armv7", Arch::Arm},
      {"armv7l", Arch::Arm},
      {"armv7hl", Arch::Arm},
      {"armeabi", Arch::Arm},
      {"riscv64", Arch::RiscV64},
      {"riscv", Arch::RiscV64},
      {"mips", Arch::Mips},
      {"mipsel", Arch::MipsEl},
      {"mips64", Arch::Mips64},
      {"mips64el", Arch::Mips64El},
      {"mipsel64", Arch::Mips64El},  // libseccomp's name
      {"mips64n32", Arch::Mips64N32},
      {"mips64n32el", Arch::Mips64N32El},
      {"mipsel64n32", Arch::Mips64N32El},
      {"mipsn32", Arch::Mips64N32},
      {"mipsn32el", Arch::Mips64N32El},
      {"ppc", Arch::Ppc},
      {"powerpc", Arch::Ppc},
      {"ppc64", Arch::Ppc64},
      {"powerpc64", Arch::Ppc64},
      {"ppc64le", Arch::Ppc64Le},
      {"ppc64el", Arch::Ppc64Le},
      {"powerpc64le", Arch::Ppc64Le},
      {"s390", Arch::S390},
      {"s390x", Arch::S390X},
      {"parisc", Arch::Parisc},
      {"hppa", Arch::Parisc},
      {"parisc64", Arch::Parisc64},
      {"hppa64", Arch::Parisc64},
      {"loongarch64", Arch::LoongArch64},
      {"loong64", Arch::LoongArch64},
      {"m68k", Arch::M68K},
      {"sh", Arch::Sh},
      {"sh4", Arch::Sh},
      {"sheb", Arch::ShEb},
      {"sh4eb", Arch::ShEb},
  };
  for (const Alias& a : kAliases)
    if (a.name == s) return a.arch;
  return std::nullopt;
}

Arch native_arch() {
#if defined(__x86_64__) && defined(__ILP32__)
  return Arch::X32;
#elif defined(__x86_64__)
  return Arch::X86_64;
#elif defined(__i386__)
  return Arch::I386;
#elif defined(__aarch64__)
  return Arch::AArch64;
#elif defined(__arm__) && defined(__ARM_EABI__)
  return Arch::Arm;
#elif defined(__riscv) && __riscv_xlen == 64
  return Arch::RiscV64;
#elif defined(__mips__) && _MIPS_SIM == _ABIO32
  return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? Arch::Mips : Arch::MipsEl;
#elif defined(__mips__) && _MIPS_SIM == _ABI64
  return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? Arch::Mips64 : Arch::Mips64El;
#elif defined(__mips__) && _MIPS_SIM == _ABIN32
  return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? Arch::Mips64N32 : Arch::Mips64N32El;
#elif defined(__powerpc64__)
  return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? Arch::Ppc64 : Arch::Ppc64Le;
#elif defined(__powerpc__)
  return Arch::Ppc;
#elif defined(__s390x__)
  return Arch::S390X;
#elif defined(__s390__)
  return Arch::S390;
#elif defined(__hppa__) && defined(__LP64__)
  return Arch::Parisc64;
#elif defined(__hppa__)
  return Arch::Parisc;
#elif defined(__loongarch__) && __loongarch_grlen == 64
  return Arch::LoongArch64;
#elif defined(__m68k__)
  return Arch::M68K;
#elif defined(__sh__)
  return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? Arch::ShEb : Arch::Sh;
#else
#error "sysfence: unsupported target architecture"
#endif
}

std::span<const SyscallEntry> syscalls(Arch a) { return table(a).by_nr; }

std::optional<MultiplexedCall> multiplexed_call(Arch a, std::string_view name) {
  // socketcall(2): SYS_SOCKET..SYS_SENDMMSG (linux/net.h); ipc(2): SEMOP..SHMCTL (linux/ipc.h).
  // The same call numbers on every ABI that has the multiplexer.
  struct Entry {
    std::string_view name;
    bool ipc;
    uint32_t call;
  };
  static constexpr Entry kCalls[] = {
      {"socket", false, 1},      {"bind", false, 2},        {"connect", false, 3},
      {"listen", false, 4},      {"accept", false, 5},      {"getsockname", false, 6},
      {"getpeername", false, 7}, {"socketpair", false, 8},  {"send", false, 9},
      {"recv", false, 10},       {"sendto", false, 11},     {"recvfrom", false, 12},
      {"shutdown", false, 13},   {"setsockopt", false, 14}, {"getsockopt", false, 15},
      {"sendmsg", false, 16},    {"recvmsg", false, 17},    {"accept4", false, 18},
      {"recvmmsg", false, 19},   {"sendmmsg", false, 20},   {"semop", true, 1},
      {"semget", true, 2},       {"semctl", true, 3},       {"semtimedop", true, 4},
      {"msgsnd", true, 11},      {"msgrcv", true, 12},      {"msgget", true, 13},
      {"msgctl", true, 14},      {"shmat", true, 21},       {"shmdt", true, 22},
      {"shmget", true, 23},      {"shmctl", true, 24},
  };
  const ArchInfo& ai = info(a);
  if (ai.socketcall_nr < 0 && ai.ipc_nr < 0) return std::nullopt;  // most ABIs: no multiplexer
  for (const Entry& e : kCalls) {
    if (e.name != name) continue;
    const int32_t mux = e.ipc ? ai.ipc_nr : ai.socketcall_nr;
    if (mux < 0) return std::nullopt;
    return MultiplexedCall{mux, e.call};
  }
  return std::nullopt;
}

namespace {

// Name -> number for every arch in one hash probe: an open-addressing table over kAllNames
// (every name of every arch) and, per arch, the number of each name. Both are computed at build
// time (constexpr), so a lookup builds nothing at run time: a short `compile` process used to
// spend a tenth of its instructions building this index. Policies look names up once per rule
// and arch, which made binary searches over strings the largest cost of building a policy.
constexpr size_t kNameCount = std::size(detail::kAllNames);
constexpr size_t kSlotCount = [] {
  size_t cap = 1;
  while (cap < kNameCount * 2) cap <<= 1;
  return cap;
}();
constexpr int32_t kAbsent = INT32_MIN;

constexpr size_t name_hash(std::string_view s) {  // FNV-1a
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return static_cast<size_t>(h ^ (h >> 29));
}

static_assert(kNameCount < UINT16_MAX);
// Sorted and unique: all_syscall_names() promises it (callers binary-search it), and the merge in
// numbers_of() needs it.
static_assert([] {
  for (size_t i = 1; i < kNameCount; ++i)
    if (!(detail::kAllNames[i - 1] < detail::kAllNames[i])) return false;
  return true;
}());

// 0: empty; else name id + 1.
constexpr std::array<uint16_t, kSlotCount> kNameSlots = [] {
  std::array<uint16_t, kSlotCount> slots{};
  for (size_t id = 0; id < kNameCount; ++id) {
    size_t h = name_hash(detail::kAllNames[id]) & (kSlotCount - 1);
    while (slots[h] != 0) h = (h + 1) & (kSlotCount - 1);
    slots[h] = static_cast<uint16_t>(id + 1);
  }
  return slots;
}();

// Each arch's number of every name id (kAbsent: not on that arch). kAllNames and the arch's
// by_name index are both sorted by name, so one merge fills a row. One constant per arch:
// clang bounds the steps of one constant evaluation, and all arches at once pass its bound.
using NumberRow = std::array<int32_t, kNameCount>;
constexpr NumberRow numbers_of(size_t a) {
  NumberRow nr{};
  nr.fill(kAbsent);
  const detail::ArchTable& t = detail::kTables[a];
  size_t id = 0;
  for (const uint16_t i : t.by_name) {
    const SyscallEntry& e = t.by_nr[i];
    while (detail::kAllNames[id] != e.name) ++id;  // every arch's names are in kAllNames
    nr[id] = e.nr;
  }
  return nr;
}
template <size_t A>
constexpr NumberRow kNumberRow = numbers_of(A);
template <size_t... A>
constexpr std::array<const NumberRow*, kArchCount> number_rows(std::index_sequence<A...>) {
  return {&kNumberRow<A>...};
}
constexpr std::array<const NumberRow*, kArchCount> kNumbers =
    number_rows(std::make_index_sequence<kArchCount>());

constexpr std::optional<size_t> name_id(std::string_view name) {
  for (size_t h = name_hash(name) & (kSlotCount - 1);; h = (h + 1) & (kSlotCount - 1)) {
    const uint16_t v = kNameSlots[h];
    if (v == 0) return std::nullopt;
    if (detail::kAllNames[v - 1] == name) return v - 1;
  }
}

static_assert((*kNumbers[static_cast<size_t>(Arch::X86_64)])[*name_id("openat")] == 257);
static_assert((*kNumbers[static_cast<size_t>(Arch::AArch64)])[*name_id("openat")] == 56);
static_assert((*kNumbers[static_cast<size_t>(Arch::AArch64)])[*name_id("open")] == kAbsent);

}  // namespace

std::optional<int32_t> syscall_number(Arch a, std::string_view name) {
  const auto id = name_id(name);
  if (!id) return std::nullopt;
  const int32_t nr = (*kNumbers[static_cast<size_t>(a)])[*id];
  if (nr == kAbsent) return std::nullopt;
  return nr;
}

std::optional<std::string_view> syscall_name(Arch a, int32_t nr) {
  const auto by_nr = table(a).by_nr;
  auto it = std::lower_bound(by_nr.begin(), by_nr.end(), nr,
                             [](const SyscallEntry& e, int32_t n) { return e.nr < n; });
  if (it == by_nr.end() || it->nr != nr) return std::nullopt;
  return it->name;
}

std::span<const std::string_view> all_syscall_names() { return detail::kAllNames; }

std::string nearest_syscall_name(std::string_view name) {
  if (name.empty()) return {};
  const std::string want = lower(name);
  // How far a suggestion may be: 1 edit for short names, up to 3 for long ones.
  const size_t cap = want.size() <= 3 ? 1 : want.size() <= 6 ? 2 : 3;
  std::string_view best;
  size_t best_d = cap + 1;
  auto len_gap = [&](std::string_view c) {
    return c.size() > want.size() ? c.size() - want.size() : want.size() - c.size();
  };
  // Ties go to the name closest in length ("clone4" -> "clone3", not "clone"), then to the
  // alphabetically first (the list is sorted), so the answer is deterministic.
  for (std::string_view cand : detail::kAllNames) {
    const size_t d = edit_distance(want, cand, std::min(cap, best_d));
    if (d < best_d || (d == best_d && d <= cap && len_gap(cand) < len_gap(best))) {
      best_d = d;
      best = cand;
      if (d == 0) break;
    }
  }
  // A prefix or suffix match ("epoll_wait" for "epoll_wai") is already within the cap; a name
  // with a common prefix such as "sys_" or "__NR_" is tried without it.
  if (best.empty()) {
    for (std::string_view pre : {"sys_", "__nr_", "__arm_nr_", "sys_enter_"})
      if (want.starts_with(pre) && want.size() > pre.size())
        return nearest_syscall_name(std::string_view(want).substr(pre.size()));
  }
  return std::string(best);
}

std::span<const std::string_view> syscall_arg_names(std::string_view name) {
  const auto& t = detail::kArgNames;
  auto it =
      std::lower_bound(std::begin(t), std::end(t), name,
                       [](const detail::ArgNames& e, std::string_view n) { return e.name < n; });
  if (it == std::end(t) || it->name != name) return {};
  return {it->args.data(), it->count};
}

bool arg_is_int32(std::string_view syscall, int index) {
  if (index < 0 || index > 5) return false;
  const auto& t = detail::kIntArgs;
  auto it =
      std::lower_bound(std::begin(t), std::end(t), syscall,
                       [](const detail::IntArgs& e, std::string_view n) { return e.name < n; });
  return it != std::end(t) && it->name == syscall && ((it->bits >> index) & 1);
}

namespace {

uint8_t wide_bits(std::string_view name) {
  const auto& t = detail::kWideArgs;
  auto it =
      std::lower_bound(std::begin(t), std::end(t), name,
                       [](const detail::WideArgs& e, std::string_view n) { return e.name < n; });
  return it == std::end(t) || it->name != name ? 0 : it->bits;
}

// 32-bit ABIs that put a 64-bit argument in an even/odd register pair (arm EABI).
bool pairs_on_even_registers(Arch a) { return a == Arch::Arm; }

// 32-bit ABIs whose register layout of 64-bit arguments is known here (i386: consecutive, low
// word first; arm EABI: an even/odd pair, low word first). On the other 32-bit ABIs (MIPS o32,
// PPC32, S390, PA-RISC, M68K, SH: alignment, word order and arch-specific wrappers differ) the
// names from the first 64-bit argument on are left out, so using them is an error, never a
// guess.
bool wide_layout_known(Arch a) { return a == Arch::I386 || a == Arch::Arm; }

// Register layout of a syscall on a 32-bit ABI: for each argument (in man-page order) the first
// register it takes; a 64-bit argument takes that one and the next.
struct Layout {
  std::array<int, 6> first{};
  std::array<std::string_view, 6> names{};  // per register; "" for halves and padding
  size_t registers = 0;
};

Layout layout_of(Arch a, std::span<const std::string_view> args, uint8_t wide) {
  Layout l;
  int reg = 0;
  bool after_wide = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool w = (wide >> i) & 1;
    after_wide = after_wide || w;
    if (after_wide && !wide_layout_known(a)) {
      l.first[i] = -1;
      ++reg;
      continue;
    }
    if (w && pairs_on_even_registers(a) && reg % 2 == 1) ++reg;  // padding
    l.first[i] = reg;
    if (!w && reg < 6) l.names[static_cast<size_t>(reg)] = args[i];
    reg += w ? 2 : 1;
  }
  l.registers = static_cast<size_t>(std::min(reg, 6));
  return l;
}

}  // namespace

bool syscall_args_known(std::string_view name) {
  const auto& t = detail::kArgNames;
  auto it =
      std::lower_bound(std::begin(t), std::end(t), name,
                       [](const detail::ArgNames& e, std::string_view n) { return e.name < n; });
  return it != std::end(t) && it->name == name;
}

std::span<const std::string_view> syscall_arg_names(Arch a, std::string_view name) {
  // CONFIG_CLONE_BACKWARDS (clone(2), NOTES): tls comes before child_tid.
  static constexpr std::string_view kCloneBackwards[] = {"flags", "stack", "parent_tid", "tls",
                                                         "child_tid"};
  if (name == "clone" && (a == Arch::I386 || a == Arch::Arm || a == Arch::AArch64))
    return kCloneBackwards;
  // CONFIG_CLONE_BACKWARDS2 (s390): the stack comes first.
  static constexpr std::string_view kCloneBackwards2[] = {"stack", "flags", "parent_tid",
                                                          "child_tid", "tls"};
  if (name == "clone" && (a == Arch::S390 || a == Arch::S390X)) return kCloneBackwards2;
  const uint8_t wide = wide_bits(name);
  if (wide == 0 || info(a).args_are_64bit) return syscall_arg_names(name);
  // A 64-bit argument on a 32-bit ABI: the names after it move to later registers. Computed
  // once per (arch, syscall); the table is small.
  struct Entry {
    Arch arch;
    std::string_view name;
    Layout layout;
  };
  static const std::vector<Entry> kLayouts = [] {
    std::vector<Entry> v;
    for (const ArchInfo& ai : all_arches()) {
      if (ai.args_are_64bit) continue;
      for (const detail::WideArgs& w : detail::kWideArgs)
        v.push_back({ai.arch, w.name, layout_of(ai.arch, syscall_arg_names(w.name), w.bits)});
    }
    return v;
  }();
  for (const Entry& e : kLayouts) {
    if (e.arch == a && e.name == name) return {e.layout.names.data(), e.layout.registers};
  }
  return syscall_arg_names(name);
}

std::optional<std::pair<int, int>> wide_arg_registers(Arch a, std::string_view syscall,
                                                      std::string_view arg) {
  const uint8_t wide = wide_bits(syscall);
  if (wide == 0 || info(a).args_are_64bit) return std::nullopt;
  auto args = syscall_arg_names(syscall);
  auto it = std::find(args.begin(), args.end(), arg);
  if (it == args.end()) return std::nullopt;
  const auto i = static_cast<size_t>(it - args.begin());
  if (!((wide >> i) & 1)) return std::nullopt;
  const Layout l = layout_of(a, args, wide);
  if (l.first[i] < 0) return std::nullopt;
  return std::make_pair(l.first[i], l.first[i] + 1);
}

}  // namespace sysfence::arch
