// Internal to the text frontend: see source.hpp.
#include "frontend/text/source.hpp"

namespace sysfence::frontend::text {

std::vector<uint32_t> split_lines(const std::string& text) {
  std::vector<uint32_t> out{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') out.push_back(static_cast<uint32_t>(i + 1));
  return out;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace sysfence::frontend::text
