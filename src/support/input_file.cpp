// src/support/input_file.cpp — see sysfence/input_file.hpp.
#include "sysfence/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysfence {
namespace {

const char* file_kind(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

Error fail(const std::string& path, std::string what, int err = 0, std::string hint = {}) {
  Error e =
      Error::make(err ? ErrorCode::System : ErrorCode::Io, path + ": " + what, std::move(hint));
  e.sys_errno = err;
  e.payload = FileProblem{path, std::move(what)};
  return e;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string describe_size(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> read_input_file(const std::string& path, const InputFileOptions& o) {
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  if (o.regular_only) flags |= O_NONBLOCK;  // opening a FIFO must not wait for a writer
  Fd f{::open(path.c_str(), flags)};
  if (f.fd < 0) return fail(path, std::strerror(errno), errno);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return fail(path, std::strerror(errno), errno);
  if (S_ISDIR(st.st_mode)) return fail(path, "is a directory", EISDIR, "name a file");
  if (o.regular_only && !S_ISREG(st.st_mode))
    return fail(path, std::string("is ") + file_kind(st.st_mode) + ", not a regular file", 0,
                "only regular files can be included");
  const std::string too_large = "is larger than " + describe_size(o.max_bytes);
  if (S_ISREG(st.st_mode) && static_cast<unsigned long long>(st.st_size) > o.max_bytes)
    return fail(path, too_large, EFBIG, "split it, or check that it is the file you meant");
  if (o.regular_only) {
    int fl = ::fcntl(f.fd, F_GETFL);
    if (fl >= 0) ::fcntl(f.fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  std::string out;
  if (S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  while (true) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(path, std::strerror(errno), errno);
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > o.max_bytes)
      return fail(path, too_large, EFBIG, "split it, or check that it is the file you meant");
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace sysfence
