// src/sandbox/profiles.cpp — the named profiles `run --profile NAME` starts from.
#include <sched.h>
#include <sys/stat.h>

#include "errors.hpp"
#include "sysfence/sandbox/sandbox.hpp"

namespace sysfence::sandbox {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

void add(Spec& s, const std::string& path, FsAccess a) {
  if (exists(path)) s.paths.push_back({path, a, {}});
}

// untrusted: no network, the system read-only (programs and libraries executable), a private
// /tmp, writes only to the current directory, its own PID/IPC/UTS namespaces.
void untrusted(Spec& s, const std::string& cwd) {
  for (const char* d : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"}) {
    add(s, d, FsAccess::ReadExec);
  }
  for (const char* d : {"/etc", "/proc", "/dev", "/sys", "/var/lib"}) add(s, d, FsAccess::Read);
  for (const char* f : {"/dev/null", "/dev/zero", "/dev/full", "/dev/tty"}) add(s, f, FsAccess::ReadWrite);
  s.mounts.push_back({MountSpec::Kind::Tmpfs, "", "/tmp", {}});
  s.paths.push_back({"/tmp", FsAccess::ReadWrite, {}});
  if (!cwd.empty()) s.paths.push_back({cwd, FsAccess::ReadWrite, {}});
  s.net_none = true;
  s.unshare |= CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;
}

}  // namespace

std::vector<std::string> profile_names() { return {"untrusted"}; }

Result<void> apply_profile(std::string_view name, const std::string& cwd, Spec& spec) {
  if (name == "untrusted") {
    untrusted(spec, cwd);
    return Ok{};
  }
  std::string names;
  for (auto& n : profile_names()) names += (names.empty() ? "" : ", ") + n;
  return make_error("unknown sandbox profile '" + std::string(name) + "'", "one of: " + names);
}

}  // namespace sysfence::sandbox
