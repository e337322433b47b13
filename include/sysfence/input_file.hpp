// sysfence/input_file.hpp — reading an input file (policy, @include, OCI JSON, raw BPF, asm)
// with a size budget, without blocking on FIFOs or devices.
//
//   sysfence::InputFileOptions o;
//   o.regular_only = true;                      // @include: no FIFOs, devices, directories
//   sysfence::Result<std::string> text = sysfence::read_input_file("app.policy", o);
//   if (!text) std::cerr << text.error().render();
//
// Every reader of user input goes through this, so that `/dev/zero`, a FIFO nobody writes to
// or a directory gives an error saying what the file is, instead of a hang or bad_alloc.
// Known weakness: a file that grows between fstat and read is still cut at max_bytes (and then
// reported as too large), never read past it.
#pragma once

#include <cstddef>
#include <string>

#include "sysfence/result.hpp"

namespace sysfence {

// The largest input any frontend accepts (one file, or a policy and all its includes together).
inline constexpr size_t kMaxInputBytes = size_t{16} << 20;

struct InputFileOptions {
  size_t max_bytes = kMaxInputBytes;
  // Refuse anything that is not a regular file (FIFOs, character devices, sockets), and open
  // without blocking. Otherwise pipes and /dev/stdin are read (up to max_bytes).
  bool regular_only = false;
};

// The whole file, or an Error: "is a directory", "is a FIFO, not a regular file",
// "is larger than 16 MiB", or the errno text of open/read (sys_errno set).
Result<std::string> read_input_file(const std::string& path, const InputFileOptions& options = {});

// "16 MiB" for kMaxInputBytes; bytes otherwise.
std::string describe_size(size_t bytes);

}  // namespace sysfence
