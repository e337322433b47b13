// src/loader/process_filters.cpp — see sysfence/loader/process_filters.hpp.
#include "sysfence/loader/process_filters.hpp"

#include <cerrno>
#include <cstring>
#include <linux/filter.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <algorithm>
#include <string>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

namespace sysfence::loader {
namespace {

long get_filter(pid_t pid, unsigned long index, void* buf) {
  return ::ptrace(static_cast<enum __ptrace_request>(PTRACE_SECCOMP_GET_FILTER), pid,
                  reinterpret_cast<void*>(index), buf);
}

}  // namespace

Result<std::vector<bpf::Program>> read_process_filters(pid_t pid) {
  if (::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) {
    const int e = errno;
    return Error::system("cannot attach to process " + std::to_string(pid) + " (PTRACE_SEIZE)", e,
                         e == ESRCH ? "no such process"
                         : e == EPERM
                             ? "reading filters needs CAP_SYS_ADMIN (run as root); a process "
                               "already traced cannot be attached"
                             : "");
  }
  std::vector<bpf::Program> out;
  Result<std::vector<bpf::Program>> result = out;
  if (::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr) != 0) {
    result = Error::system("PTRACE_INTERRUPT", errno);
  } else {
    int status = 0;
    while (::waitpid(pid, &status, __WALL) < 0 && errno == EINTR) {}
    for (unsigned long i = 0;; ++i) {
      long n = get_filter(pid, i, nullptr);
      if (n < 0) {
        const int e = errno;
        if (e == ENOENT) break;            // past the newest filter
        if (e == EINVAL && i == 0) break;  // not in filter mode: no filters
        result =
            Error::system("PTRACE_SECCOMP_GET_FILTER " + std::to_string(i), e,
                          e == EACCES ? "needs CAP_SYS_ADMIN, and sysfence itself must not run "
                                        "under seccomp"
                          : e == EMEDIUMTYPE ? "the filter was not made of classic BPF"
                                             : "");
        break;
      }
      bpf::Program p(static_cast<size_t>(n));
      n = get_filter(pid, i, p.data());
      if (n < 0) {
        result = Error::system("PTRACE_SECCOMP_GET_FILTER " + std::to_string(i), errno);
        break;
      }
      p.resize(static_cast<size_t>(n));
      out.push_back(std::move(p));
    }
  }
  ::ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
  if (!result) return result;
  // The kernel's index 0 is the OLDEST filter (get_nth_filter counts back from the newest);
  // callers get the order filters run in, newest first, as bpf::emulate_stack takes them.
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace sysfence::loader
