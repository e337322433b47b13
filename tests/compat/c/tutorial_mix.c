/* tests/compat/c/tutorial_mix.c — ERRNO, TRAP and LOG rules with masked and 64-bit
 * comparisons on a default-ALLOW filter; prints what each probe returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "which_lib.h"

static volatile int trapped_nr = -1;
static volatile int trapped_errno = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  trapped_nr = si->si_syscall;
  trapped_errno = si->si_errno;
}

static void probe(const char *what, long nr, long a0, long a1, long a2, long a3) {
  trapped_nr = -1;
  errno = 0;
  long r = syscall(nr, a0, a1, a2, a3, 0, 0);
  int e = r < 0 ? errno : 0;
  printf("%-28s ret=%s errno=%d trapped=%d\n", what, r < 0 ? "-1" : "ok", e, trapped_nr);
}

int main(void) {
  print_which_lib();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, NULL);

  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 10;
  int rc[8];
  /* masked 32-bit: open for writing only -> EACCES */
  rc[0] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 1,
                           SCMP_A2_32(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
  /* 64-bit greater-than on an offset -> ERANGE */
  rc[1] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ERANGE), SCMP_SYS(lseek), 1,
                           SCMP_A1_64(SCMP_CMP_GT, 0x100000000ULL));
  /* 64-bit masked on the high word -> E2BIG */
  rc[2] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(E2BIG), SCMP_SYS(pread64), 1,
                           SCMP_A3_64(SCMP_CMP_MASKED_EQ, 0xffffffff00000000ULL, 0x500000000ULL));
  /* TRAP on kill(0, SIGUSR2) ... but only signal 0 checks: kill(getpid(), 0) */
  rc[3] = seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(kill), 1, SCMP_A1(SCMP_CMP_EQ, 0));
  /* LOG on getppid: runs normally */
  rc[4] = seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(getppid), 0);
  /* two comparisons: fcntl(fd, F_SETFL, flags with O_NONBLOCK) -> EDOM */
  rc[5] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EDOM), SCMP_SYS(fcntl), 2,
                           SCMP_A1(SCMP_CMP_EQ, F_SETFL),
                           SCMP_A2(SCMP_CMP_MASKED_EQ, O_NONBLOCK, O_NONBLOCK));
  /* a negative value through the _32 form: lseek whence == -1 (as 32 bits) -> ENOTTY */
  rc[6] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(dup3), 1,
                           SCMP_A2_32(SCMP_CMP_EQ, -1));
  /* LE / LT / GE on the same syscall, separate rules -> all EPERM */
  rc[7] = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(getpriority), 1,
                           SCMP_A1(SCMP_CMP_GE, 1000));
  for (int i = 0; i < 8; i++) printf("rule %d rc=%d\n", i, rc[i]);
  fflush(stdout);
  if (seccomp_load(ctx) != 0) return 11;
  seccomp_release(ctx);

  int fd = open("/dev/null", O_RDONLY);
  probe("openat rdonly", SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0);
  probe("openat wronly", SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY, 0);
  probe("openat rdwr", SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDWR, 0);
  probe("openat wronly|creat", SYS_openat, AT_FDCWD, (long)"/dev/null", O_WRONLY | O_CREAT, 0644);
  probe("lseek 5", SYS_lseek, fd, 5, SEEK_SET, 0);
  probe("lseek 1<<32", SYS_lseek, fd, 0x100000000L, SEEK_SET, 0);
  probe("lseek 1<<32 + 1", SYS_lseek, fd, 0x100000001L, SEEK_SET, 0);
  probe("lseek -1 (huge unsigned)", SYS_lseek, fd, -1L, SEEK_SET, 0);
  char b[4];
  probe("pread64 off 5<<32", SYS_pread64, fd, (long)b, 1, 0x500000000L);
  probe("pread64 off 5<<32 + 7", SYS_pread64, fd, (long)b, 1, 0x500000007L);
  probe("pread64 off 4<<32", SYS_pread64, fd, (long)b, 1, 0x400000000L);
  probe("kill self 0", SYS_kill, getpid(), 0, 0, 0);
  probe("getppid (log)", SYS_getppid, 0, 0, 0, 0);
  probe("fcntl setfl nonblock", SYS_fcntl, fd, F_SETFL, O_NONBLOCK, 0);
  probe("fcntl setfl 0", SYS_fcntl, fd, F_SETFL, 0, 0);
  probe("fcntl getfl", SYS_fcntl, fd, F_GETFL, O_NONBLOCK, 0);
  probe("dup3 flags -1 (32-bit)", SYS_dup3, fd, 100, 0xffffffffL, 0);
  probe("dup3 flags -1 (64-bit)", SYS_dup3, fd, 100, -1L, 0);
  probe("getpriority 999", SYS_getpriority, 0, 999, 0, 0);
  probe("getpriority 1000", SYS_getpriority, 0, 1000, 0, 0);
  probe("getpriority -1", SYS_getpriority, 0, -1L, 0, 0);
  return 0;
}
