// src/sandbox/spec.cpp — names (rlimits, namespaces, capabilities) and Sandbox::make's checks.
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "sysfence/arch/constants.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace sysfence::sandbox {
namespace {

struct Named {
  const char* name;
  int value;
};

constexpr Named kRlimits[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

constexpr Named kNamespaces[] = {
    {"user", CLONE_NEWUSER},   {"pid", CLONE_NEWPID}, {"net", CLONE_NEWNET},
    {"network", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
    {"mount", CLONE_NEWNS},    {"mnt", CLONE_NEWNS},  {"cgroup", CLONE_NEWCGROUP},
};

// Capability names: arch::capability_name ("CAP_CHOWN"), written here in lower case without
// the prefix ("chown"), as capabilities(7) and the CLI's flags spell them.
std::string short_capability_name(int cap) {
  std::string n(*arch::capability_name(cap));
  std::string r;
  for (char c : n.substr(4)) r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string rlimit_names() {
  std::string r;
  for (auto& n : kRlimits) r += (r.empty() ? "" : ", ") + std::string(n.name);
  return r;
}

Result<uint64_t> parse_amount(std::string_view s, std::string_view what) {
  const std::string l = lower(s);
  if (l == "unlimited" || l == "infinity" || l == "inf")
    return static_cast<uint64_t>(RLIM_INFINITY);
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) {
    return Error::make(ErrorCode::InvalidPolicy,
                       "bad " + std::string(what) + " '" + std::string(s) + "'",
                       "give a number (suffix K, M, G or T for 1024-multiples) or 'unlimited'");
  }
  std::string_view rest(p, static_cast<size_t>(s.data() + s.size() - p));
  int shift = 0;
  if (rest.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(rest[0]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: shift = -1;
    }
  } else if (!rest.empty()) {
    shift = -1;
  }
  if (shift < 0) {
    return Error::make(ErrorCode::InvalidPolicy,
                       "bad " + std::string(what) + " '" + std::string(s) + "'",
                       "the only suffixes are K, M, G and T");
  }
  if (shift > 0 && v > (UINT64_MAX >> shift)) {
    return Error::make(ErrorCode::InvalidPolicy,
                       std::string(what) + " '" + std::string(s) + "' is too large", "");
  }
  return v << shift;
}

}  // namespace

std::string_view fs_access_name(FsAccess a) {
  switch (a) {
    case FsAccess::Read: return "ro";
    case FsAccess::ReadExec: return "rox";
    case FsAccess::ReadWrite: return "rw";
    case FsAccess::ReadWriteExec: return "rwx";
  }
  return "?";
}

Result<Rlimit> parse_rlimit(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Error::make(ErrorCode::InvalidPolicy, "bad rlimit '" + std::string(text) + "'",
                       "write NAME=SOFT[:HARD], e.g. nofile=256 or as=1G:2G");
  }
  const std::string name = lower(text.substr(0, eq));
  Rlimit r;
  bool found = false;
  for (auto& n : kRlimits) {
    if (name == n.name || name == std::string("rlimit_") + n.name) {
      r.resource = n.value;
      found = true;
    }
  }
  if (!found) {
    return Error::make(ErrorCode::UnknownName,
                       "unknown resource limit '" + std::string(text.substr(0, eq)) + "'",
                       "one of: " + rlimit_names());
  }
  std::string_view values = text.substr(eq + 1);
  const size_t colon = values.find(':');
  auto soft = parse_amount(values.substr(0, colon), "soft limit");
  if (!soft) return soft.error();
  r.soft = *soft;
  r.hard = r.soft;
  if (colon != std::string_view::npos) {
    auto hard = parse_amount(values.substr(colon + 1), "hard limit");
    if (!hard) return hard.error();
    r.hard = *hard;
  }
  if (r.soft > r.hard) {
    return Error::make(ErrorCode::InvalidPolicy,
                       "rlimit '" + std::string(text) + "': the soft limit is above the hard limit",
                       "write NAME=SOFT:HARD with SOFT <= HARD");
  }
  return r;
}

std::string_view rlimit_name(int resource) {
  for (auto& n : kRlimits) {
    if (n.value == resource) return n.name;
  }
  return "";
}

Result<uint32_t> parse_namespaces(std::string_view text) {
  uint32_t flags = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string item = lower(text.substr(start, end - start));
    if (item == "all") {
      flags |= CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
               CLONE_NEWNS | CLONE_NEWCGROUP;
    } else {
      bool found = false;
      for (auto& n : kNamespaces) {
        if (item == n.name) {
          flags |= static_cast<uint32_t>(n.value);
          found = true;
        }
      }
      if (!found) {
        return Error::make(
            ErrorCode::InvalidPolicy, "unknown namespace '" + item + "'",
            "one of: user, pid, net, ipc, uts, mount, cgroup, all (comma-separated)");
      }
    }
    start = end + 1;
  }
  return flags;
}

std::string namespaces_to_string(uint32_t f) {
  std::string r;
  for (auto& n : kNamespaces) {
    if (std::string_view(n.name) == "network" || std::string_view(n.name) == "mnt") continue;
    if (f & static_cast<uint32_t>(n.value)) r += (r.empty() ? "" : ",") + std::string(n.name);
  }
  return r.empty() ? "none" : r;
}

Result<int> parse_capability(std::string_view text) {
  std::string l = lower(text);
  if (l.rfind("cap_", 0) == 0) l = l.substr(4);
  for (int i = 0; i < arch::kCapabilityCount; ++i) {
    if (l == short_capability_name(i)) return i;
  }
  int v = -1;
  auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
  if (ec == std::errc() && p == l.data() + l.size() && v >= 0 && v < 64) return v;
  return Error::make(
      ErrorCode::InvalidPolicy, "unknown capability '" + std::string(text) + "'",
      "a name such as net_bind_service or CAP_NET_BIND_SERVICE (see capabilities(7))");
}

std::string capability_name(int cap) {
  if (arch::capability_name(cap)) return short_capability_name(cap);
  return "cap" + std::to_string(cap);
}

Result<Sandbox> Sandbox::make(Spec s) {
  for (const PathRule& p : s.paths) {
    if (p.path.empty())
      return Error::make(ErrorCode::InvalidPolicy, "empty path in a file-access rule",
                         "name a file or directory", p.where);
  }
  for (uint16_t port : s.connect_tcp) {
    if (port == 0)
      return Error::make(ErrorCode::InvalidPolicy, "TCP connect port 0 cannot be allowed",
                         "give a port from 1 to 65535");
  }
  for (const MountSpec& m : s.mounts) {
    if (m.target.empty() || m.target[0] != '/') {
      return Error::make(ErrorCode::InvalidPolicy,
                         "mount target '" + m.target + "' is not an absolute path",
                         "write the target as /path", m.where);
    }
    if (m.kind != MountSpec::Kind::Tmpfs && m.source.empty()) {
      return Error::make(ErrorCode::InvalidPolicy,
                         "bind mount onto '" + m.target + "' has no source", "write SRC DST",
                         m.where);
    }
  }
  for (const Rlimit& r : s.rlimits) {
    if (r.soft > r.hard) {
      return Error::make(ErrorCode::InvalidPolicy,
                         "resource limit " + std::string(rlimit_name(r.resource)) +
                             ": the soft limit is above the hard limit",
                         "make SOFT <= HARD", r.where);
    }
  }
  if ((s.uid || s.gid) && (s.unshare & CLONE_NEWUSER)) {
    return Error::make(ErrorCode::InvalidPolicy,
                       "--uid/--gid cannot be combined with a user namespace",
                       "use --map-root (root inside) or leave the ids as they are");
  }
  if (s.hostname) {
    if (s.hostname->empty() || s.hostname->size() > 64) {
      return Error::make(ErrorCode::InvalidPolicy,
                         "hostname '" + *s.hostname + "' must have 1 to 64 characters", "");
    }
    s.unshare |= CLONE_NEWUTS;
  }
  if (!s.mounts.empty()) s.unshare |= CLONE_NEWNS;
  if ((s.unshare & CLONE_NEWPID))
    s.unshare |= CLONE_NEWNS;  // a fresh /proc for the new PID namespace
  for (int fd : s.keep_fds) {
    if (fd < 0)
      return Error::make(ErrorCode::InvalidPolicy,
                         "--keep-fd " + std::to_string(fd) + " is not a descriptor", "");
  }
  for (auto& [k, v] : s.setenv) {
    if (k.empty() || k.find('=') != std::string::npos) {
      return Error::make(ErrorCode::InvalidPolicy, "bad environment variable name '" + k + "'",
                         "write --setenv NAME=VALUE");
    }
  }
  for (int c : s.cap_keep) {
    if (c < 0 || c > 63)
      return Error::make(ErrorCode::InvalidPolicy,
                         "capability number " + std::to_string(c) + " out of range", "");
  }
  std::sort(s.connect_tcp.begin(), s.connect_tcp.end());
  s.connect_tcp.erase(std::unique(s.connect_tcp.begin(), s.connect_tcp.end()), s.connect_tcp.end());
  std::sort(s.bind_tcp.begin(), s.bind_tcp.end());
  s.bind_tcp.erase(std::unique(s.bind_tcp.begin(), s.bind_tcp.end()), s.bind_tcp.end());
  return Sandbox(std::move(s));
}

}  // namespace sysfence::sandbox
