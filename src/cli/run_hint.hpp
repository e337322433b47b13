// src/cli/run_hint.hpp — the one line `run` prints after the program when the filter may be why
// it failed (unless --quiet). Shared by cmd_run.cpp and the start-up fast path
// (fast_start/fast_run.cpp), which must print exactly the same; plain character arrays, so the
// fast path (no C library) can use them.
#pragma once

namespace sysfence::cli::run_hint {

// "sysfence: " PROG kSigsys
inline constexpr char kPrefix[] = "sysfence: ";
inline constexpr char kSigsys[] =
    " was killed by SIGSYS: the filter's kill or trap action on a syscall the policy denies; "
    "`sysfence run --report ...` names it (--quiet silences this line)\n";
// "sysfence: " PROG kExited STATUS kExitedTail
inline constexpr char kExited[] = " exited with status ";
inline constexpr char kExitedTail[] =
    "; if a syscall the policy denies made it fail, `sysfence run --report ...` names it (--quiet "
    "silences this line)\n";

}  // namespace sysfence::cli::run_hint
