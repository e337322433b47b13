/* seccomp.h -- sysfence's libseccomp-compatible C API (source and binary compatible with
 * libseccomp 2.5 and 2.6), built on the sysfence policy IR and compiler.
 *
 * Usage (unchanged libseccomp code; build with `pkg-config --cflags --libs sysfence-seccomp`):
 *
 *   #include <seccomp.h>
 *
 *   scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
 *   if (ctx == NULL) return -1;
 *   seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 0);
 *   seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1));
 *   seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(openat), 1,
 *                    SCMP_A2_32(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
 *   seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0);
 *   int rc = seccomp_load(ctx);          // 0, or a negative errno as documented below
 *   seccomp_release(ctx);
 *
 * Every function returns 0 (or a value) on success and a negative errno on failure, with the
 * codes libseccomp documents in its man pages. Filters are compiled by sysfence's optimizing
 * compiler (arch check, then a decision tree over syscall numbers, then only that syscall's
 * argument checks; unconditional allows stay in the kernel's constant-action cache).
 *
 * Known weaknesses and differences from libseccomp (details: docs/libseccomp-compat.md):
 *  - Architectures: x86, x86_64, x32, arm, aarch64 and riscv64 can be compiled. Other
 *    SCMP_ARCH_* tokens are known by name but seccomp_arch_add() answers -EDOM for them.
 *  - Overlapping rules of one syscall with different actions: when several conditional rules
 *    match, the most restrictive action wins (the kernel's order); libseccomp picks by the
 *    shape of its internal tree. Identical conditions with a different action are -EEXIST and
 *    an unconditional rule overrides conditional ones, as in libseccomp.
 *  - A comparison value that needs 64 bits on a 32-bit architecture (x86, arm, and x32,
 *    whose arguments libseccomp compares as 32-bit) is -EINVAL (libseccomp silently truncates
 *    it). A sign-extended negative 32-bit value is accepted. Comparisons are unsigned.
 *  - Rules on pseudo syscall numbers (a syscall absent on an architecture) are dropped for
 *    that architecture; libseccomp also compares the pseudo number itself, which no kernel
 *    ever passes. SCMP_FLTATR_CTL_OPTIMIZE is accepted and ignored (always a decision tree);
 *    seccomp_syscall_priority() is a weight hint for that tree.
 *  - seccomp_api_get() reports up to level 7 (libseccomp 2.6); SCMP_VER_* say 2.6.0.
 *  - seccomp_notify_addfd() is a sysfence extension (SECCOMP_IOCTL_NOTIF_ADDFD).
 *  - There is no SCMP_ACT_TRAPX: neither libseccomp 2.5 nor 2.6 has one; SCMP_ACT_TRAP takes
 *    no data, as in libseccomp.
 */
#ifndef SYSFENCE_COMPAT_SECCOMP_H
#define SYSFENCE_COMPAT_SECCOMP_H
/* Code that tests for libseccomp's include guard keeps working. */
#ifndef _SECCOMP_H
#define _SECCOMP_H
#endif

#include <elf.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>
#include <linux/audit.h>
#include <linux/types.h>
#include <linux/seccomp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* This header and library are sysfence's, not libseccomp's. */
#define SYSFENCE_SECCOMP_COMPAT 1

/* ---- version ------------------------------------------------------------------------------ */

#define SCMP_VER_MAJOR 2
#define SCMP_VER_MINOR 6
#define SCMP_VER_MICRO 0

struct scmp_version {
  unsigned int major;
  unsigned int minor;
  unsigned int micro;
};

/* ---- types -------------------------------------------------------------------------------- */

/* An opaque filter under construction. */
typedef void *scmp_filter_ctx;

/* Filter attributes, for seccomp_attr_get() / seccomp_attr_set(). */
enum scmp_filter_attr {
  _SCMP_FLTATR_MIN = 0,
  SCMP_FLTATR_ACT_DEFAULT = 1,  /* default action (read-only) */
  SCMP_FLTATR_ACT_BADARCH = 2,  /* action for a call from an architecture not in the filter */
  SCMP_FLTATR_CTL_NNP = 3,      /* set NO_NEW_PRIVS when loading (default on) */
  SCMP_FLTATR_CTL_TSYNC = 4,    /* install on every thread (SECCOMP_FILTER_FLAG_TSYNC) */
  SCMP_FLTATR_API_TSKIP = 5,    /* allow rules on syscall -1 (a tracer's "skip") */
  SCMP_FLTATR_CTL_LOG = 6,      /* log every action but allow (SECCOMP_FILTER_FLAG_LOG) */
  SCMP_FLTATR_CTL_SSB = 7,      /* keep speculative store bypass (SECCOMP_FILTER_FLAG_SPEC_ALLOW) */
  SCMP_FLTATR_CTL_OPTIMIZE = 8, /* 1 or 2; accepted, sysfence always builds a decision tree */
  SCMP_FLTATR_API_SYSRAWRC = 9, /* return the system's errno instead of -ECANCELED */
  SCMP_FLTATR_CTL_WAITKILL = 10, /* SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (libseccomp 2.6) */
  _SCMP_FLTATR_MAX,
};

/* Comparison operators. Comparisons are unsigned. */
enum scmp_compare {
  _SCMP_CMP_MIN = 0,
  SCMP_CMP_NE = 1,        /* arg != datum_a */
  SCMP_CMP_LT = 2,        /* arg <  datum_a */
  SCMP_CMP_LE = 3,        /* arg <= datum_a */
  SCMP_CMP_EQ = 4,        /* arg == datum_a */
  SCMP_CMP_GE = 5,        /* arg >= datum_a */
  SCMP_CMP_GT = 6,        /* arg >  datum_a */
  SCMP_CMP_MASKED_EQ = 7, /* (arg & datum_a) == datum_b */
  _SCMP_CMP_MAX,
};

typedef uint64_t scmp_datum_t;

/* One comparison of a syscall argument (arg: 0..5). */
struct scmp_arg_cmp {
  unsigned int arg;
  enum scmp_compare op;
  scmp_datum_t datum_a;
  scmp_datum_t datum_b;
};

/* ---- architecture tokens (AUDIT_ARCH_* values; x32 has its own token) -------------------- */

#define SCMP_ARCH_NATIVE 0U
#define SCMP_ARCH_X86 0x40000003U         /* AUDIT_ARCH_I386 */
#define SCMP_ARCH_X86_64 0xc000003eU      /* AUDIT_ARCH_X86_64 */
#define SCMP_ARCH_X32 0x4000003eU         /* EM_X86_64 | __AUDIT_ARCH_LE (not a kernel value) */
#define SCMP_ARCH_ARM 0x40000028U         /* AUDIT_ARCH_ARM */
#define SCMP_ARCH_AARCH64 0xc00000b7U     /* AUDIT_ARCH_AARCH64 */
#define SCMP_ARCH_MIPS 0x00000008U        /* AUDIT_ARCH_MIPS */
#define SCMP_ARCH_MIPS64 0x80000008U      /* AUDIT_ARCH_MIPS64 */
#define SCMP_ARCH_MIPS64N32 0xa0000008U   /* AUDIT_ARCH_MIPS64N32 */
#define SCMP_ARCH_MIPSEL 0x40000008U      /* AUDIT_ARCH_MIPSEL */
#define SCMP_ARCH_MIPSEL64 0xc0000008U    /* AUDIT_ARCH_MIPSEL64 */
#define SCMP_ARCH_MIPSEL64N32 0xe0000008U /* AUDIT_ARCH_MIPSEL64N32 */
#define SCMP_ARCH_PPC 0x00000014U         /* AUDIT_ARCH_PPC */
#define SCMP_ARCH_PPC64 0x80000015U       /* AUDIT_ARCH_PPC64 */
#define SCMP_ARCH_PPC64LE 0xc0000015U     /* AUDIT_ARCH_PPC64LE */
#define SCMP_ARCH_S390 0x00000016U        /* AUDIT_ARCH_S390 */
#define SCMP_ARCH_S390X 0x80000016U       /* AUDIT_ARCH_S390X */
#define SCMP_ARCH_PARISC 0x0000000fU      /* AUDIT_ARCH_PARISC */
#define SCMP_ARCH_PARISC64 0x8000000fU    /* AUDIT_ARCH_PARISC64 */
#define SCMP_ARCH_RISCV64 0xc00000f3U     /* AUDIT_ARCH_RISCV64 */
#define SCMP_ARCH_LOONGARCH64 0xc0000102U /* AUDIT_ARCH_LOONGARCH64 (libseccomp 2.6) */
#define SCMP_ARCH_M68K 0x00000004U        /* AUDIT_ARCH_M68K (libseccomp 2.6) */
#define SCMP_ARCH_SH 0x4000002aU          /* AUDIT_ARCH_SHEL (libseccomp 2.6) */
#define SCMP_ARCH_SHEB 0x0000002aU        /* AUDIT_ARCH_SH (libseccomp 2.6) */

/* ---- syscalls and comparisons ------------------------------------------------------------- */

/* The syscall number to pass to the rule functions: native, or a pseudo number. */
#define SCMP_SYS(x) (__SNR_##x)

/* Error values of the name/number resolvers. */
#define __NR_SCMP_ERROR -1
#define __NR_SCMP_UNDEF -2

/* SCMP_CMP64(arg, op, datum_a [, datum_b]) builds a struct scmp_arg_cmp (an omitted datum is 0,
 * so -Wextra stays quiet); SCMP_CMP is the same.
 * The _32 forms cast the data to uint32_t first, so a negative int compares as its 32-bit
 * pattern instead of a sign-extended 64-bit one. */
#define _SYSFENCE_CMP64_PICK(_1, _2, _3, _4, which, ...) which
#define _SYSFENCE_CMP64_2(arg, op) ((struct scmp_arg_cmp){(arg), (op), 0, 0})
#define _SYSFENCE_CMP64_3(arg, op, a) ((struct scmp_arg_cmp){(arg), (op), (a), 0})
#define _SYSFENCE_CMP64_4(arg, op, a, b) ((struct scmp_arg_cmp){(arg), (op), (a), (b)})
#define SCMP_CMP64(...)                                                             \
  _SYSFENCE_CMP64_PICK(__VA_ARGS__, _SYSFENCE_CMP64_4, _SYSFENCE_CMP64_3, _SYSFENCE_CMP64_2, \
                       unused)                                                      \
  (__VA_ARGS__)
#define SCMP_CMP SCMP_CMP64

#define _SYSFENCE_CMP32_PICK(_1, _2, which, ...) which
#define _SYSFENCE_CMP32_ONE(arg, op, a) SCMP_CMP64(arg, op, (uint32_t)(a))
#define _SYSFENCE_CMP32_TWO(arg, op, a, b) SCMP_CMP64(arg, op, (uint32_t)(a), (uint32_t)(b))
#define SCMP_CMP32(arg, op, ...)                                                    \
  _SYSFENCE_CMP32_PICK(__VA_ARGS__, _SYSFENCE_CMP32_TWO, _SYSFENCE_CMP32_ONE, unused) \
  (arg, op, __VA_ARGS__)

#define SCMP_A0_64(...) SCMP_CMP64(0, __VA_ARGS__)
#define SCMP_A1_64(...) SCMP_CMP64(1, __VA_ARGS__)
#define SCMP_A2_64(...) SCMP_CMP64(2, __VA_ARGS__)
#define SCMP_A3_64(...) SCMP_CMP64(3, __VA_ARGS__)
#define SCMP_A4_64(...) SCMP_CMP64(4, __VA_ARGS__)
#define SCMP_A5_64(...) SCMP_CMP64(5, __VA_ARGS__)
#define SCMP_A0 SCMP_A0_64
#define SCMP_A1 SCMP_A1_64
#define SCMP_A2 SCMP_A2_64
#define SCMP_A3 SCMP_A3_64
#define SCMP_A4 SCMP_A4_64
#define SCMP_A5 SCMP_A5_64
#define SCMP_A0_32(op, ...) SCMP_CMP32(0, op, __VA_ARGS__)
#define SCMP_A1_32(op, ...) SCMP_CMP32(1, op, __VA_ARGS__)
#define SCMP_A2_32(op, ...) SCMP_CMP32(2, op, __VA_ARGS__)
#define SCMP_A3_32(op, ...) SCMP_CMP32(3, op, __VA_ARGS__)
#define SCMP_A4_32(op, ...) SCMP_CMP32(4, op, __VA_ARGS__)
#define SCMP_A5_32(op, ...) SCMP_CMP32(5, op, __VA_ARGS__)

/* ---- actions (SECCOMP_RET_* values) ------------------------------------------------------- */

#define SCMP_ACT_KILL_PROCESS 0x80000000U
#define SCMP_ACT_KILL_THREAD 0x00000000U
#define SCMP_ACT_KILL SCMP_ACT_KILL_THREAD
#define SCMP_ACT_TRAP 0x00030000U
#define SCMP_ACT_NOTIFY 0x7fc00000U
#define SCMP_ACT_ERRNO(x) (0x00050000U | ((x) & 0x0000ffffU))
#define SCMP_ACT_TRACE(x) (0x7ff00000U | ((x) & 0x0000ffffU))
#define SCMP_ACT_LOG 0x7ffc0000U
#define SCMP_ACT_ALLOW 0x7fff0000U

/* ---- user notification (struct layouts are the kernel's) ---------------------------------- */

#ifndef SECCOMP_RET_USER_NOTIF /* kernel headers older than Linux 5.0 */
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
struct seccomp_notif {
  __u64 id;
  __u32 pid;
  __u32 flags;
  struct seccomp_data data;
};
struct seccomp_notif_resp {
  __u64 id;
  __s64 val;
  __s32 error;
  __u32 flags;
};
#endif
#ifndef SECCOMP_ADDFD_FLAG_SETFD /* kernel headers older than Linux 5.9 */
#define SECCOMP_ADDFD_FLAG_SETFD (1UL << 0)
struct seccomp_notif_addfd {
  __u64 id;
  __u32 flags;
  __u32 srcfd;
  __u32 newfd;
  __u32 newfd_flags;
};
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND /* Linux 5.14 */
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1)
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE /* Linux 5.5 */
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif

/* ---- functions ---------------------------------------------------------------------------- */

/* Library version (2.6.0: the libseccomp API level this library implements). Do not free. */
const struct scmp_version *seccomp_version(void);

/* API level: 1 base; 2 TSYNC; 3 LOG and KILL_PROCESS; 4 SSB; 5 NOTIFY; 6 TSYNC_ESRCH;
 * 7 WAITKILL. seccomp_api_get() detects it from the kernel once; seccomp_api_set() forces a
 * level (1..7, else -EINVAL), which limits the actions and attributes accepted. */
unsigned int seccomp_api_get(void);
int seccomp_api_set(unsigned int level);

/* A new filter with `def_action` for unmatched syscalls and the native arch; NULL on an invalid
 * action. seccomp_reset() empties a filter (a NULL ctx resets the library's global state:
 * API level and notification fd). seccomp_release() frees it. seccomp_merge() moves every arch
 * of `ctx_src` into `ctx_dst` (same attributes, no common arch: else -EINVAL / -EEXIST) and
 * frees `ctx_src` on success. */
scmp_filter_ctx seccomp_init(uint32_t def_action);
int seccomp_reset(scmp_filter_ctx ctx, uint32_t def_action);
void seccomp_release(scmp_filter_ctx ctx);
int seccomp_merge(scmp_filter_ctx ctx_dst, scmp_filter_ctx ctx_src);

/* Arch tokens: by libseccomp name ("x86_64", "x86", "x32", "aarch64", ...; 0 when unknown), the
 * native one, and the filter's set. Rules apply to the arches present when they are added.
 * exist: 0 or -EEXIST; add: -EEXIST if present, -EDOM if sysfence cannot compile that arch;
 * remove: -EEXIST if absent; all: -EINVAL for an invalid ctx or token. */
uint32_t seccomp_arch_resolve_name(const char *arch_name);
uint32_t seccomp_arch_native(void);
int seccomp_arch_exist(const scmp_filter_ctx ctx, uint32_t arch_token);
int seccomp_arch_add(scmp_filter_ctx ctx, uint32_t arch_token);
int seccomp_arch_remove(scmp_filter_ctx ctx, uint32_t arch_token);

/* Compiles the filter and installs it on the calling thread (all threads with CTL_TSYNC).
 * -ECANCELED when the kernel refuses (the raw -errno with API_SYSRAWRC), -ESRCH when TSYNC
 * could not synchronize a thread, -EINVAL for an invalid ctx. */
int seccomp_load(const scmp_filter_ctx ctx);

int seccomp_attr_get(const scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t *value);
int seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value);

/* Names and numbers. resolve_num_arch returns a malloc'd name (free() it) or NULL. The
 * resolve_name functions return the number on that arch, a negative pseudo number when the
 * syscall does not exist there, or __NR_SCMP_ERROR; _rewrite gives the multiplexer's number
 * (socketcall, ipc) for the calls x86 multiplexes. resolve_name uses the native arch. */
char *seccomp_syscall_resolve_num_arch(uint32_t arch_token, int num);
int seccomp_syscall_resolve_name_arch(uint32_t arch_token, const char *name);
int seccomp_syscall_resolve_name_rewrite(uint32_t arch_token, const char *name);
int seccomp_syscall_resolve_name(const char *name);

/* A weight hint (0..255, higher = called more often) for the dispatch tree. */
int seccomp_syscall_priority(scmp_filter_ctx ctx, int syscall, uint8_t priority);

/* Add a rule: `action` when `syscall` (native or pseudo number) is called and every comparison
 * holds (each argument compared at most once). The _exact forms refuse to rewrite the rule
 * (x86 socketcall/ipc, a syscall missing on an arch) and need a single-arch filter.
 * Errors: -EACCES action equals the default; -EEXIST same conditions with another action;
 * -EINVAL bad ctx, action, syscall, operator or argument; -EFAULT a number that cannot be
 * translated to another arch; -EDOM / -EOPNOTSUPP for the _exact forms. */
int seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, ...);
int seccomp_rule_add_array(scmp_filter_ctx ctx, uint32_t action, int syscall,
                           unsigned int arg_cnt, const struct scmp_arg_cmp *arg_array);
int seccomp_rule_add_exact(scmp_filter_ctx ctx, uint32_t action, int syscall,
                           unsigned int arg_cnt, ...);
int seccomp_rule_add_exact_array(scmp_filter_ctx ctx, uint32_t action, int syscall,
                                 unsigned int arg_cnt, const struct scmp_arg_cmp *arg_array);

/* User notification (SCMP_ACT_NOTIFY). alloc: zeroed buffers of the kernel's sizes (either
 * pointer may be NULL); receive/respond: the kernel ioctls (-ECANCELED on failure);
 * id_valid: 0 or -ENOENT; fd: the listener fd created by seccomp_load(); addfd (sysfence
 * extension): installs `addfd->srcfd` in the target and returns the target's fd number. */
int seccomp_notify_alloc(struct seccomp_notif **req, struct seccomp_notif_resp **resp);
void seccomp_notify_free(struct seccomp_notif *req, struct seccomp_notif_resp *resp);
int seccomp_notify_receive(int fd, struct seccomp_notif *req);
int seccomp_notify_respond(int fd, struct seccomp_notif_resp *resp);
int seccomp_notify_id_valid(int fd, uint64_t id);
int seccomp_notify_fd(const scmp_filter_ctx ctx);
int seccomp_notify_addfd(int fd, struct seccomp_notif_addfd *addfd);

/* Output: readable pseudo code (sysfence's format), the raw BPF program to an fd, or into a
 * buffer (*len in: capacity in bytes; out: size; buf NULL: size only; -ERANGE if too small). */
int seccomp_export_pfc(const scmp_filter_ctx ctx, int fd);
int seccomp_export_bpf(const scmp_filter_ctx ctx, int fd);
int seccomp_export_bpf_mem(const scmp_filter_ctx ctx, void *buf, size_t *len);

/* Compile now so that a later seccomp_load() does no work (e.g. before fork). */
int seccomp_precompute(const scmp_filter_ctx ctx);

/* Transactions: start takes a snapshot (they nest), reject returns to it, commit keeps the
 * changes. -EINVAL without an open transaction. */
int seccomp_transaction_start(const scmp_filter_ctx ctx);
void seccomp_transaction_reject(const scmp_filter_ctx ctx);
int seccomp_transaction_commit(const scmp_filter_ctx ctx);

#ifdef __cplusplus
}
#endif

#include "seccomp-syscalls.h"

#endif /* SYSFENCE_COMPAT_SECCOMP_H */
