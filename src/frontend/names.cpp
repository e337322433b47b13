#include "frontend/names.hpp"

#include <algorithm>
#include <vector>

#include "sysfence/arch/constants.hpp"

namespace sysfence::frontend::detail {

std::optional<uint64_t> constant_value(arch::Arch a, std::string_view name) {
  return arch::constant_value(a, name);
}

bool constant_known(std::string_view name) {
  for (const arch::ArchInfo& a : arch::all_arches())
    if (arch::constant_value(a.arch, name)) return true;
  return false;
}

std::string nearest_constant(std::string_view name) {
  return arch::nearest_constant_name(arch::native_arch(), name);
}

std::optional<int> errno_value(std::string_view name) { return arch::errno_from_name(name); }

std::optional<std::string_view> errno_name(int value) { return arch::errno_name(value); }

}  // namespace sysfence::frontend::detail
