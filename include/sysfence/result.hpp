// sysfence/result.hpp — the one error type every stage returns, and the sink that collects them.
//
//   sysfence::Result<int> parse(std::string_view s) {
//     if (s.empty()) return sysfence::Error{"empty input", {}, "give a number"};
//     return 42;
//   }
//   auto r = parse("x");
//   if (!r) std::cerr << r.error().render() << '\n';
//   else use(*r);
//
//   sysfence::Error w = sysfence::Error::warning(sysfence::ErrorCode::Lint, "rule never matches");
//   if (auto tid = e.tsync_thread()) ...;          // typed data, never parsed from the text
//   if (auto* f = std::get_if<sysfence::FileProblem>(&e.payload)) use(f->reason);
//
// C++20 has no std::expected; Result<T> is the small subset we need. An Error is a value: what
// is wrong (message), where (SourceLoc: file:line:col for text, a JSON path for JSON, or
// nothing), what would fix it (hint), related places (notes), and for programs: a code (what
// kind of problem), a severity (an error, or a warning that never fails anything by itself), the
// errno of a failed system call, and typed data (payload: the thread that blocked a TSYNC
// install, the file that could not be read and why). Code that decides something looks at these fields, never at the message text.
//
// Known weaknesses: codes are coarse (one per kind of problem, not per message).
#pragma once

#include <sys/types.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence {

// Where an IR node or an error came from. line/col are 1-based; 0 means "unknown".
struct SourceLoc {
  std::string file;  // path of a text or JSON input; empty for the C++/C APIs
  int line = 0;
  int col = 0;
  std::string json_path;    // e.g. "syscalls[4].args[1].op" for JSON inputs
  std::string source_line;  // the text of the line, for the caret display (may be empty)

  bool known() const { return line > 0 || !json_path.empty(); }
};

struct Note {
  std::string message;
  SourceLoc where;
};

// What kind of problem an Error is. Programs branch on this (and on the payload), not on text.
enum class ErrorCode : uint16_t {
  Unspecified = 0,  // not classified
  Syntax,           // malformed input (text, JSON, assembly, raw BPF)
  UnknownName,      // a syscall, group, constant, errno, arch or field that does not exist
  InvalidPolicy,    // a policy that is well-formed but wrong (Policy::build's checks)
  NeverMatches,     // a condition or rule that can never hold
  LimitExceeded,    // past a size limit (input bytes, tokens, rules, instructions, errors)
  Unsupported,      // cannot be expressed in the target (an OCI export, an old kernel)
  Io,               // reading or writing a file
  System,           // a failed system call (sys_errno says which errno)
  TsyncBlocked,     // a TSYNC install named a thread that could not be synchronized (payload)
  Lint,             // a finding of `sysfence check` about a policy that works
};

// An error fails what produced it; a warning never does by itself (`check --strict` promotes
// warnings to errors, keeping their severity so they still read "warning:").
enum class Severity : uint8_t { Error, Warning };

// Typed data an Error carries for programs.
struct TsyncThread {
  pid_t tid = 0;  // the thread that blocked SECCOMP_FILTER_FLAG_TSYNC
  friend bool operator==(const TsyncThread&, const TsyncThread&) = default;
};
// A file that could not be read or written: its path, and why without the path ("No such file
// or directory", "is a directory"), for callers that name the file their own way.
struct FileProblem {
  std::string path;
  std::string reason;
  friend bool operator==(const FileProblem&, const FileProblem&) = default;
};
using ErrorPayload = std::variant<std::monostate, TsyncThread, FileProblem>;

struct Error {
  std::string message;  // without a "warning: " prefix: severity says that
  SourceLoc where;
  std::string hint;         // "what would fix it"; may be empty
  std::vector<Note> notes;  // e.g. "note: earlier definition is here"
  int sys_errno = 0;        // the errno behind a failed system call, when there was one
  ErrorCode code = ErrorCode::Unspecified;
  Severity severity = Severity::Error;
  ErrorPayload payload{};

  // The one way to build an Error outside aggregate initialization.
  static Error make(ErrorCode code, std::string message, std::string hint = {},
                    SourceLoc where = {});
  static Error warning(ErrorCode code, std::string message, std::string hint = {},
                       SourceLoc where = {});
  // A failed system call: "what: <strerror(err)>", sys_errno = err, code System.
  static Error system(std::string what, int err, std::string hint = {});

  bool is_warning() const { return severity == Severity::Warning; }
  // The message as the first line shows it: "warning: " + message for a warning.
  std::string text() const;
  // The thread a failed TSYNC install named (payload TsyncThread), if any.
  std::optional<pid_t> tsync_thread() const;

  // Renders the minijail-style diagnostic:
  //   file(line:col): message              (warning: message, for a warning)
  //     <source line>
  //     ^
  //   hint: ...
  //   file(line:col): note: ...
  //   note: tsync_tid=N                    (for a TSYNC payload)
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
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error& error() {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
struct Ok {};
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Ok) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : err_(std::move(error)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(failed_);
    return err_;
  }
  Error& error() {
    assert(failed_);
    return err_;
  }

 private:
  Error err_;
  bool failed_ = false;
};

}  // namespace sysfence

SYSFENCE_API_END
