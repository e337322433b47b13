// sysfence/ir — Action: the eight seccomp return actions and their data.
#include <string>

#include "sysfence/bpf/seccomp.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::ir {

namespace {

uint32_t base_of(ActionKind k) {
  switch (k) {
    case ActionKind::KillProcess: return bpf::kRetKillProcess;
    case ActionKind::KillThread: return bpf::kRetKillThread;
    case ActionKind::Trap: return bpf::kRetTrap;
    case ActionKind::Errno: return bpf::kRetErrno;
    case ActionKind::UserNotif: return bpf::kRetUserNotif;
    case ActionKind::Trace: return bpf::kRetTrace;
    case ActionKind::Log: return bpf::kRetLog;
    case ActionKind::Allow: return bpf::kRetAllow;
  }
  return bpf::kRetKillProcess;
}

}  // namespace

uint32_t Action::to_ret() const { return base_of(kind) | data; }

Action Action::from_ret_or(uint32_t ret, Action unknown) {
  const uint16_t d = bpf::data_of(ret);
  switch (bpf::action_of(ret)) {
    case bpf::kRetKillProcess: return Action{ActionKind::KillProcess, d};
    case bpf::kRetKillThread: return Action{ActionKind::KillThread, d};
    case bpf::kRetTrap: return Action{ActionKind::Trap, d};
    case bpf::kRetErrno: return Action{ActionKind::Errno, d};
    case bpf::kRetUserNotif: return Action{ActionKind::UserNotif, d};
    case bpf::kRetTrace: return Action{ActionKind::Trace, d};
    case bpf::kRetLog: return Action{ActionKind::Log, d};
    case bpf::kRetAllow: return Action{ActionKind::Allow, d};
    default: return unknown;
  }
}

std::optional<Action> Action::from_ret(uint32_t ret) {
  // An unknown action falls back to kill_process, whose action bits then differ from ret's.
  const Action a = from_ret_or(ret, Action::kill_process());
  if (bpf::action_of(a.to_ret()) != bpf::action_of(ret)) return std::nullopt;
  return a;
}

// Same spelling as bpf::action_name (kept here so the IR does not link the BPF stage).
std::string Action::to_string() const {
  const char* base = "kill_process";
  bool show = false;
  switch (kind) {
    case ActionKind::KillProcess: base = "kill_process"; break;
    case ActionKind::KillThread: base = "kill_thread"; break;
    case ActionKind::Trap: base = "trap"; show = true; break;
    case ActionKind::Errno: base = "errno"; show = true; break;
    case ActionKind::UserNotif: base = "user_notif"; break;
    case ActionKind::Trace: base = "trace"; show = true; break;
    case ActionKind::Log: base = "log"; break;
    case ActionKind::Allow: base = "allow"; break;
  }
  std::string s = base;
  if (show) {
    s += "(" + std::to_string(data) + ")";
  } else if (data != 0) {
    static const char* hex = "0123456789abcdef";
    std::string h;
    for (uint16_t d = data; d != 0; d = static_cast<uint16_t>(d >> 4)) h.insert(h.begin(), hex[d & 15]);
    s += "+0x" + h;
  }
  return s;
}

bool Action::more_restrictive_than(const Action& other) const {
  return bpf::more_restrictive(to_ret(), other.to_ret());
}

}  // namespace sysfence::ir
