#include "sysfence/bpf/seccomp.hpp"

#include <cstdio>

namespace sysfence::bpf {

std::string action_name(uint32_t ret) {
  const uint32_t act = action_of(ret);
  const uint16_t data = data_of(ret);
  const char* base = nullptr;
  bool show_data = false;
  switch (act) {
    case kRetKillProcess: base = "kill_process"; break;
    case kRetKillThread: base = "kill_thread"; break;
    case kRetTrap: base = "trap"; show_data = true; break;
    case kRetErrno: base = "errno"; show_data = true; break;
    case kRetUserNotif: base = "user_notif"; break;
    case kRetTrace: base = "trace"; show_data = true; break;
    case kRetLog: base = "log"; break;
    case kRetAllow: base = "allow"; break;
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "unknown(0x%08x)", ret);
      return buf;
    }
  }
  std::string s = base;
  if (show_data) {
    s += "(" + std::to_string(data) + ")";
  } else if (data != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "+0x%x", data);
    s += buf;
  }
  return s;
}

}  // namespace sysfence::bpf
