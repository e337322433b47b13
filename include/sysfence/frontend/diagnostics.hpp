// sysfence/frontend/diagnostics.hpp — what a frontend returns: a value plus every diagnostic.
//
//   sysfence::frontend::Parsed<sysfence::ir::PolicySpec> r = parse_policy_file("p.policy");
//   std::cerr << r.render();            // all errors, then all warnings, each with its caret
//   if (!r.ok()) return 2;
//   use(*r.value);
//
// Unlike Result<T>, which stops at the first error, a frontend keeps going (it recovers at the
// next statement) so one run reports every mistake in a file. Warnings are Errors with
// Severity::Warning; they never make ok() false.
//
// Text policies report diagnostics in source order; JSON imports in document order.
//
// Known weaknesses: warnings are listed after all errors rather than interleaved.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sysfence/result.hpp"
#include "sysfence/export.hpp"

SYSFENCE_API_BEGIN
namespace sysfence::frontend {

template <class T>
struct Parsed {
  std::optional<T> value;       // set when there were no errors
  std::vector<Error> errors;    // each rendered with Error::render()
  std::vector<Error> warnings;  // Severity::Warning

  bool ok() const { return errors.empty() && value.has_value(); }
  explicit operator bool() const { return ok(); }

  // Every error, then every warning, rendered and concatenated.
  std::string render() const {
    std::string out;
    for (const Error& e : errors) out += e.render();
    for (const Error& w : warnings) out += w.render();
    return out;
  }
  // Folds the diagnostics into one Error (the first, with the rest as notes) for callers that
  // only handle Result<T>.
  Error first_error() const {
    Error e;
    if (errors.empty())
      e.message = "no value";
    else
      e = errors.front();
    for (size_t i = 1; i < errors.size(); ++i)
      e.notes.push_back({errors[i].text(), errors[i].where});
    return e;
  }
};

}  // namespace sysfence::frontend

SYSFENCE_API_END
