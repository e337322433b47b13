// src/sandbox/profiles.cpp — the named profiles, embedded from policies/profiles/*.policy (see
// the generated profiles_text.inc) and parsed by the frontend like any policy file.
#include <string>
#include <string_view>

#include "sysfence/sandbox/statements.hpp"

namespace sysfence::sandbox {
namespace {
struct Embedded {
  std::string_view name;
  std::string_view text;
};
#include "profiles_text.inc"  // constexpr Embedded kProfiles[] = {...};
}  // namespace

std::vector<std::string> profile_names() {
  std::vector<std::string> out;
  for (const Embedded& p : kProfiles) out.emplace_back(p.name);
  return out;
}

std::string_view profile_text(std::string_view name) {
  for (const Embedded& p : kProfiles) {
    if (p.name == name) return p.text;
  }
  return {};
}

}  // namespace sysfence::sandbox
