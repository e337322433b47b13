// src/compat/api.cpp — the libseccomp-compatible C functions. Each one validates its
// arguments, forwards to compat::Filter (filter.cpp) and never lets a C++ exception out.
#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <bit>
#include <cstring>
#include <new>
#include <unistd.h>

#include "compat/filter.hpp"
#include "sysfence/loader/loader.hpp"

// Last: <linux/audit.h> (pulled in by <seccomp.h>) defines AUDIT_ARCH_* as macros, which would
// clash with sysfence's constants of the same names.
#include <seccomp.h>

using sysfence::compat::ArgCmpC;
using sysfence::compat::as_filter;
using sysfence::compat::Filter;

static_assert(sizeof(ArgCmpC) == sizeof(struct scmp_arg_cmp), "scmp_arg_cmp layout");
static_assert(SCMP_FLTATR_CTL_WAITKILL == 10, "attribute numbering");

namespace {

// Runs `fn`, turning exceptions into libseccomp-style error codes.
template <class F>
int guarded(F&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) { return -ENOMEM; } catch (...) {
    return -EFAULT;
  }
}

int write_all(int fd, const void* data, size_t len) {
  const auto* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t w = ::write(fd, p, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    p += w;
    len -= static_cast<size_t>(w);
  }
  return 0;
}

// libseccomp's "valid filter": a live context with at least one arch. Most functions need it.
Filter* usable(void* ctx) {
  Filter* f = as_filter(ctx);
  return f && !f->state().arches.empty() ? f : nullptr;
}

// libseccomp reports system failures as -ECANCELED unless API_SYSRAWRC is set.
int sys_rc(const Filter& f, int raw) {
  if (raw >= 0) return raw;
  return f.state().attrs.sysrawrc ? raw : -ECANCELED;
}

int rule_add_common(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                    const struct scmp_arg_cmp* args, bool exact) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f) return -EINVAL;
    return f->add_rule(action, syscall, reinterpret_cast<const ArgCmpC*>(args), arg_cnt, exact);
  });
}

int rule_add_va(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, va_list ap,
                bool exact) {
  if (arg_cnt > 6) return -EINVAL;
  struct scmp_arg_cmp args[6];
  for (unsigned int i = 0; i < arg_cnt; ++i) args[i] = va_arg(ap, struct scmp_arg_cmp);
  return rule_add_common(ctx, action, syscall, arg_cnt, arg_cnt ? args : nullptr, exact);
}

}  // namespace

extern "C" {

const struct scmp_version* seccomp_version(void) {
  static const struct scmp_version v = {SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO};
  return &v;
}

unsigned int seccomp_api_get(void) {
  try {
    return sysfence::compat::api_level();
  } catch (...) { return 1; }
}

int seccomp_api_set(unsigned int level) { return sysfence::compat::set_api_level(level); }

scmp_filter_ctx seccomp_init(uint32_t def_action) {
  try {
    if (!sysfence::compat::action_valid(def_action)) return nullptr;
    return new Filter(def_action);
  } catch (...) { return nullptr; }
}

int seccomp_reset(scmp_filter_ctx ctx, uint32_t def_action) {
  if (ctx == nullptr) {  // the library's global state
    sysfence::compat::reset_global_state();
    return 0;
  }
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f || !sysfence::compat::action_valid(def_action)) return -EINVAL;
    f->reset(def_action);
    return 0;
  });
}

void seccomp_release(scmp_filter_ctx ctx) {
  Filter* f = as_filter(ctx);
  if (!f) return;
  f->invalidate();
  delete f;
}

int seccomp_merge(scmp_filter_ctx ctx_dst, scmp_filter_ctx ctx_src) {
  return guarded([&] {
    Filter* d = as_filter(ctx_dst);
    Filter* s = as_filter(ctx_src);
    if (!d || !s || d == s) return -EINVAL;
    if (d->state().arches.empty() || s->state().arches.empty()) return -EINVAL;
    int rc = d->merge_from(*s);
    if (rc == 0) seccomp_release(ctx_src);
    return rc;
  });
}

uint32_t seccomp_arch_resolve_name(const char* arch_name) {
  if (arch_name == nullptr) return 0;
  return sysfence::compat::resolve_arch_name(arch_name);
}

uint32_t seccomp_arch_native(void) { return sysfence::compat::native_token(); }

int seccomp_arch_exist(const scmp_filter_ctx ctx, uint32_t arch_token) {
  Filter* f = as_filter(ctx);
  if (!f) return -EINVAL;
  return f->arch_exist(arch_token);
}

int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f) return -EINVAL;
    return f->arch_add(arch_token);
  });
}

int seccomp_arch_remove(scmp_filter_ctx ctx, uint32_t arch_token) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f) return -EINVAL;
    return f->arch_remove(arch_token);
  });
}

int seccomp_load(const scmp_filter_ctx ctx) {
  return guarded([&] {
    namespace loader = sysfence::loader;
    Filter* f = as_filter(ctx);
    if (!f || f->state().arches.empty()) return -EINVAL;
    auto prog = f->programs();  // a stack past 4096 instructions: installed all or none
    if (!prog) return -EFAULT;
    const auto& a = f->state().attrs;
    loader::FilterOptions opt;
    opt.set_no_new_privs = a.nnp != 0;
    if (a.tsync) opt.flags |= loader::kFlagTsync;
    if (a.log) opt.flags |= loader::kFlagLog;
    if (a.ssb) opt.flags |= loader::kFlagSpecAllow;
    const bool notify = f->uses_notify();
    if (notify) {
      if (sysfence::compat::global_notify_fd() < 0) {
        opt.flags |= loader::kFlagNewListener;
        if (a.waitkill) opt.flags |= loader::kFlagWaitKillableRecv;
        if (a.tsync) opt.flags |= loader::kFlagTsyncEsrch;
      } else {
        opt.allow_user_notif_without_listener = true;  // the kernel allows one listener
      }
    }
    auto inst = loader::install_filters(*prog, opt);
    if (!inst) {
      if (a.tsync && loader::tsync_blocking_thread(inst.error())) return -ESRCH;
      if (inst.error().sys_errno == ESRCH && a.tsync) return -ESRCH;
      const int e = inst.error().sys_errno ? inst.error().sys_errno : ECANCELED;
      return sys_rc(*f, -e);
    }
    if (inst->listener.valid()) sysfence::compat::set_global_notify_fd(inst->listener.release());
    return 0;
  });
}

int seccomp_attr_get(const scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t* value) {
  Filter* f = usable(ctx);
  if (!f) return -EINVAL;
  return f->attr_get(static_cast<int>(attr), value);
}

int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value) {
  return guarded([&] {
    Filter* f = usable(ctx);
    if (!f) return -EINVAL;
    return f->attr_set(static_cast<int>(attr), value);
  });
}

char* seccomp_syscall_resolve_num_arch(uint32_t arch_token, int num) {
  try {
    auto n = sysfence::compat::resolve_num_arch(arch_token, num);
    if (!n) return nullptr;
    return strdup(n->c_str());
  } catch (...) { return nullptr; }
}

int seccomp_syscall_resolve_name_arch(uint32_t arch_token, const char* name) {
  if (name == nullptr) return __NR_SCMP_ERROR;
  return guarded([&] { return sysfence::compat::resolve_name_arch(arch_token, name, false); });
}

int seccomp_syscall_resolve_name_rewrite(uint32_t arch_token, const char* name) {
  if (name == nullptr) return __NR_SCMP_ERROR;
  return guarded([&] { return sysfence::compat::resolve_name_arch(arch_token, name, true); });
}

int seccomp_syscall_resolve_name(const char* name) {
  return seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
}

int seccomp_syscall_priority(scmp_filter_ctx ctx, int syscall, uint8_t priority) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f) return -EINVAL;
    return f->priority(syscall, priority);
  });
}

int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                           const struct scmp_arg_cmp* arg_array) {
  return rule_add_common(ctx, action, syscall, arg_cnt, arg_array, false);
}

int seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, ...) {
  va_list ap;
  va_start(ap, arg_cnt);
  int rc = rule_add_va(ctx, action, syscall, arg_cnt, ap, false);
  va_end(ap);
  return rc;
}

int seccomp_rule_add_exact_array(scmp_filter_ctx ctx, uint32_t action, int syscall,
                                 unsigned int arg_cnt, const struct scmp_arg_cmp* arg_array) {
  return rule_add_common(ctx, action, syscall, arg_cnt, arg_array, true);
}

int seccomp_rule_add_exact(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
                           ...) {
  va_list ap;
  va_start(ap, arg_cnt);
  int rc = rule_add_va(ctx, action, syscall, arg_cnt, ap, true);
  va_end(ap);
  return rc;
}

int seccomp_notify_fd(const scmp_filter_ctx ctx) {
  Filter* f = usable(ctx);
  if (!f) return -EINVAL;
  const int fd = sysfence::compat::global_notify_fd();
  // libseccomp 2.5 answers -EFAULT (not the -1 its man page says) before a listener exists.
  return fd >= 0 ? fd : -EFAULT;
}

int seccomp_export_pfc(const scmp_filter_ctx ctx, int fd) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f || f->state().arches.empty()) return -EINVAL;
    std::string text = sysfence::compat::render_pfc(*f);
    return sys_rc(*f, write_all(fd, text.data(), text.size()));
  });
}

}  // extern "C" (reopened below: a C++ helper must not get C linkage)

namespace {

// What seccomp_export_bpf writes: the program in the filter's byte order, as libseccomp does
// (a filter of big-endian arches is exported for a big-endian kernel: code and k swapped on
// this little-endian host). seccomp_load installs the host-order program.
sysfence::Result<sysfence::bpf::Program> exported(Filter& f) {
  auto prog = f.program();
  if (!prog) return prog;
  const sysfence::arch::Arch first = f.state().arches.front().arch;
  const bool host_big = std::endian::native == std::endian::big;
  if (sysfence::arch::info(first).big_endian != host_big) {
    for (sysfence::bpf::Insn& in : *prog) {
      in.code = static_cast<uint16_t>((in.code >> 8) | (in.code << 8));
      in.k = __builtin_bswap32(in.k);
    }
  }
  return prog;
}

}  // namespace

extern "C" {

int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f || f->state().arches.empty()) return -EINVAL;
    auto prog = exported(*f);
    if (!prog) return prog.error().sys_errno == E2BIG ? -E2BIG : -EFAULT;
    return sys_rc(*f, write_all(fd, prog->data(), prog->size() * sizeof(prog->front())));
  });
}

int seccomp_export_bpf_mem(const scmp_filter_ctx ctx, void* buf, size_t* len) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f || len == nullptr || f->state().arches.empty()) return -EINVAL;
    auto prog = exported(*f);
    if (!prog) return prog.error().sys_errno == E2BIG ? -E2BIG : -EFAULT;
    const size_t need = prog->size() * sizeof(prog->front());
    if (buf != nullptr) {
      if (*len < need) return -ERANGE;
      std::memcpy(buf, prog->data(), need);
    }
    *len = need;
    return 0;
  });
}

int seccomp_precompute(const scmp_filter_ctx ctx) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f || f->state().arches.empty()) return -EINVAL;
    return f->programs() ? 0 : -EFAULT;
  });
}

int seccomp_transaction_start(const scmp_filter_ctx ctx) {
  return guarded([&] {
    Filter* f = as_filter(ctx);
    if (!f) return -EINVAL;
    return f->transaction_start();
  });
}

void seccomp_transaction_reject(const scmp_filter_ctx ctx) {
  Filter* f = as_filter(ctx);
  if (f) f->transaction_reject();
}

int seccomp_transaction_commit(const scmp_filter_ctx ctx) {
  Filter* f = as_filter(ctx);
  if (!f) return -EINVAL;
  return f->transaction_commit();
}

}  // extern "C"
