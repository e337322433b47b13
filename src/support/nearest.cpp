#include "sysfence/support/nearest.hpp"

#include <algorithm>
#include <vector>

namespace sysfence {

size_t edit_distance(std::string_view a, std::string_view b, size_t cap) {
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > cap) return cap + 1;
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, prev2[j - 2] + 1);  // adjacent transposition
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > cap) return cap + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
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
