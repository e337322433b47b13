// src/sandbox/plan.cpp — probing the kernel and turning a Sandbox into the Plan enter() carries out.
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "sysfence/sandbox/sandbox.hpp"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

namespace sysfence::sandbox {

namespace ll {
uint64_t fs_bits_for_abi(int abi) {
  if (abi <= 0) return 0;
  uint64_t bits = (1ull << 13) - 1;  // ABI 1: execute .. make_sym
  if (abi >= 2) bits |= kRefer;
  if (abi >= 3) bits |= kTruncate;
  if (abi >= 5) bits |= kIoctlDev;
  return bits;
}

uint64_t access_bits(FsAccess a) {
  const uint64_t read = ll::kReadFile | ll::kReadDir;
  const uint64_t write = ll::kWriteFile | ll::kRemoveDir | ll::kRemoveFile | ll::kMakeChar |
                         ll::kMakeDir | ll::kMakeReg | ll::kMakeSock | ll::kMakeFifo |
                         ll::kMakeBlock | ll::kMakeSym | ll::kRefer | ll::kTruncate | ll::kIoctlDev;
  switch (a) {
    case FsAccess::Read: return read;
    case FsAccess::ReadExec: return read | ll::kExecute;
    case FsAccess::ReadWrite: return read | write;
    case FsAccess::ReadWriteExec: return read | write | ll::kExecute;
  }
  return 0;
}
}  // namespace ll

namespace {

long read_long(const char* path, long fallback) {
  std::ifstream f(path);
  long v = fallback;
  if (!(f >> v)) return fallback;
  return v;
}

bool has_cap_effective(int cap) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2]{};
  if (::syscall(SYS_capget, &h, d) != 0) return false;
  return (d[cap / 32].effective >> (cap % 32)) & 1u;
}

std::string json_escape(std::string_view s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '"': r += "\\\""; break;
      case '\\': r += "\\\\"; break;
      case '\n': r += "\\n"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          r += buf;
        } else {
          r += c;
        }
    }
  }
  return r;
}

std::string amount(uint64_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

int landlock_abi() {
  const long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1u /* VERSION */);
  return v < 0 ? 0 : static_cast<int>(v);
}

namespace {
// What prepare() asks: the user namespace sysctls only when namespaces are wanted (two file
// reads spared on a plain `run`).
KernelFeatures probe_kernel_for(bool namespaces) {
  KernelFeatures k;
  const long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, 1u);
  if (v < 0) {
    k.landlock_errno = errno;
  } else {
    k.landlock_abi = static_cast<int>(v);
  }
  k.root = has_cap_effective(CAP_SYS_ADMIN);
  k.cap_last = static_cast<int>(read_long("/proc/sys/kernel/cap_last_cap", 40));
  if (namespaces) {
    const long max_userns = read_long("/proc/sys/user/max_user_namespaces", 1);
    const long unpriv = read_long("/proc/sys/kernel/unprivileged_userns_clone", 1);
    k.user_namespaces = max_userns > 0 && (unpriv != 0 || k.root);
  }
  return k;
}
}  // namespace

KernelFeatures probe_kernel() { return probe_kernel_for(true); }

Result<Plan> prepare(const Sandbox& sb, char** base_env) {
  const Spec& s = sb.spec();
  Plan p{sb,    probe_kernel_for(s.unshare != 0 || s.net_none),
         false, 0,
         0,     0,
         {},    {},
         0,     false,
         {},    true,
         {},    {}};
  const int abi = p.kernel.landlock_abi;
  std::vector<std::string> missing;
  const bool strict = s.landlock == LandlockMode::Strict;

  // Namespaces first: --net none falls back to Landlock when there are none.
  p.unshare = s.unshare;
  bool tcp_deny_all = false;
  if (s.net_none) {
    if (p.kernel.root || p.kernel.user_namespaces) {
      p.unshare |= CLONE_NEWNET;
    } else {
      tcp_deny_all = true;
    }
  }
  if (p.unshare != 0 && !(p.unshare & CLONE_NEWUSER) && !p.kernel.root) {
    p.unshare |= CLONE_NEWUSER;  // what an unprivileged caller needs to create the others
    p.user_ns_added = true;
  }
  if ((p.unshare & CLONE_NEWUSER) && !p.kernel.user_namespaces) {
    return Error::make(
        ErrorCode::InvalidPolicy,
        "cannot create a user namespace here (namespaces asked: " +
            namespaces_to_string(p.unshare) + ")",
        "this kernel or its configuration (user.max_user_namespaces, "
        "kernel.unprivileged_userns_clone) forbids it; run as root or drop --unshare/--net none");
  }

  // Landlock.
  if (s.landlock == LandlockMode::Off) {
    if (s.landlock_in_use() || tcp_deny_all) {
      return Error::make(ErrorCode::InvalidPolicy,
                         "--landlock off, but file or TCP rules were given",
                         "drop the rules or --landlock off");
    }
  } else {
    const bool want_fs = !s.paths.empty() || s.fs_deny_all;
    const bool want_net = !s.connect_tcp.empty() || !s.bind_tcp.empty() || tcp_deny_all;
    const bool in_use = s.landlock_in_use() || tcp_deny_all;
    const bool want_unix = s.scope_abstract_unix.value_or(in_use);
    const bool want_signal = s.scope_signal.value_or(in_use);
    const bool scopes_explicit =
        s.scope_abstract_unix.value_or(false) || s.scope_signal.value_or(false);
    if (abi == 0 && (want_fs || want_net || scopes_explicit)) {
      missing.push_back(
          std::string("Landlock (") +
          (p.kernel.landlock_errno == EOPNOTSUPP ? "disabled at boot" : "not in this kernel") +
          "): file, TCP and scope rules");
    }
    if (abi > 0) {
      if (want_fs) {
        p.handled_fs = ll::fs_bits_for_abi(abi);
        for (const PathRule& r : s.paths) {
          p.fs_rules.emplace_back(r.path, ll::access_bits(r.access) & p.handled_fs);
        }
        if (abi < 3) missing.push_back("truncate() of readable files (Landlock ABI 3, Linux 6.2)");
        if (abi < 5) missing.push_back("ioctl on devices (Landlock ABI 5, Linux 6.10)");
      }
      if (want_net) {
        if (abi >= 4) {
          p.handled_net = ll::kNetBindTcp | ll::kNetConnectTcp;
          for (uint16_t port : s.connect_tcp) p.net_rules.emplace_back(port, ll::kNetConnectTcp);
          for (uint16_t port : s.bind_tcp) p.net_rules.emplace_back(port, ll::kNetBindTcp);
        } else {
          missing.push_back(
              tcp_deny_all
                  ? "--net none (no namespaces, and TCP rules need Landlock ABI 4, Linux 6.7)"
                  : "TCP port rules (Landlock ABI 4, Linux 6.7)");
        }
      }
      if (want_unix || want_signal) {
        if (abi >= 6) {
          if (want_unix) p.scoped |= ll::kScopeAbstractUnix;
          if (want_signal) p.scoped |= ll::kScopeSignal;
        } else {
          missing.push_back(
              "scoping of abstract UNIX sockets and signals (Landlock ABI 6, Linux 6.12)");
        }
      }
      p.landlock = p.handled_fs != 0 || p.handled_net != 0 || p.scoped != 0;
    }
  }
  if (tcp_deny_all && p.handled_net != 0) {
    missing.push_back(
        "--net none covers TCP only (no network namespace here: UDP and raw sockets stay open)");
  }
  if (!missing.empty()) {
    std::string line;
    for (auto& m : missing) line += (line.empty() ? "" : "; ") + m;
    if (strict) {
      return Error::make(ErrorCode::InvalidPolicy,
                         "Landlock strict: this kernel cannot enforce: " + line,
                         "run on a newer kernel, or drop --landlock strict to enforce what it can");
    }
    p.not_enforced = line;
  }

  // Resources: core dumps off unless the caller set them.
  p.rlimits = s.rlimits;
  bool core_given = false;
  for (auto& r : s.rlimits) core_given |= r.resource == RLIMIT_CORE;
  if (!core_given) p.rlimits.push_back(Rlimit{RLIMIT_CORE, 0, 0, {}});

  // Environment.
  if (!s.clearenv && base_env) {
    for (char** e = base_env; *e; ++e) {
      std::string_view kv(*e);
      const std::string key(kv.substr(0, kv.find('=')));
      bool replaced = false;
      for (auto& [k, v] : s.setenv) replaced |= k == key;
      if (!replaced) p.env.emplace_back(kv);
    }
  }
  for (auto& [k, v] : s.setenv) p.env.push_back(k + "=" + v);
  return p;
}

std::vector<std::string> Plan::describe() const {
  const Spec& s = sandbox.spec();
  std::vector<std::string> out;
  std::string l = "landlock: ";
  if (!landlock) {
    l += kernel.landlock_abi
             ? "not used (ABI " + std::to_string(kernel.landlock_abi) + " available)"
             : "not available";
  } else {
    l += "ABI " + std::to_string(kernel.landlock_abi);
    if (handled_fs) {
      l += "; files:";
      if (fs_rules.empty()) l += " none allowed";
      for (size_t i = 0; i < fs_rules.size(); ++i) {
        l += std::string(i ? "," : "") + " " + std::string(fs_access_name(s.paths[i].access)) +
             " " + fs_rules[i].first;
      }
    }
    if (handled_net) {
      std::string c, b;
      for (auto& [port, acc] : net_rules) {
        std::string& t = acc == ll::kNetConnectTcp ? c : b;
        t += (t.empty() ? "" : ",") + std::to_string(port);
      }
      l += "; tcp connect: " + (c.empty() ? std::string("none") : c) +
           "; tcp bind: " + (b.empty() ? std::string("none") : b);
    }
    if (scoped) {
      l += "; scoped:";
      if (scoped & ll::kScopeAbstractUnix) l += " abstract-unix";
      if (scoped & ll::kScopeSignal) l += " signal";
    }
  }
  out.push_back(l);
  l = "namespaces: " + namespaces_to_string(unshare);
  if (unshare & CLONE_NEWUSER) {
    l += std::string(" (") + (s.map_root ? "root inside" : "same ids inside") +
         (user_ns_added ? "; user added to create the others unprivileged" : "") + ")";
  }
  if (unshare & CLONE_NEWPID) l += "; pid 1 is sysfence's init; fresh /proc";
  if (unshare & CLONE_NEWNET) l += "; network: loopback only";
  if (s.hostname) l += "; hostname " + *s.hostname;
  for (auto& m : s.mounts) {
    l += std::string("; ") + (m.kind == MountSpec::Kind::Tmpfs ? "tmpfs " + m.target
                              : m.kind == MountSpec::Kind::Bind
                                  ? "bind " + m.source + " " + m.target
                                  : "ro-bind " + m.source + " " + m.target);
  }
  out.push_back(l);
  l = "rlimits:";
  for (auto& r : rlimits) {
    l += " " + std::string(rlimit_name(r.resource)) + "=" + amount(r.soft) + ":" + amount(r.hard);
  }
  out.push_back(l);
  l = "privilege: no_new_privs; capabilities: ";
  if (s.cap_keep.empty()) {
    l += "all dropped";
  } else {
    l += "only";
    for (int c : s.cap_keep) l += " " + capability_name(c);
  }
  if (s.uid) l += "; uid " + std::to_string(*s.uid);
  if (s.gid) l += "; gid " + std::to_string(*s.gid);
  out.push_back(l);
  l = "environment: ";
  l += s.clearenv ? "cleared" : "inherited";
  for (auto& [k, v] : s.setenv) l += "; " + k + " set";
  if (s.chdir) l += "; chdir " + *s.chdir;
  l += "; descriptors: 0,1,2";
  for (int fd : s.keep_fds) l += "," + std::to_string(fd);
  l += " kept, others closed";
  if (s.new_session) l += "; new session";
  out.push_back(l);
  if (!not_enforced.empty()) out.push_back("not enforced: " + not_enforced);
  return out;
}

std::string Plan::describe_json() const {
  std::string j = "{";
  bool first = true;
  for (const std::string& line : describe()) {
    const size_t c = line.find(": ");
    j += std::string(first ? "" : ", ") + "\"" + json_escape(line.substr(0, c)) + "\": \"" +
         json_escape(line.substr(c + 2)) + "\"";
    first = false;
  }
  return j + "}";
}

}  // namespace sysfence::sandbox
