// For clang-tidy 14 only (scripts/lint.sh --tidy passes it with -include): libstdc++ 12 defines
// std::source_location only when the compiler has __builtin_source_location, which clang has
// from version 15; without it src/api (include/sysfence/sysfence.hpp) does not parse. This
// declares the same members from the older builtins so that the analysis sees the real code.
// Never compiled into the product.
#pragma once
#include <source_location>
#if !defined(__cpp_lib_source_location)
#include <cstdint>
namespace std {  // NOLINT(cert-dcl58-cpp): a stand-in for the missing standard class
struct source_location {
  static consteval source_location current(uint_least32_t line = __builtin_LINE(),
                                           uint_least32_t column = __builtin_COLUMN(),
                                           const char* file = __builtin_FILE(),
                                           const char* function = __builtin_FUNCTION()) noexcept {
    source_location l;
    l.line_ = line;
    l.column_ = column;
    l.file_ = file;
    l.function_ = function;
    return l;
  }
  constexpr source_location() noexcept = default;
  constexpr uint_least32_t line() const noexcept { return line_; }
  constexpr uint_least32_t column() const noexcept { return column_; }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }

 private:
  uint_least32_t line_ = 0;
  uint_least32_t column_ = 0;
  const char* file_ = "";
  const char* function_ = "";
};
}  // namespace std
#endif
