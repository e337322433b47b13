// Shared by the frontend tests: parse from memory with an in-memory file system.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "sysfence/frontend/policy_text.hpp"

namespace sftest {

using Files = std::map<std::string, std::string>;

inline sysfence::frontend::ParseOptions mem_fs(const Files& files,
                                               std::vector<sysfence::arch::Arch> arches = {
                                                   sysfence::arch::Arch::X86_64}) {
  sysfence::frontend::ParseOptions o;
  o.default_arches = std::move(arches);
  o.read_file = [files](const std::string& path, std::string* why) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) {
      if (why) *why = "No such file or directory";
      return std::nullopt;
    }
    return it->second;
  };
  return o;
}

// All diagnostics of parsing `text` as "p.policy" (x86_64 unless the policy says otherwise).
inline std::string diags(const std::string& text, const Files& files = {},
                         std::vector<sysfence::arch::Arch> arches = {
                             sysfence::arch::Arch::X86_64}) {
  return sysfence::frontend::parse_policy_text(text, "p.policy", mem_fs(files, std::move(arches)))
      .render();
}

}  // namespace sftest
