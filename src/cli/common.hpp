// src/cli/common.hpp — shared glue for the `sysfence` subcommands: exit codes, errors, file
// I/O, JSON output, and turning command-line choices into library inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sysfence/arch/arch.hpp"
#include "sysfence/support/format.hpp"
#include "sysfence/result.hpp"

namespace sysfence::cli {

// Documented exit codes (docs/cli.md).
inline constexpr int kExitOk = 0;     // success
inline constexpr int kExitFail = 1;   // denied, failed, or a finding of `check`
inline constexpr int kExitUsage = 2;  // bad usage or bad input (policy, file, syscall name)

// Thrown by subcommands to end the program with a message on stderr and an exit code.
// With --json, main() prints {"ok": false, "exit_code": N, "errors": [...]} on stdout: the
// `diagnostics` when there are any (file, line, col, json_path, message, hint), else `message`.
struct Exit {
  int code;
  std::string message;                  // printed as "sysfence: <message>" unless empty
  bool rendered = false;                // message is a rendered diagnostic: printed as it is
  std::vector<Error> diagnostics = {};  // the structured errors behind `message`, when known
};

[[noreturn]] inline void fail_usage(std::string msg) { throw Exit{kExitUsage, std::move(msg)}; }
[[noreturn]] inline void fail(std::string msg) { throw Exit{kExitFail, std::move(msg)}; }

// Unwraps a Result, or ends with the rendered diagnostic and `code`.
template <class T>
T take(Result<T> r, int code = kExitUsage) {
  if (!r) throw Exit{code, r.error().render(), true, {r.error()}};
  return std::move(r).value();
}
inline void take(Result<void> r, int code = kExitUsage) {
  if (!r) throw Exit{code, r.error().render(), true, {r.error()}};
}

// One diagnostic as JSON: message, rendered, and file/line/col/json_path/hint when known.
nlohmann::json diagnostic_json(const Error& e);

// The JSON object a command prints on stdout for a failure under --json.
nlohmann::json failure_json(const Exit& e);

// The standard streams, constructed on first use: the executable's <iostream>
// (src/cli/lazy_iostream) does not construct them before main, so that `compile FILE -o OUT`,
// which writes one line to stderr, does not build eight streams and the classic locale first.
// Every use of std::cerr and std::cout in the CLI goes through these; main() calls
// init_streams() before CLI11, which writes to them itself.
void init_streams();
inline std::ostream& err_stream() {
  init_streams();
  return std::cerr;
}
inline std::ostream& out_stream() {
  init_streams();
  return std::cout;
}

// `text` to stderr in one write(2) where it fits (stderr is unbuffered, so this keeps its order
// with err_stream()'s output), without constructing the streams: a successful command's note.
void write_stderr(std::string_view text);

// Files. "-" is stdin/stdout.
std::string read_file(const std::string& path);
void write_file(const std::string& path, std::string_view data);

// JSON on stdout, pretty, one document per call.
void print_json(const nlohmann::json& j);

// Arch options.
arch::Arch parse_arch(const std::string& name);  // exits 2 on an unknown name
std::vector<arch::Arch> parse_arches(const std::vector<std::string>& names);
std::string arch_names_list();  // "x86_64, i386, ..."

// Numbers: decimal, 0x hex, 0 octal, negative (taken as two's complement 64-bit).
std::optional<uint64_t> parse_number(std::string_view s);

// A syscall given by name or number on `a` -> nr as seen in seccomp_data (x32 includes bit 30
// when a name is given; a number is taken as it is). Exits 2 on an unknown name.
int32_t resolve_syscall(arch::Arch a, const std::string& name_or_nr);

// Hex with 0x prefix.
using sysfence::hex;  // sysfence/support/format.hpp

}  // namespace sysfence::cli
