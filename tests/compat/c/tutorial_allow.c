/* tests/compat/c/tutorial_allow.c — default ALLOW; writes to fd 1 allowed, writes to any other
 * fd kill. The rule that allows fd 1 repeats the default action and must fail with -EACCES.
 *   argv[1]: 0 write to fd 1; 1 write to fd 2 (killed); 2 write to a pipe (killed) */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "which_lib.h"

int main(int argc, char **argv) {
  int mode = argc > 1 ? atoi(argv[1]) : 0;
  int p[2];
  print_which_lib();
  if (pipe(p) != 0) return 12;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 10;
  int rc_allow = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_EQ, 1));
  int rc_kill = seccomp_rule_add(ctx, SCMP_ACT_KILL, SCMP_SYS(write), 1, SCMP_A0(SCMP_CMP_NE, 1));
  printf("allow rc=%d (EACCES=%d) kill rc=%d\n", rc_allow, -EACCES, rc_kill);
  fflush(stdout);
  if (seccomp_load(ctx) != 0) return 11;
  seccomp_release(ctx);
  int fd = mode == 0 ? 1 : mode == 1 ? 2 : p[1];
  ssize_t w = write(fd, "written\n", 8);
  printf("write returned %zd\n", w);
  return 0;
}
