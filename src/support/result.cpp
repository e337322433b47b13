#include "sysfence/result.hpp"

#include <atomic>
#include <cstring>
#include <string>

namespace sysfence {
namespace {

std::atomic<bool> g_colour{false};

// ANSI SGR sequences, or nothing. The roles: where (bold), an error's message (bold red), a
// warning's "warning:" (bold magenta), notes (bold cyan), the caret (bold green), hints (green).
struct Paint {
  bool on;
  std::string operator()(const char* sgr, const std::string& text) const {
    if (!on || text.empty()) return text;
    return std::string("\033[") + sgr + "m" + text + "\033[0m";
  }
};
constexpr const char* kBold = "1";
constexpr const char* kError = "1;31";
constexpr const char* kWarning = "1;35";
constexpr const char* kNote = "1;36";
constexpr const char* kCaret = "1;32";
constexpr const char* kHint = "32";

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

void append_caret(std::string& out, const SourceLoc& w, const Paint& paint) {
  if (w.line <= 0 || w.source_line.empty()) return;
  out += "  " + w.source_line + "\n  ";
  // Keep tabs so the caret lines up under tab-indented source.
  for (int i = 1; i < w.col && i - 1 < static_cast<int>(w.source_line.size()); ++i) {
    out += w.source_line[static_cast<size_t>(i - 1)] == '\t' ? '\t' : ' ';
  }
  out += paint(kCaret, "^") + "\n";
}

// A warning: magenta "warning:" + bold " message"; an error: bold red.
std::string paint_message(const Error& e, const Paint& paint) {
  if (e.is_warning()) return paint(kWarning, "warning:") + paint(kBold, " " + e.message);
  return paint(kError, e.message);
}

}  // namespace

void set_diagnostics_colour(bool on) noexcept { g_colour.store(on, std::memory_order_relaxed); }
bool diagnostics_colour() noexcept { return g_colour.load(std::memory_order_relaxed); }

Error Error::make(ErrorCode code, std::string message, std::string hint, SourceLoc where) {
  Error e;
  e.message = std::move(message);
  e.where = std::move(where);
  e.hint = std::move(hint);
  e.code = code;
  return e;
}

Error Error::warning(ErrorCode code, std::string message, std::string hint, SourceLoc where) {
  Error e = make(code, std::move(message), std::move(hint), std::move(where));
  e.severity = Severity::Warning;
  return e;
}

Error Error::system(std::string what, int err, std::string hint) {
  Error e = make(ErrorCode::System, std::move(what) + ": " + std::strerror(err), std::move(hint));
  e.sys_errno = err;
  return e;
}

std::string Error::text() const { return is_warning() ? "warning: " + message : message; }

std::optional<pid_t> Error::tsync_thread() const {
  if (const auto* t = std::get_if<TsyncThread>(&payload)) return t->tid;
  return std::nullopt;
}

std::string Error::render() const { return render(diagnostics_colour()); }

std::string Error::render(bool colour) const {
  const Paint paint{colour};
  std::string out = paint(kBold, location_prefix(where)) + paint_message(*this, paint) + "\n";
  append_caret(out, where, paint);
  if (!hint.empty()) out += paint(kHint, "hint:") + " " + hint + "\n";
  for (const Note& n : notes) {
    out += paint(kBold, location_prefix(n.where)) + paint(kNote, "note:") + " " + n.message + "\n";
    append_caret(out, n.where, paint);
  }
  // The thread behind a failed TSYNC, as the note it has always been shown as.
  if (auto tid = tsync_thread())
    out += paint(kNote, "note:") + " tsync_tid=" + std::to_string(*tid) + "\n";
  return out;
}

}  // namespace sysfence
