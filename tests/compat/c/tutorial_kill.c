/* tests/compat/c/tutorial_kill.c — the classic tutorial filter: default KILL, allow read,
 * write, exit, rt_sigreturn, and dup2(1, 2) only. Compiled against libseccomp and against
 * sysfence; both must print the same lines and end the same way.
 *   argv[1]: 0 dup2(1,2) then exit (status 0); 1 dup2(2,1) (killed); 2 getpid (killed);
 *            3 read(0, buf, 0) then exit; 4 exit_group (killed: not allowed) */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "which_lib.h"

static void say(const char *s) { (void)!write(1, s, strlen(s)); }

int main(int argc, char **argv) {
  int mode = argc > 1 ? atoi(argv[1]) : 0;
  print_which_lib();
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL);
  if (!ctx) return 10;
  int rc = 0;
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(rt_sigreturn), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(dup2), 2, SCMP_A0(SCMP_CMP_EQ, 1),
                         SCMP_A1(SCMP_CMP_EQ, 2));
  printf("rules rc=%d\n", rc);
  fflush(stdout);
  rc = seccomp_load(ctx);
  /* no seccomp_release(): free() could need brk/munmap, which the filter kills */
  if (rc != 0) return 11;
  say("loaded\n");
  char buf[1];
  long r = 0;
  switch (mode) {
    case 0: r = syscall(SYS_dup2, 1, 2); break;
    case 1: r = syscall(SYS_dup2, 2, 1); break;
    case 2: r = syscall(SYS_getpid); break;
    case 3: r = syscall(SYS_read, 0, buf, 0); break;
    case 4: syscall(SYS_exit_group, 7); break;
  }
  say(r >= 0 ? "survived ok\n" : "survived error\n");
  syscall(SYS_exit, 0);
  return 0;
}
