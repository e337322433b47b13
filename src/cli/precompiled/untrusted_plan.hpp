// src/cli/precompiled/untrusted_plan.hpp — the sandbox plan of `run --profile untrusted`, made
// at build time (sysfence_precompile_default) from policies/profiles/untrusted.policy by the
// same statement code the full path runs, for the start-up fast path (fast_start/fast_run.cpp),
// which reads it before the C library is set up: plain data, no constructors.
//
// What depends on the machine stays out and is done at run time as the full path does it: which
// profile paths exist (statements.cpp skips the missing ones), $CWD, the Landlock ABI, whether
// the caller holds CAP_SYS_ADMIN, cap_last_cap. The plan is the one sandbox::prepare() makes for
// a caller with CAP_SYS_ADMIN (no user namespace: `net none` is a network namespace) on a kernel
// whose Landlock ABI is at least min_landlock_abi (below it the full path prints a best-effort
// note: the fast path declines). tests/cli/precompiled/precompiled_default_test.cpp compares it
// with prepare()'s Plan on the running machine.
#pragma once

extern "C" {

struct SysfenceFastPathRule {
  const char* path;           // absolute; nullptr: $CWD (the program's working directory)
  unsigned long long access;  // Landlock access bits the rule allows (before the ABI's mask)
};

struct SysfenceFastProfilePlan {
  unsigned long unshare;     // CLONE_NEW* bits, CLONE_NEWPID included (made by clone)
  const char* const* tmpfs;  // `mount tmpfs` targets, in order
  unsigned n_tmpfs;
  const SysfenceFastPathRule* rules;  // `fs` rules, in order (missing paths are skipped)
  unsigned n_rules;
  int min_landlock_abi;                 // the lowest ABI the plan holds on without a note
  int max_landlock_abi;                 // the highest ABI handled_fs[] knows (above it: decline)
  unsigned long long handled_fs[16];    // [abi - min_landlock_abi]: ll::fs_bits_for_abi(abi)
  unsigned long long scoped;            // Landlock scopes (ABI 6)
  unsigned long long file_only_access;  // ll::kFileOnlyBits: what a rule on a file may allow
};

__attribute__((
    visibility("hidden"))) extern const SysfenceFastProfilePlan sysfence_fast_untrusted_plan;

}  // extern "C"
