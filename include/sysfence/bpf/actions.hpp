// sysfence/bpf/actions.hpp — the one table of seccomp's return actions, from which every stage
// takes their values, precedence and spellings.
//
//   using namespace sysfence::bpf;
//   const ActionInfo& e = action_info(ActionKind::Errno);
//   e.ret;                                   // 0x00050000 (SECCOMP_RET_ERRNO)
//   e.name;                                  // "errno"            (disassembly, emulator, /proc)
//   e.language;                              // "errno"            (the policy language)
//   e.oci;                                   // "SCMP_ACT_ERRNO"   (OCI/Docker JSON, libseccomp)
//   action_info_for_ret(0x7fff0000)->kind;   // ActionKind::Allow
//   action_from_language("user-notif");      // ActionKind::UserNotif (an alias of "notify")
//
// The table is in kernel precedence order, most restrictive first: a kind's position is its
// precedence, and its enum value is its position (checked below). The kernel's own rule on raw
// return values (more_restrictive in seccomp.hpp, which also ranks unknown actions) agrees with
// it, also checked below. To add an action: a row here and an enumerator in the same place; the
// stages pick it up (docs/architecture.md lists what else to touch).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::bpf {

enum class ActionKind : uint8_t {
  KillProcess,
  KillThread,
  Trap,
  Errno,
  UserNotif,
  Trace,
  Log,
  Allow
};

struct ActionInfo {
  ActionKind kind;
  uint32_t ret;                     // SECCOMP_RET_* (the action bits; data is the low 16 bits)
  std::string_view name;            // "kill_process": action_name(), disassembly, /proc, JSON
  std::string_view language;        // "kill-process": the policy language, as written back
  std::string_view language_alias;  // another accepted spelling ("user-notif"), or ""
  std::string_view oci;             // "SCMP_ACT_KILL_PROCESS": OCI JSON and libseccomp
  std::string_view oci_alias;       // "SCMP_ACT_KILL" (libseccomp's name for kill_thread), or ""
  bool shows_data;                  // written name(N): trap's si_errno, errno, trace's message
  std::string_view since;           // first kernel with the action ("3.5": with seccomp filters)
};

inline constexpr std::array<ActionInfo, 8> kActionTable{{
    {ActionKind::KillProcess, kRetKillProcess, "kill_process", "kill-process", "",
     "SCMP_ACT_KILL_PROCESS", "", false, "4.14"},
    {ActionKind::KillThread, kRetKillThread, "kill_thread", "kill-thread", "",
     "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL", false, "3.5"},
    {ActionKind::Trap, kRetTrap, "trap", "trap", "", "SCMP_ACT_TRAP", "", true, "3.5"},
    {ActionKind::Errno, kRetErrno, "errno", "errno", "", "SCMP_ACT_ERRNO", "", true, "3.5"},
    {ActionKind::UserNotif, kRetUserNotif, "user_notif", "notify", "user-notif", "SCMP_ACT_NOTIFY",
     "", false, "5.0"},
    {ActionKind::Trace, kRetTrace, "trace", "trace", "", "SCMP_ACT_TRACE", "", true, "3.5"},
    {ActionKind::Log, kRetLog, "log", "log", "", "SCMP_ACT_LOG", "", false, "4.14"},
    {ActionKind::Allow, kRetAllow, "allow", "allow", "", "SCMP_ACT_ALLOW", "", false, "3.5"},
}};

namespace detail {
constexpr bool action_table_is_consistent() {
  for (size_t i = 0; i < kActionTable.size(); ++i) {
    if (static_cast<size_t>(kActionTable[i].kind) != i) return false;  // enum value = position
    if (i > 0 && !more_restrictive(kActionTable[i - 1].ret, kActionTable[i].ret)) return false;
  }
  return true;
}
}  // namespace detail
static_assert(
    detail::action_table_is_consistent(),
    "kActionTable: one row per ActionKind, in enum order, which is the kernel's precedence");

constexpr const ActionInfo& action_info(ActionKind k) {
  return kActionTable[static_cast<size_t>(k)];
}

// 0 for the most restrictive (kill_process) up to 7 (allow).
constexpr int precedence(ActionKind k) { return static_cast<int>(k); }

// The row whose action bits are those of `ret` (data ignored); nullptr for an unknown action.
constexpr const ActionInfo* action_info_for_ret(uint32_t ret) {
  for (const ActionInfo& a : kActionTable) {
    if (a.ret == action_of(ret)) return &a;
  }
  return nullptr;
}

// The kind a policy-language word names ("kill-process", "notify", "user-notif"), if any.
constexpr std::optional<ActionKind> action_from_language(std::string_view word) {
  for (const ActionInfo& a : kActionTable) {
    if (word == a.language || (!a.language_alias.empty() && word == a.language_alias))
      return a.kind;
  }
  return std::nullopt;
}

// The kind an OCI/libseccomp name ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL") names, if any.
constexpr std::optional<ActionKind> action_from_oci(std::string_view name) {
  for (const ActionInfo& a : kActionTable) {
    if (name == a.oci || (!a.oci_alias.empty() && name == a.oci_alias)) return a.kind;
  }
  return std::nullopt;
}

}  // namespace sysfence::bpf

SYSFENCE_API_END
