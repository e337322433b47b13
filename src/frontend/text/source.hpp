// Internal to the text frontend: source files, positions, and the diagnostics of one parse.
//
//   text::Diag d;
//   d.files.push_back({"p.policy", text, text::split_lines(text)});
//   d.error(text::Pos{0, 3, 7}, "unknown syscall \"reed\"", "did you mean \"read\"?");
//   // d.errors[0].render(): p.policy(3:7): unknown syscall "reed" + the line and a caret
//
// Diag keeps at most kMaxErrors errors and kMaxWarnings warnings (the rest are counted), and
// reports one diagnostic once when it arises per arch or per group member.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sysfence/result.hpp"

namespace sysfence::frontend::text {

struct Pos {
  int file = -1;
  int line = 0;
  int col = 0;
};

struct SourceFile {
  std::string path;
  std::string text;
  std::vector<uint32_t> lines;  // offset of each line's first character in `text`
};

class Diag {
 public:
  std::vector<SourceFile> files;
  std::vector<Error> errors;
  std::vector<Error> warnings;
  std::set<std::pair<int, int>> bad_lines;  // (file, line) with a lexical error
  size_t tokens = 0;                         // lexed so far, in all files (against kMaxTokens)

  SourceLoc loc(Pos p) const {
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
      size_t to = static_cast<size_t>(p.line) < f.lines.size() ? f.lines[static_cast<size_t>(p.line)] - 1 : f.text.size();
      if (to > from && f.text[to - 1] == '\r') --to;
      if (to - from <= kMaxCaretLine) l.source_line = f.text.substr(from, to - from);
    }
    return l;
  }
  Error make(Pos p, std::string msg, std::string hint = {}) const {
    Error e;
    e.message = std::move(msg);
    e.where = loc(p);
    e.hint = std::move(hint);
    return e;
  }
  void error(Error e) {
    if (add(errors, std::move(e), kMaxErrors)) ++error_count_;
  }
  void error(Pos p, std::string msg, std::string hint = {}) { error(make(p, std::move(msg), std::move(hint))); }
  void warn(Error e) {
    e.message = "warning: " + e.message;
    add(warnings, std::move(e), kMaxWarnings);
  }
  void warn(Pos p, std::string msg, std::string hint = {}) { warn(make(p, std::move(msg), std::move(hint))); }
  // At the cap: callers in hot loops (the lexer on garbage) count instead of building messages.
  bool saturated() const { return errors.size() >= kMaxErrors; }
  void drop_error() {
    ++dropped_errors_;
    ++error_count_;
  }
  // Errors found so far (also those past the cap, which are counted but not kept).
  size_t error_count() const { return error_count_; }
  struct Mark {
    size_t kept, counted;
  };
  Mark mark() const { return {errors.size(), error_count_}; }
  // Drops errors recorded after a look-ahead that is being undone.
  void truncate_errors(Mark m) {
    while (errors.size() > m.kept) {
      seen_.erase(errors.back().render());
      errors.pop_back();
    }
    error_count_ = m.counted;
  }
  // Appends "N more errors/warnings not shown" when the caps were reached.
  void finish() {
    if (dropped_errors_) {
      Error e;
      e.message = std::to_string(dropped_errors_) + " more errors not shown";
      e.hint = "fix the first ones and run again";
      errors.push_back(std::move(e));
    }
    if (dropped_warnings_) {
      Error e;
      e.message = "warning: " + std::to_string(dropped_warnings_) + " more warnings not shown";
      warnings.push_back(std::move(e));
    }
  }

  static constexpr size_t kMaxErrors = 100;
  static constexpr size_t kMaxWarnings = 1000;
  static constexpr size_t kMaxCaretLine = 400;

 private:
  std::set<std::string> seen_;
  size_t error_count_ = 0;
  size_t dropped_errors_ = 0, dropped_warnings_ = 0;
  // Returns whether `e` is new (not a repeat).
  bool add(std::vector<Error>& to, Error e, size_t cap) {
    // The same diagnostic can arise once per arch or per group member: report it once.
    if (to.size() >= cap) {  // past the cap: counted, not rendered (16 MiB of garbage is 16M errors)
      ++(&to == &errors ? dropped_errors_ : dropped_warnings_);
      return true;
    }
    std::string key = e.render();
    if (seen_.count(key)) return false;
    seen_.insert(std::move(key));
    to.push_back(std::move(e));
    return true;
  }
};

// Where each line starts (offsets into the text), not copies of the lines: 16 MiB of newlines
// costs 16M offsets, not 16M strings.
std::vector<uint32_t> split_lines(const std::string& text);

// `s` in double quotes, as diagnostics show names.
std::string quote(std::string_view s);

}  // namespace sysfence::frontend::text
