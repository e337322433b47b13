/* tests/compat/c/stacked.c — a filter past 4096 instructions through the C API: six syscalls
 * with 1000 allowed arg1 values each. seccomp_export_bpf cannot write one program for it;
 * seccomp_load installs it as stacked filters. Then ftruncate(99, allowed value) reaches the
 * kernel (EBADF) and ftruncate(99, 1) is refused with the default EPERM.
 *   argv[1]: "load" to install (else only the export is tried) */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "which_lib.h"

int main(int argc, char **argv) {
  print_which_lib();
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
  if (!ctx) return 10;
  const int plain[] = {SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(brk), SCMP_SYS(mmap),
                       SCMP_SYS(munmap), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
                       SCMP_SYS(rt_sigprocmask), SCMP_SYS(getpid), SCMP_SYS(tgkill),
                       SCMP_SYS(close)};
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; ++i)
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0) != 0) return 11;
  const int valued[] = {SCMP_SYS(fchmod), SCMP_SYS(ftruncate), SCMP_SYS(fchown),
                        SCMP_SYS(fadvise64), SCMP_SYS(fallocate), SCMP_SYS(flistxattr)};
  for (int k = 0; k < 6; ++k)
    for (int i = 0; i < 1000; ++i)
      if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, valued[k], 1,
                           SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)(0x5400 + 7 * i + k))) != 0)
        return 12;
  FILE *devnull = fopen("/dev/null", "w");
  int rc = seccomp_export_bpf(ctx, fileno(devnull));
  fclose(devnull);
  printf("export rc=%d (E2BIG=%d)\n", rc, -E2BIG);
  if (argc > 1 && !strcmp(argv[1], "load")) {
    rc = seccomp_load(ctx);
    printf("load rc=%d\n", rc);
    fflush(stdout);
    if (rc != 0) return 13;
    errno = 0;
    long a = syscall(SYS_ftruncate, 99, 0x5400 + 1);
    int ea = errno;
    errno = 0;
    long b = syscall(SYS_ftruncate, 99, 1);
    int eb = errno;
    printf("allowed value: %ld errno=%d; other value: %ld errno=%d\n", a, ea, b, eb);
    fflush(stdout);
    /* Straight out: exit handlers (a sanitizer's leak check stops the world with syscalls
     * this filter refuses) would run under the filter. */
    syscall(SYS_exit_group, 0);
  }
  seccomp_release(ctx);
  return 0;
}
