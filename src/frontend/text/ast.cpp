// Internal to the text frontend: see ast.hpp.
#include "frontend/text/ast.hpp"

#include <algorithm>
#include <array>

#include "sysfence/bpf/actions.hpp"

namespace sysfence::frontend::text {

// The actions' words come from bpf::kActionTable (`language` and `language_alias`).
bool is_action_word(std::string_view s) {
  for (const bpf::ActionInfo& a : bpf::kActionTable)
    if (s == a.language || (!a.language_alias.empty() && s == a.language_alias)) return true;
  return false;
}

bool is_reserved_word(std::string_view s) {
  static constexpr std::array<std::string_view, 9> kKeywords = {
      "default", "bad-arch", "unknown-syscall", "missing-syscall", "arch", "define", "in",
      "not",     "u32"};
  return is_action_word(s) || std::find(kKeywords.begin(), kKeywords.end(), s) != kKeywords.end();
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
