/* tests/compat/c/notify_roundtrip.c — a real SECCOMP_RET_USER_NOTIF round trip through the
 * libseccomp notify API: the main thread's getppid() and uname() are sent to a supervisor
 * thread, which answers getppid with 4242, fails uname with EPERM after checking the id, and
 * (sysfence only: seccomp_notify_addfd) answers getpgid with a new fd in the target.
 * Prints one line per step; exit status 0 when every step behaved. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "which_lib.h"

static int notify_fd = -1;
static int pipe_fds[2];
static int expected = 2;
static char sup_log[2048]; /* the supervisor's lines, printed by main after the join */

#define SUP_LOG(...) \
  snprintf(sup_log + strlen(sup_log), sizeof sup_log - strlen(sup_log), __VA_ARGS__)

static void *supervisor(void *arg) {
  (void)arg;
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  if (seccomp_notify_alloc(&req, &resp) != 0) {
    SUP_LOG("notify_alloc failed\n");
    return NULL;
  }
  for (int i = 0; i < expected; i++) {
    memset(req, 0, sizeof *req); /* the kernel wants a zeroed buffer; libseccomp 2.5 does not do it */
    int rc = seccomp_notify_receive(notify_fd, req);
    if (rc != 0) {
      SUP_LOG("receive rc=%d\n", rc);
      break;
    }
    SUP_LOG("received nr=%d pid_is_main=%d id_valid=%d\n", req->data.nr,
           req->pid == (unsigned)getpid(),
           seccomp_notify_id_valid(notify_fd, req->id));
    memset(resp, 0, sizeof *resp);
    resp->id = req->id;
    if (req->data.nr == SCMP_SYS(getppid)) {
      resp->val = 4242;
    } else if (req->data.nr == SCMP_SYS(uname)) {
      resp->error = -EPERM;
    }
#if defined(SYSFENCE_SECCOMP_COMPAT) && !defined(COMPAT_NO_EXTENSIONS)
    else if (req->data.nr == SCMP_SYS(getpgid)) {
      struct seccomp_notif_addfd add;
      memset(&add, 0, sizeof add);
      add.id = req->id;
      add.flags = SECCOMP_ADDFD_FLAG_SEND;
      add.srcfd = (unsigned)pipe_fds[1];
      int fd = seccomp_notify_addfd(notify_fd, &add);
      SUP_LOG("addfd returned %s\n", fd >= 0 ? "an fd" : "an error");
      continue; /* SEND answered the notification */
    }
#endif
    rc = seccomp_notify_respond(notify_fd, resp);
    SUP_LOG("respond rc=%d\n", rc);
  }
  SUP_LOG("stale id valid=%d\n", seccomp_notify_id_valid(notify_fd, req->id));
  seccomp_notify_free(req, resp);
  return NULL;
}

int main(void) {
  print_which_lib();
  if (pipe(pipe_fds) != 0) return 12;
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 10;
  printf("notify_fd before load=%d\n", seccomp_notify_fd(ctx));
  int rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(getppid), 0);
  rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(uname), 0);
#if defined(SYSFENCE_SECCOMP_COMPAT) && !defined(COMPAT_NO_EXTENSIONS)
  rc |= seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(getpgid), 0);
  expected = 3;
#endif
  printf("rules rc=%d\n", rc);
  if (seccomp_load(ctx) != 0) {
    printf("load failed\n");
    return 11;
  }
  notify_fd = seccomp_notify_fd(ctx);
  printf("notify_fd valid=%d\n", notify_fd >= 0);
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, supervisor, NULL);
  long ppid = syscall(SYS_getppid);
  printf("getppid returned %ld\n", ppid);
  struct utsname u;
  errno = 0;
  long ur = syscall(SYS_uname, &u);
  printf("uname returned %ld errno=%d (EPERM=%d)\n", ur, errno, EPERM);
  int ok = ppid == 4242 && ur == -1 && errno == EPERM;
#if defined(SYSFENCE_SECCOMP_COMPAT) && !defined(COMPAT_NO_EXTENSIONS)
  long nfd = syscall(SYS_getpgid, 0);
  struct stat a, b;
  int same = nfd >= 0 && fstat((int)nfd, &a) == 0 && fstat(pipe_fds[1], &b) == 0 &&
             a.st_ino == b.st_ino && nfd != pipe_fds[1];
  printf("getpgid gave a copy of the pipe: %d\n", same);
  ok = ok && same;
#endif
  fflush(stdout);
  pthread_join(t, NULL);
  fputs(sup_log, stdout);
  seccomp_release(ctx);
  return ok ? 0 : 1;
}
