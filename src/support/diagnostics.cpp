// The diagnostic sink: see sysfence/diagnostics.hpp.
#include "sysfence/diagnostics.hpp"

#include <utility>

namespace sysfence {

void Diagnostics::report(Error e) {
  if (e.is_warning()) {
    add(warnings, std::move(e), limits_.max_warnings);
  } else if (add(errors, std::move(e), limits_.max_errors)) {
    ++error_count_;
  }
}

void Diagnostics::error(Error e) {
  e.severity = Severity::Error;
  report(std::move(e));
}

void Diagnostics::warn(Error e) {
  e.severity = Severity::Warning;
  report(std::move(e));
}

bool Diagnostics::add(std::vector<Error>& to, Error e, size_t cap) {
  if (to.size() >= cap) {  // past the cap: counted, not rendered (16 MiB of garbage is 16M errors)
    ++(&to == &errors ? dropped_errors_ : dropped_warnings_);
    return true;
  }
  if (limits_.unique) {
    std::string key = e.render(false);
    if (!seen_.insert(std::move(key)).second) return false;
  }
  to.push_back(std::move(e));
  return true;
}

void Diagnostics::truncate_errors(Mark m) {
  while (errors.size() > m.kept) {
    if (limits_.unique) seen_.erase(errors.back().render(false));
    errors.pop_back();
  }
  error_count_ = m.counted;
}

void Diagnostics::finish() {
  if (dropped_errors_) {
    errors.push_back(Error::make(ErrorCode::LimitExceeded,
                                 std::to_string(dropped_errors_) + " more errors not shown",
                                 "fix the first ones and run again"));
    dropped_errors_ = 0;
  }
  if (dropped_warnings_) {
    warnings.push_back(Error::warning(
        ErrorCode::LimitExceeded, std::to_string(dropped_warnings_) + " more warnings not shown"));
    dropped_warnings_ = 0;
  }
}

}  // namespace sysfence
