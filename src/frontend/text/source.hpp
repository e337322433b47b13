// Internal to the text frontend: source files, positions, and the diagnostics of one parse.
//
//   text::Diag d;
//   d.files.push_back({"p.policy", text, text::split_lines(text)});
//   d.error(text::Pos{0, 3, 7}, "unknown syscall \"reed\"", "did you mean \"read\"?");
//   // d.errors[0].render(): p.policy(3:7): unknown syscall "reed" + the line and a caret
//
// Diag is the shared sink (sysfence/diagnostics.hpp) with the files of one parse: it keeps at
// most kMaxErrors errors and kMaxWarnings warnings (the rest are counted), and reports one
// diagnostic once when it arises per arch or per group member.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sysfence/diagnostics.hpp"
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

// The sink of one parse (sysfence::Diagnostics, capped and de-duplicated) plus the files read,
// so that a position becomes a SourceLoc with its source line.
class Diag : public Diagnostics {
 public:
  static constexpr size_t kMaxErrors = 100;
  static constexpr size_t kMaxWarnings = 1000;
  static constexpr size_t kMaxCaretLine = 400;

  Diag() : Diagnostics(Limits{kMaxErrors, kMaxWarnings, true}) {}

  std::vector<SourceFile> files;
  std::set<std::pair<int, int>> bad_lines;  // (file, line) with a lexical error
  size_t tokens = 0;                        // lexed so far, in all files (against kMaxTokens)

  SourceLoc loc(Pos p) const;
  // The code of an error whose site names none: Syntax while lexing and parsing,
  // InvalidPolicy while lowering (lower_rules sets it).
  ErrorCode default_code = ErrorCode::Syntax;

  // An error at p.
  Error make(Pos p, std::string msg, std::string hint = {}) const {
    return make(p, default_code, std::move(msg), std::move(hint));
  }
  Error make(Pos p, ErrorCode code, std::string msg, std::string hint = {}) const {
    return Error::make(code, std::move(msg), std::move(hint), loc(p));
  }
  using Diagnostics::error;
  using Diagnostics::warn;
  void error(Pos p, std::string msg, std::string hint = {}) {
    error(make(p, std::move(msg), std::move(hint)));
  }
  void error(Pos p, ErrorCode code, std::string msg, std::string hint = {}) {
    error(make(p, code, std::move(msg), std::move(hint)));
  }
  // Warnings of the language are findings about a policy that works: ErrorCode::Lint.
  void warn(Pos p, std::string msg, std::string hint = {}) {
    warn(make(p, ErrorCode::Lint, std::move(msg), std::move(hint)));
  }
};

// Where each line starts (offsets into the text), not copies of the lines: 16 MiB of newlines
// costs 16M offsets, not 16M strings.
std::vector<uint32_t> split_lines(const std::string& text);

// `s` in double quotes, as diagnostics show names.
std::string quote(std::string_view s);

}  // namespace sysfence::frontend::text
