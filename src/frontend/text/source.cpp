// Internal to the text frontend: see source.hpp.
#include "frontend/text/source.hpp"

namespace sysfence::frontend::text {

SourceLoc Diag::loc(Pos p) const {
  SourceLoc l;
  if (p.file < 0) return l;
  const SourceFile& f = files[static_cast<size_t>(p.file)];
  l.file = f.path;
  l.line = p.line;
  l.col = p.col;
  if (p.line > 0 && static_cast<size_t>(p.line) <= f.lines.size()) {
    // Every IR comparison carries its location: a very long line (a minified or generated
    // policy) is not copied into each of them, and would not help under a caret anyway.
    size_t from = f.lines[static_cast<size_t>(p.line - 1)];
    // The next line's start (or the end of the text) bounds this one: no scan of the line.
    size_t to = static_cast<size_t>(p.line) < f.lines.size()
                    ? f.lines[static_cast<size_t>(p.line)] - 1
                    : f.text.size();
    if (to > from && f.text[to - 1] == '\r') --to;
    if (to - from <= kMaxCaretLine) l.source_line = f.text.substr(from, to - from);
  }
  return l;
}

std::vector<uint32_t> split_lines(const std::string& text) {
  std::vector<uint32_t> out{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') out.push_back(static_cast<uint32_t>(i + 1));
  return out;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace sysfence::frontend::text
