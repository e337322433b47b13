// sysfence/support/nearest.hpp — "did you mean ...?": the closest of some names.
//
//   std::vector<std::string_view> names = {"EPERM", "ENOENT"};
//   sysfence::nearest_of("EPREM", names);        // "EPERM"
//   sysfence::nearest_of("nothing-like", names); // ""
//
// Used by every frontend and the CLI for their hints; arch's nearest_syscall_name and
// nearest_constant_name search their tables with the same edit_distance.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sysfence {

// Optimal-string-alignment distance (Levenshtein, and an adjacent transposition such as
// EPREM/EPERM counts as one edit), stopping early (returning cap + 1) once it exceeds `cap`.
size_t edit_distance(std::string_view a, std::string_view b, size_t cap = 64);
// The candidate nearest to `name` when it is close enough (distance <= max(2, len/3), and less
// than the length of `name`); empty otherwise.
std::string nearest_of(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace sysfence
