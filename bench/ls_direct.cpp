// bench/ls_direct.cpp — Debian's libseccomp, linked, behind the ScmpApi table (common.hpp).
// common.hpp first: <seccomp.h> pulls <linux/audit.h>, whose AUDIT_ARCH_* macros would
// clobber sysfence/bpf/seccomp.hpp's constants of the same names.
#include "common.hpp"

#include <seccomp.h>

#include <string>

namespace bench {

const ScmpApi& linked_libseccomp() {
  static const ScmpApi api = [] {
    ScmpApi a;
    const scmp_version* v = seccomp_version();
    a.name = "libseccomp " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
             std::to_string(v->micro);
    a.init = [](uint32_t def) -> void* { return seccomp_init(def); };
    a.release = [](void* ctx) { seccomp_release(ctx); };
    a.attr_set = [](void* ctx, int attr, uint32_t value) {
      return seccomp_attr_set(ctx, static_cast<scmp_filter_attr>(attr), value);
    };
    a.arch_add = [](void* ctx, uint32_t t) { return seccomp_arch_add(ctx, t); };
    a.arch_remove = [](void* ctx, uint32_t t) { return seccomp_arch_remove(ctx, t); };
    a.arch_native = [] { return seccomp_arch_native(); };
    a.syscall_resolve_name = [](const char* n) { return seccomp_syscall_resolve_name(n); };
    a.rule_add_array = [](void* ctx, uint32_t act, int nr, unsigned cnt, const void* args) {
      return seccomp_rule_add_array(ctx, act, nr, cnt, static_cast<const scmp_arg_cmp*>(args));
    };
    a.export_bpf = [](const void* ctx, int fd) {
      return seccomp_export_bpf(const_cast<void*>(ctx), fd);
    };
    return a;
  }();
  return api;
}

bool libseccomp_knows(std::string_view name) {
  return seccomp_syscall_resolve_name(std::string(name).c_str()) != __NR_SCMP_ERROR;
}

}  // namespace bench
