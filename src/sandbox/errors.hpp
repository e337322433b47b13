// src/sandbox/errors.hpp — one way to build an Error in this module (private).
#pragma once

#include <string>

#include "sysfence/result.hpp"

namespace sysfence::sandbox {

inline Error make_error(std::string message, std::string hint = "", SourceLoc where = {}) {
  Error e;
  e.message = std::move(message);
  e.hint = std::move(hint);
  e.where = std::move(where);
  return e;
}

}  // namespace sysfence::sandbox
