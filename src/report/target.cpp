// src/report/target.cpp — see sysfence/report/target.hpp.
#include "sysfence/report/target.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <fstream>

#include "sysfence/arch/constants.hpp"

namespace sysfence::report {
namespace {

struct PathArgs {
  std::string_view name;
  std::array<uint8_t, 3> idx;
  uint8_t n;
};

// Syscalls whose arguments include NUL-terminated paths (man section 2), by argument index.
constexpr PathArgs kPathArgs[] = {
    {"access", {0}, 1},
    {"acct", {0}, 1},
    {"chdir", {0}, 1},
    {"chmod", {0}, 1},
    {"chown", {0}, 1},
    {"chown32", {0}, 1},
    {"chroot", {0}, 1},
    {"creat", {0}, 1},
    {"execve", {0}, 1},
    {"execveat", {1}, 1},
    {"faccessat", {1}, 1},
    {"faccessat2", {1}, 1},
    {"fanotify_mark", {4}, 1},
    {"fchmodat", {1}, 1},
    {"fchmodat2", {1}, 1},
    {"fchownat", {1}, 1},
    {"fsopen", {0}, 1},
    {"fspick", {1}, 1},
    {"fstatat64", {1}, 1},
    {"futimesat", {1}, 1},
    {"getxattr", {0}, 1},
    {"getxattrat", {1}, 1},
    {"inotify_add_watch", {1}, 1},
    {"lchown", {0}, 1},
    {"lchown32", {0}, 1},
    {"lgetxattr", {0}, 1},
    {"link", {0, 1}, 2},
    {"linkat", {1, 3}, 2},
    {"listxattr", {0}, 1},
    {"listxattrat", {1}, 1},
    {"llistxattr", {0}, 1},
    {"lremovexattr", {0}, 1},
    {"lsetxattr", {0}, 1},
    {"lstat", {0}, 1},
    {"lstat64", {0}, 1},
    {"mkdir", {0}, 1},
    {"mkdirat", {1}, 1},
    {"mknod", {0}, 1},
    {"mknodat", {1}, 1},
    {"mount", {0, 1, 2}, 3},
    {"mount_setattr", {1}, 1},
    {"move_mount", {1, 3}, 2},
    {"name_to_handle_at", {1}, 1},
    {"newfstatat", {1}, 1},
    {"oldlstat", {0}, 1},
    {"oldstat", {0}, 1},
    {"open", {0}, 1},
    {"open_tree", {1}, 1},
    {"open_tree_attr", {1}, 1},
    {"openat", {1}, 1},
    {"openat2", {1}, 1},
    {"pivot_root", {0, 1}, 2},
    {"quotactl", {1}, 1},
    {"readlink", {0}, 1},
    {"readlinkat", {1}, 1},
    {"removexattr", {0}, 1},
    {"removexattrat", {1}, 1},
    {"rename", {0, 1}, 2},
    {"renameat", {1, 3}, 2},
    {"renameat2", {1, 3}, 2},
    {"rmdir", {0}, 1},
    {"setxattr", {0}, 1},
    {"setxattrat", {1}, 1},
    {"stat", {0}, 1},
    {"stat64", {0}, 1},
    {"statfs", {0}, 1},
    {"statfs64", {0}, 1},
    {"statx", {1}, 1},
    {"swapoff", {0}, 1},
    {"swapon", {0}, 1},
    {"symlink", {0, 1}, 2},
    {"symlinkat", {0, 2}, 2},
    {"truncate", {0}, 1},
    {"truncate64", {0}, 1},
    {"umount", {0}, 1},
    {"umount2", {0}, 1},
    {"unlink", {0}, 1},
    {"unlinkat", {1}, 1},
    {"uselib", {0}, 1},
    {"utime", {0}, 1},
    {"utimensat", {1}, 1},
    {"utimes", {0}, 1},
};

// Arguments shown by name: a set of flag bits, or one value of a family of constants.
struct NamedArg {
  std::string_view syscall;
  uint8_t index;
  bool bits;
  std::array<std::string_view, 3> prefixes;
};
constexpr NamedArg kNamedArgs[] = {
    {"unshare", 0, true, {"CLONE_"}},
    {"clone", 0, true, {"CLONE_"}},
    {"setns", 1, true, {"CLONE_NEW"}},
    {"umount2", 1, true, {"MNT_"}},
    {"ioctl", 1, false, {"TIOC", "FIO", "TC"}},
    {"prctl", 0, false, {"PR_"}},
    {"socket", 0, false, {"AF_"}},
    {"personality", 0, false, {"PER_"}},
    {"ptrace", 0, false, {"PTRACE_"}},  // requests only: see is_ptrace_request
    {"keyctl", 0, false, {"KEYCTL_"}},
    {"kill", 1, false, {"SIG"}},
    {"tgkill", 2, false, {"SIG"}},
    {"tkill", 1, false, {"SIG"}},
    {"rt_sigqueueinfo", 1, false, {"SIG"}},
};

// PTRACE_* names that are not requests share their values (PTRACE_SYSCALL_INFO_NONE and
// PTRACE_TRACEME are both 0; PTRACE_O_TRACESYSGOOD and PTRACE_PEEKTEXT both 1).
bool is_ptrace_request(std::string_view name) {
  for (std::string_view not_request : {"PTRACE_O_", "PTRACE_EVENT", "PTRACE_SYSCALL_INFO_",
                                       "PTRACE_PEEKSIGINFO_", "PTRACE_SECCOMP_"})
    if (name.starts_with(not_request)) return false;
  return true;
}

// "SIGCHLD" for 17; SIG_BLOCK and friends are not signals.
std::string signal_name(arch::Arch a, uint64_t v) {
  if (v == 0) return "";
  for (const auto& c : arch::constants_with_prefix(a, "SIG")) {
    if (c.name.starts_with("SIG_") || c.negative || c.value != v) continue;
    if (c.name == "SIGIOT" || c.name == "SIGPOLL" || c.name == "SIGCLD" || c.name == "SIGUNUSED")
      continue;
    return std::string(c.name);
  }
  return "";
}

// "CLONE_NEWUSER|CLONE_NEWNS", "TIOCSTI", or "" when nothing names the value.
std::string name_value(arch::Arch a, std::string_view syscall, uint8_t index, uint64_t v) {
  for (const auto& n : kNamedArgs) {
    if (n.syscall != syscall || n.index != index) continue;
    if (!n.bits) {
      if (n.prefixes[0] == "SIG") return signal_name(a, v);
      for (auto prefix : n.prefixes) {
        if (prefix.empty()) continue;
        for (const auto& c : arch::constants_with_prefix(a, prefix)) {
          if (syscall == "ptrace" && !is_ptrace_request(c.name)) continue;
          if (c.value == v && !c.negative) return std::string(c.name);
        }
      }
      return "";
    }
    // clone's low byte is the exit signal (CSIGNAL), not flags.
    std::string exit_signal;
    if (syscall == "clone" && index == 0) {
      exit_signal = signal_name(a, v & 0xff);
      if (!exit_signal.empty() || (v & 0xff) == 0) v &= ~uint64_t{0xff};
    }
    if (v == 0) return exit_signal;
    std::string out;
    uint64_t rest = v;
    for (const auto& c : arch::constants_with_prefix(a, n.prefixes[0])) {
      const uint64_t bit = c.value;
      if (c.negative || bit == 0 || (bit & (bit - 1)) != 0) continue;  // single bits only
      if ((rest & bit) == bit) {
        out += (out.empty() ? "" : "|") + std::string(c.name);
        rest &= ~bit;
      }
    }
    if (out.empty()) return "";
    if (!exit_signal.empty()) out += "|" + exit_signal;
    if (rest) {
      char b[32];
      std::snprintf(b, sizeof b, "|0x%llx", static_cast<unsigned long long>(rest));
      out += b;
    }
    return out;
  }
  return "";
}

// Reads up to `len` bytes; returns the number read (0 on failure).
size_t read_mem(pid_t tid, uint64_t addr, char* buf, size_t len) {
  iovec local{buf, len};
  iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(addr)), len};
  ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (n > 0) return static_cast<size_t>(n);
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/mem", static_cast<int>(tid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  n = pread(fd, buf, len, static_cast<off_t>(addr));
  ::close(fd);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  return out + "\"";
}

}  // namespace

std::optional<arch::Arch> arch_of(const bpf::SeccompData& d) {
  for (const auto& a : arch::all_arches()) {
    if (a.audit_arch != d.arch) continue;
    // -1 is a tracer's "skip this syscall" on any door, not an x32 call (bit 30 is set in it):
    // the arch without a number bit (x86_64 for kAuditArchX86_64).
    if (d.nr == -1) {
      if (a.nr_bit == 0) return a.arch;
      continue;
    }
    // The filter's split (sysfence/compiler): on kAuditArchX86_64, numbers from 0x40000000 to
    // 0xfffffffe are the x32 door, those below x86_64's.
    const bool upper = static_cast<uint32_t>(d.nr) >= bpf::kX32SyscallBit;
    if (a.nr_bit == 0 && upper && d.arch == bpf::kAuditArchX86_64) continue;
    if (a.nr_bit != 0 && !upper) continue;
    return a.arch;
  }
  return std::nullopt;
}

std::span<const uint8_t> path_args(std::string_view syscall) {
  for (const auto& p : kPathArgs) {
    if (p.name == syscall) return {p.idx.data(), p.n};
  }
  return {};
}

std::optional<std::string> read_target_string(pid_t tid, uint64_t addr, size_t max) {
  if (addr == 0) return std::nullopt;
  std::string out;
  constexpr uint64_t kPage = 4096;
  while (out.size() < max) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    size_t chunk = static_cast<size_t>(kPage - (addr % kPage));
    chunk = std::min(chunk, max - out.size());
    char buf[4096];
    size_t n = read_mem(tid, addr, buf, chunk);
    if (n == 0) return out.empty() ? std::nullopt : std::optional<std::string>(out + "...");
    const void* nul = std::memchr(buf, '\0', n);
    if (nul) {
      out.append(buf, static_cast<size_t>(static_cast<const char*>(nul) - buf));
      return out;
    }
    out.append(buf, n);
    addr += n;
  }
  return out + "...";
}

std::string syscall_label(const bpf::SeccompData& d) {
  auto a = arch_of(d);
  if (a) {
    if (auto name = arch::syscall_name(*a, d.nr)) return std::string(*name);
  }
  if (d.nr == -1) return "syscall -1 (a tracer's skip)";
  return "syscall " + std::to_string(d.nr);
}

std::string format_call(const bpf::SeccompData& d, pid_t tid, bool read_paths,
                        bool (*still_valid)(void*), void* ctx) {
  const auto a = arch_of(d);
  std::optional<std::string_view> name;
  if (a) name = arch::syscall_name(*a, d.nr);
  std::string out = name ? std::string(*name) : "syscall_" + std::to_string(d.nr);
  std::span<const std::string_view> arg_names;
  std::span<const uint8_t> paths;
  if (name) {
    arg_names = arch::syscall_arg_names(*name);
    paths = path_args(*name);
  }
  // Only the declared arguments (the other registers hold whatever was there). Without names
  // we do not know how many there are: show all six.
  const bool known_args = name && arch::syscall_args_known(*name);
  if (name && a) arg_names = arch::syscall_arg_names(*a, *name);
  const size_t nargs = known_args ? std::min<size_t>(arg_names.size(), 6) : 6;
  const bool wide = a ? arch::info(*a).args_are_64bit : true;

  std::optional<std::string> path_text[6];
  bool any_path = false;
  if (read_paths) {
    for (uint8_t i : paths) {
      if (i < 6) {
        path_text[i] = read_target_string(tid, wide ? d.args[i] : (d.args[i] & 0xffffffffULL));
        any_path = any_path || path_text[i].has_value();
      }
    }
    if (any_path && still_valid && !still_valid(ctx)) {
      for (auto& p : path_text) p.reset();
      any_path = false;
    }
  }

  out += '(';
  for (size_t i = 0; i < nargs; ++i) {
    if (i) out += ", ";
    if (!arg_names.empty()) out += std::string(arg_names[i]) + "=";
    const uint64_t v = wide ? d.args[i] : (d.args[i] & 0xffffffffULL);
    std::string named = (name && a) ? name_value(*a, *name, static_cast<uint8_t>(i), v) : "";
    // A directory fd argument (dirfd, olddirfd, dfd, ...) holding AT_FDCWD (an int: low 32 bits).
    if (named.empty() && !arg_names.empty() && i < arg_names.size() &&
        (arg_names[i].ends_with("dirfd") || arg_names[i].ends_with("dfd")) &&
        static_cast<int32_t>(static_cast<uint32_t>(v)) == -100)
      named = "AT_FDCWD";
    if (path_text[i]) {
      out += quote(*path_text[i]) + " (observed, not enforced)";
    } else if (!named.empty()) {
      out += named;
    } else {
      char b[32];
      const int64_t sv = static_cast<int64_t>(v);
      // Small negative numbers (AT_FDCWD, -1) read better in decimal.
      if (sv < 0 && sv > -4096)
        std::snprintf(b, sizeof b, "%lld", static_cast<long long>(sv));
      else if (!wide && static_cast<int32_t>(v) < 0 && static_cast<int32_t>(v) > -4096)
        std::snprintf(b, sizeof b, "%d", static_cast<int32_t>(v));
      else if (v < 10)
        std::snprintf(b, sizeof b, "%llu", static_cast<unsigned long long>(v));
      else
        std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
      out += b;
    }
  }
  out += ')';
  return out;
}

pid_t tgid_of(pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Tgid:", 0) == 0) {
      try {
        return static_cast<pid_t>(std::stol(line.substr(5)));
      } catch (...) { break; }
    }
  }
  return tid;
}

}  // namespace sysfence::report
