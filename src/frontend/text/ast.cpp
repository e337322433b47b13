// Internal to the text frontend: see ast.hpp.
#include "frontend/text/ast.hpp"

#include "sysfence/bpf/actions.hpp"

namespace sysfence::frontend::text {

// The actions' words come from bpf::kActionTable (`language` and `language_alias`).
const std::set<std::string_view>& action_words() {
  static const std::set<std::string_view> s = [] {
    std::set<std::string_view> w;
    for (const bpf::ActionInfo& a : bpf::kActionTable) {
      w.insert(a.language);
      if (!a.language_alias.empty()) w.insert(a.language_alias);
    }
    return w;
  }();
  return s;
}

const std::set<std::string_view>& reserved_words() {
  static const std::set<std::string_view> s = [] {
    std::set<std::string_view> w = action_words();
    w.insert({"default", "bad-arch", "unknown-syscall", "missing-syscall", "arch", "define", "in",
              "not", "u32"});
    return w;
  }();
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
