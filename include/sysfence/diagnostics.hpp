// sysfence/diagnostics.hpp — the one sink every frontend and ir::ValidatedPolicy::build report into.
//
//   sysfence::Diagnostics sink;
//   sink.report(sysfence::Error::make(sysfence::ErrorCode::Syntax, "expected ':'", "", where));
//   sink.report(sysfence::Error::warning(sysfence::ErrorCode::Lint, "rule never matches"));
//   auto policy = sysfence::ir::ValidatedPolicy::build(std::move(spec), sink);   // adds its own
//   sink.finish();                       // "N more errors not shown" when past the caps
//   for (const auto& e : sink.errors) std::cerr << e.render();
//   if (sink.error_count()) return 2;
//
// report() files an Error by its severity. Past the caps (Limits) errors and warnings are
// counted, not kept, so garbage input cannot make memory grow with each mistake; with
// `unique`, a diagnostic that renders the same as one already kept (one mistake seen once per
// arch or per group member) is kept once.
//
// Known weaknesses: de-duplication compares rendered text, so two diagnostics that differ only
// in their code or payload count as one.
#pragma once

#include <cstddef>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence {

class Diagnostics {
 public:
  struct Limits {
    size_t max_errors = std::numeric_limits<size_t>::max();
    size_t max_warnings = std::numeric_limits<size_t>::max();
    bool unique = false;  // keep one of diagnostics that render the same
  };
  Diagnostics() = default;
  explicit Diagnostics(Limits limits) : limits_(limits) {}

  std::vector<Error> errors;    // kept, in the order reported
  std::vector<Error> warnings;  // Severity::Warning

  // Files `e` under errors or warnings by its severity.
  void report(Error e);
  // The same, forcing the severity.
  void error(Error e);
  void warn(Error e);

  // Errors reported so far (also those past the cap, which are counted but not kept).
  size_t error_count() const { return error_count_; }
  // The error cap is reached: callers in hot loops count with drop_error() instead of building
  // messages.
  bool saturated() const { return errors.size() >= limits_.max_errors; }
  void drop_error() {
    ++dropped_errors_;
    ++error_count_;
  }

  // Undoing a look-ahead: the errors reported after mark() are dropped.
  struct Mark {
    size_t kept, counted;
  };
  Mark mark() const { return {errors.size(), error_count_}; }
  void truncate_errors(Mark m);

  // Appends "N more errors not shown" / "N more warnings not shown" when the caps were reached.
  void finish();

  const Limits& limits() const { return limits_; }

 private:
  bool add(std::vector<Error>& to, Error e, size_t cap);  // false: a repeat
  Limits limits_;
  std::set<std::string> seen_;  // rendered, when limits_.unique
  size_t error_count_ = 0;
  size_t dropped_errors_ = 0, dropped_warnings_ = 0;
};

}  // namespace sysfence

SYSFENCE_API_END
