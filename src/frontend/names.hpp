// Internal to the frontend: named constants and errno names, and "did you mean" helpers.
// A thin bridge over sysfence/arch/constants.hpp so the parser and the OCI importer share it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sysfence/arch/arch.hpp"
#include "sysfence/support/nearest.hpp"

namespace sysfence::frontend::detail {

// Value of a named constant (O_CREAT, TIOCSTI, SIGKILL, EPERM, ...) on `a`.
std::optional<uint64_t> constant_value(arch::Arch a, std::string_view name);
// True when some arch defines the constant.
bool constant_known(std::string_view name);
// Closest constant name, for "did you mean"; empty when nothing is close.
std::string nearest_constant(std::string_view name);

// errno names (same numbers on every arch sysfence targets).
std::optional<int> errno_value(std::string_view name);
std::optional<std::string_view> errno_name(int value);

// "Did you mean": sysfence/support/nearest.hpp.
using sysfence::edit_distance;
using sysfence::nearest_of;

}  // namespace sysfence::frontend::detail
