#include "sysfence/support/nearest.hpp"

#include <algorithm>
#include <vector>

namespace sysfence {

size_t edit_distance(std::string_view a, std::string_view b, size_t cap) {
  if (a.size() > b.size() + cap || b.size() > a.size() + cap) return cap + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string nearest_of(std::string_view name, std::span<const std::string_view> candidates) {
  // Two edits (a transposition such as EPREM/EPERM) always count as close, longer names more.
  size_t limit = std::max<size_t>(2, name.size() / 3);
  if (limit >= name.size()) limit = name.size() > 1 ? name.size() - 1 : 0;
  size_t best = limit + 1;
  std::string_view pick;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(name, c, limit);
    if (d < best) {
      best = d;
      pick = c;
    }
  }
  return std::string(pick);
}

}  // namespace sysfence
