#include "sysfence/result.hpp"

#include <string>

namespace sysfence {
namespace {

std::string location_prefix(const SourceLoc& w) {
  if (!w.json_path.empty()) {
    return (w.file.empty() ? std::string() : w.file + ": ") + w.json_path + ": ";
  }
  if (w.line > 0) {
    std::string s = w.file.empty() ? std::string("<input>") : w.file;
    s += "(" + std::to_string(w.line) + ":" + std::to_string(w.col) + "): ";
    return s;
  }
  if (!w.file.empty()) return w.file + ": ";
  return {};
}

void append_caret(std::string& out, const SourceLoc& w) {
  if (w.line <= 0 || w.source_line.empty()) return;
  out += "  " + w.source_line + "\n  ";
  // Keep tabs so the caret lines up under tab-indented source.
  for (int i = 1; i < w.col && i - 1 < static_cast<int>(w.source_line.size()); ++i) {
    out += w.source_line[static_cast<size_t>(i - 1)] == '\t' ? '\t' : ' ';
  }
  out += "^\n";
}

}  // namespace

std::string Error::render() const {
  std::string out = location_prefix(where) + message + "\n";
  append_caret(out, where);
  if (!hint.empty()) out += "hint: " + hint + "\n";
  for (const Note& n : notes) {
    out += location_prefix(n.where) + "note: " + n.message + "\n";
    append_caret(out, n.where);
  }
  return out;
}

}  // namespace sysfence
