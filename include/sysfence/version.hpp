// sysfence/version.hpp — the version of the sysfence library a program runs with.
//
//   #include <sysfence/version.hpp>
//   std::cout << "libsysfence " << sysfence::version() << '\n';       // e.g. "0.1.0"
//   if (sysfence::version_numbers().minor < 1) { /* older library */ }
//
// One version, set once in CMakeLists.txt (`project(sysfence VERSION ...)`): this function, the
// `sysfence --version` output, the shared object's version, the CMake package version, the
// pkg-config version and the Debian packages' version all come from it. version() answers for
// the library actually loaded, which can be newer than the headers a program was built with.
#pragma once

#include <string_view>
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence {

struct VersionNumbers {
  int major = 0;
  int minor = 0;
  int patch = 0;
};

std::string_view version() noexcept;  // "MAJOR.MINOR.PATCH"
VersionNumbers version_numbers() noexcept;

}  // namespace sysfence

SYSFENCE_API_END
