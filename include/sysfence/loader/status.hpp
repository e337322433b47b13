// sysfence/loader/status.hpp — a process's seccomp state as /proc/PID/status shows it.
//
//   auto st = sysfence::loader::read_status(getpid());
//   if (!st) { std::cerr << st.error().render(); return; }   // "no process 12345", no permission
//   if (st->mode == sysfence::loader::Mode::Filter)
//     std::cout << st->filters << " filters, no_new_privs=" << st->no_new_privs << '\n';
//
// Reads the lines `Seccomp:` (0 off, 1 strict, 2 filter), `Seccomp_filters:` (Linux 5.9) and
// `NoNewPrivs:` (Linux 4.10). The file is read once; the state can change right after (a filter
// can be added any time by the process itself), so the answer is a snapshot.
//
// Known weaknesses:
// - `dumpable` is not in /proc/PID/status. It is filled only for the calling process (prctl);
//   for other processes it stays empty.
// - /proc mounted with hidepid=1/2, or another pid namespace, can hide a process: that is
//   reported like a missing one (ENOENT) or as no permission (EACCES/EPERM), as the kernel says.
// - Each thread has its own seccomp state: pass `tid` to read /proc/PID/task/TID/status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

#include "sysfence/result.hpp"

namespace sysfence::loader {

enum class Mode { Disabled = 0, Strict = 1, Filter = 2 };
const char* mode_name(Mode m);  // "disabled", "strict", "filter"

struct Status {
  Mode mode = Mode::Disabled;
  std::optional<int> filters;        // Seccomp_filters: absent before Linux 5.9
  std::optional<bool> no_new_privs;  // NoNewPrivs: absent before Linux 4.10
  std::optional<bool> dumpable;      // only for the calling process (see above)
};

// pid 0 means the calling process. tid 0 means the process (its main thread's view).
// `proc_root` exists for tests (a directory laid out like /proc).
Result<Status> read_status(pid_t pid = 0, pid_t tid = 0, const std::string& proc_root = "/proc");

// Parses the text of a status file. Error when the `Seccomp:` line is missing (a kernel built
// without CONFIG_SECCOMP) or a value is malformed.
Result<Status> parse_status(std::string_view text);

}  // namespace sysfence::loader
