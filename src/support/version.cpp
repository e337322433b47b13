// src/support/version.cpp — see sysfence/version.hpp. SYSFENCE_VERSION_* come from
// CMakeLists.txt's project(VERSION), set on this file only.
#include "sysfence/version.hpp"

namespace sysfence {

std::string_view version() noexcept { return SYSFENCE_VERSION_STRING; }

VersionNumbers version_numbers() noexcept {
  return {SYSFENCE_VERSION_MAJOR, SYSFENCE_VERSION_MINOR, SYSFENCE_VERSION_PATCH};
}

}  // namespace sysfence
