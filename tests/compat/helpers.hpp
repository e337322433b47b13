// tests/compat/helpers.hpp — running the twice-compiled C programs and comparing what the two
// libraries did: transcripts (return codes), exit statuses, and the exported BPF programs run
// in the sysfence emulator over the same probes.
//
//   auto ls = run_program(bin("driver", Lib::Libseccomp), script);
//   auto sf = run_program(bin("driver", Lib::Sysfence), script);
//   expect_same_transcript(ls.out, sf.out);
//   expect_same_filters(ls_bpf_path, sf_bpf_path, script);
//
// Known weaknesses: the probes are chosen from the values the script's rules mention (and their
// neighbours) plus random arguments, so a difference at a value nobody mentions can slip by.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <string>
#include <vector>

#ifndef COMPAT_HAVE_LIBSECCOMP
#define COMPAT_HAVE_LIBSECCOMP 0
#endif

namespace compat_test {

enum class Lib { Sysfence, Libseccomp, SysfenceExt };

// Path of a test program: compat_<name>_sf / _ls / _ext.
std::string bin(const std::string& name, Lib lib);

struct RunResult {
  std::string out;
  std::string err;
  int status = -1;         // raw wait status
  bool timed_out = false;  // killed after the timeout
};

// Runs `path args` with `input` on stdin; `env` entries ("NAME=value") are added.
RunResult run_program(const std::string& path, const std::vector<std::string>& args = {},
                      const std::string& input = {}, const std::vector<std::string>& env = {},
                      int timeout_s = 60);

std::string temp_path(const std::string& stem);

// Runs the driver with `script` on both libraries (and on the ABI object when `abi`). Each
// "@OUT@" in the script becomes a per-run file path, "@PFC@" a file for libseccomp's PFC (and
// /dev/null for the others). Returns the paths written.
struct DiffRun {
  RunResult ls, sf, abi;
  std::string ls_bpf, sf_bpf;
  std::string ls_pfc;  // "@PFC@" in the script: libseccomp's PFC export goes here
};
// `base` (NAME=value entries) with each entry of `overrides` replacing the one of its name.
std::vector<std::string> merge_env(std::vector<std::string> base,
                                   const std::vector<std::string>& overrides);

// Environment for running a libseccomp-linked program on sysfence's libseccomp.so.2 (the ABI
// door): `extra`, then LD_LIBRARY_PATH and, in a sanitized build, the sanitizer runtimes
// preloaded (these win over `extra`).
std::vector<std::string> abi_env(const std::vector<std::string>& extra = {});

DiffRun run_both(const std::string& script, bool abi = false);

// Lines must be equal except lines starting with '!' (known, documented differences).
void expect_same_transcript(const std::string& ls, const std::string& sf);

// One probe on which the two programs disagree.
struct Mismatch {
  uint32_t audit_arch;
  uint32_t nr;
  uint64_t args[6];
  uint32_t ls_ret, sf_ret;
};

// Emulates both programs over probes derived from `script` and reports the differences, unless
// `excuse` (when given) says a difference is libseccomp's own inconsistency (returns true).
// Returns the number of probes run.
size_t expect_same_filters(const std::string& ls_bpf, const std::string& sf_bpf,
                           const std::string& script, size_t max_reports = 10,
                           const std::function<bool(const Mismatch&)>& excuse = {});

// Emulates one program file on one probe.
uint32_t emulate_file(const std::string& bpf, const Mismatch& probe);

std::vector<uint8_t> read_file(const std::string& path);

}  // namespace compat_test
