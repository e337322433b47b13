// Internal to the text frontend: see ast.hpp.
#include "frontend/text/ast.hpp"

namespace sysfence::frontend::text {

const std::set<std::string_view>& action_words() {
  static const std::set<std::string_view> s = {"allow", "log", "trap", "errno", "trace",
                                               "kill-thread", "kill-process", "notify", "user-notif"};
  return s;
}

const std::set<std::string_view>& reserved_words() {
  static const std::set<std::string_view> s = {
      "allow", "log", "trap", "errno", "trace", "kill-thread", "kill-process", "notify",
      "user-notif", "default", "bad-arch", "unknown-syscall", "missing-syscall", "arch",
      "define", "in", "not", "u32"};
  return s;
}

std::optional<int> arg_index(std::string_view s) {
  if (s.size() == 4 && s.substr(0, 3) == "arg" && s[3] >= '0' && s[3] <= '5') return s[3] - '0';
  return std::nullopt;
}

std::string arch_list_text(const std::vector<Arch>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::string(arch::info(v[i]).name);
  }
  return s;
}

std::string arch_names_hint() {
  std::string s = "known arches: ";
  bool first = true;
  for (const arch::ArchInfo& a : arch::all_arches()) {
    if (!first) s += ", ";
    first = false;
    s += std::string(a.name);
  }
  return s;
}

}  // namespace sysfence::frontend::text
