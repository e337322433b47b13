/* bench/startup_libseccomp.c — the smallest C program that does what `sysfence compile
 * bench/policies/small.policy -o OUT` does, through libseccomp: the same rules, exported as raw
 * BPF to OUT. sysfence_bench_startup runs both as whole processes (time and peak memory). */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return 1;
  static const char* const allowed[] = {"read",           "write",      "close",    "fstat",
                                        "mmap",           "munmap",     "brk",      "rt_sigaction",
                                        "rt_sigprocmask", "exit_group", "exit",     "openat",
                                        "newfstatat",     "futex",      "getrandom"};
  int rc = 0;
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; ++i)
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(allowed[i]), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, 0x5401));
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                         SCMP_A2(SCMP_CMP_MASKED_EQ, 4, 0));
  const int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (rc != 0 || fd < 0 || seccomp_export_bpf(ctx, fd) != 0) return 1;
  close(fd);
  seccomp_release(ctx);
  return 0;
}
