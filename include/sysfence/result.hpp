// sysfence/result.hpp — the one error type every stage returns.
//
//   sysfence::Result<int> parse(std::string_view s) {
//     if (s.empty()) return sysfence::Error{"empty input", {}, "give a number"};
//     return 42;
//   }
//   auto r = parse("x");
//   if (!r) std::cerr << r.error().render() << '\n';
//   else use(*r);
//
// C++20 has no std::expected; Result<T> is the small subset we need. An Error says what is
// wrong (message), where (SourceLoc: file:line:col for text, a JSON path for JSON, or nothing),
// and what would fix it (hint). Notes point at related places (an earlier definition).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace sysfence {

// Where an IR node or an error came from. line/col are 1-based; 0 means "unknown".
struct SourceLoc {
  std::string file;       // path of a text or JSON input; empty for the C++/C APIs
  int line = 0;
  int col = 0;
  std::string json_path;  // e.g. "syscalls[4].args[1].op" for JSON inputs
  std::string source_line;  // the text of the line, for the caret display (may be empty)

  bool known() const { return line > 0 || !json_path.empty(); }
};

struct Note {
  std::string message;
  SourceLoc where;
};

struct Error {
  std::string message;
  SourceLoc where;
  std::string hint;          // "what would fix it"; may be empty
  std::vector<Note> notes;   // e.g. "note: earlier definition is here"
  int sys_errno = 0;         // the errno behind a failed system call, when there was one

  // Renders the minijail-style diagnostic:
  //   file(line:col): message
  //     <source line>
  //     ^
  //   hint: ...
  //   file(line:col): note: ...
  // For JSON: "file: path: message". Without a location: just the message (and hint).
  // render() colours the text (ANSI SGR) when set_diagnostics_colour(true) was called, which the
  // `sysfence` CLI does when stderr is a terminal and NO_COLOR is unset; render(false) never
  // colours (for JSON and files). Colour only adds escapes: the text is the same.
  std::string render() const;
  std::string render(bool colour) const;
};

// Process-wide default of Error::render() (off unless turned on). Thread-safe.
void set_diagnostics_colour(bool on) noexcept;
bool diagnostics_colour() noexcept;

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error& error() { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}                                         // NOLINT(google-explicit-constructor)
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(failed_); return err_; }
  Error& error() { assert(failed_); return err_; }

 private:
  Error err_;
  bool failed_ = false;
};

}  // namespace sysfence
