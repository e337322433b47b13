// sysfence/loader — seccomp state from /proc/PID/status.
#include "sysfence/loader/status.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sysfence::loader {
namespace {

Error status_error(std::string msg, int e, std::string hint = {}) {
  Error err = Error::make(ErrorCode::System, std::move(msg), std::move(hint));
  err.sys_errno = e;
  return err;
}

// Parses a non-negative decimal; false on anything else.
bool parse_uint(std::string_view s, long* out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 9) return false;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Disabled: return "disabled";
    case Mode::Strict: return "strict";
    case Mode::Filter: return "filter";
  }
  return "unknown";
}

Result<Status> parse_status(std::string_view text) {
  Status st;
  bool have_mode = false;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string_view val = line.substr(colon + 1);
    long v = 0;
    if (key == "Seccomp") {
      if (!parse_uint(val, &v) || v > 2)
        return status_error("malformed Seccomp line in status: '" + std::string(line) + "'",
                            EINVAL);
      st.mode = static_cast<Mode>(v);
      have_mode = true;
    } else if (key == "Seccomp_filters") {
      if (!parse_uint(val, &v))
        return status_error("malformed Seccomp_filters line in status: '" + std::string(line) + "'",
                            EINVAL);
      st.filters = static_cast<int>(v);
    } else if (key == "NoNewPrivs") {
      if (!parse_uint(val, &v) || v > 1)
        return status_error("malformed NoNewPrivs line in status: '" + std::string(line) + "'",
                            EINVAL);
      st.no_new_privs = v == 1;
    }
  }
  if (!have_mode)
    return status_error("no Seccomp line in the status file", ENOTSUP,
                        "the kernel was built without CONFIG_SECCOMP");
  return st;
}

Result<Status> read_status(pid_t pid, pid_t tid, const std::string& proc_root) {
  if (pid < 0 || tid < 0)
    return status_error("invalid pid " + std::to_string(pid < 0 ? pid : tid), EINVAL,
                        "pass a positive pid, or 0 for the calling process");
  const bool self = pid == 0 || pid == getpid();
  std::string path = proc_root + "/" + (pid == 0 ? std::string("self") : std::to_string(pid));
  if (tid != 0) path += "/task/" + std::to_string(tid);
  path += "/status";
  const std::string who =
      tid != 0 ? "thread " + std::to_string(tid) + " of " +
                     (pid == 0 ? std::string("this process") : "process " + std::to_string(pid))
      : pid == 0 ? std::string("this process")
                 : "process " + std::to_string(pid);

  int fd;
  do { fd = open(path.c_str(), O_RDONLY | O_CLOEXEC); } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int e = errno;
    if (e == ENOENT || e == ESRCH)
      return status_error(tid != 0 ? "no " + who : "no process " + std::to_string(pid), e,
                          "the process has exited, or it is hidden (another pid namespace, or "
                          "/proc mounted with hidepid)");
    if (e == EACCES || e == EPERM)
      return status_error("no permission to read " + path + " (" + who + ")", e,
                          "run as the process's user or with CAP_SYS_PTRACE; /proc may be "
                          "mounted with hidepid");
    return status_error("cannot open " + path + ": " + std::strerror(e), e);
  }
  std::string text;
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      close(fd);
      if (e == ESRCH) return status_error("no process " + std::to_string(pid), e);
      return status_error("cannot read " + path + ": " + std::strerror(e), e);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto st = parse_status(text);
  if (!st) {
    st.error().message = path + ": " + st.error().message;
    return st;
  }
  if (self && proc_root == "/proc") {
    const int d = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    if (d >= 0) st->dumpable = d != 0;
  }
  return st;
}

}  // namespace sysfence::loader
