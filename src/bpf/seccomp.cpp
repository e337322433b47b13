#include "sysfence/bpf/seccomp.hpp"

#include <cstdio>

#include "sysfence/bpf/actions.hpp"

namespace sysfence::bpf {

std::string action_name(uint32_t ret) {
  const ActionInfo* a = action_info_for_ret(ret);
  if (a == nullptr) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "unknown(0x%08x)", ret);
    return buf;
  }
  const uint16_t data = data_of(ret);
  std::string s(a->name);
  if (a->shows_data) {
    s += "(" + std::to_string(data) + ")";
  } else if (data != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "+0x%x", data);
    s += buf;
  }
  return s;
}

}  // namespace sysfence::bpf
