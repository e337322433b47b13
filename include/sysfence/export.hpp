// sysfence/export.hpp — what libsysfence.so exports.
//
//   #include "sysfence/export.hpp"
//   SYSFENCE_API_BEGIN
//   namespace sysfence::bpf { Program disassemble(...); }   // exported
//   SYSFENCE_API_END
//
// The library is built with -fvisibility=hidden: a symbol is exported only when it is declared
// between SYSFENCE_API_BEGIN and SYSFENCE_API_END, which only the public headers (the list in
// cmake/install.cmake, the only headers installed) do. The shared library's ABI is checked against
// abi/libsysfence.so.<SOVERSION>.abi in CI (scripts/abi_check.sh). Static users and the in-tree
// tools link the objects directly and see everything.
#pragma once

#define SYSFENCE_API_BEGIN _Pragma("GCC visibility push(default)")
#define SYSFENCE_API_END _Pragma("GCC visibility pop")
