/* tests/compat/driver.c — a libseccomp API interpreter for differential tests.
 *
 * Compiled twice from this one source: against Debian's libseccomp (the oracle) and against
 * sysfence's compatible library. It reads commands on stdin, one per line, and prints one
 * result line per command, so the test can compare both transcripts line by line:
 *
 *   init 0x7fff0000            -> "init ok" | "init NULL"
 *   arch_add 0x40000003        -> "arch_add 0"
 *   rule 0x50001 41 1 0 4 2 0  -> "rule 0"    (action nr count [arg op datum_a datum_b]...)
 *   rule_exact ...             -> seccomp_rule_add_exact_array
 *   rule3 ACT NR               -> seccomp_rule_add with three varargs comparisons (a0 EQ 1, a1
 *                                 MASKED_EQ 0xf0/0x10, a2 GT 7), to exercise the va_list path
 *   attr_set 4 1 / attr_get 4  -> "attr_set 0" / "attr_get 0 1"
 *   export_bpf PATH            -> writes the BPF program, "export_bpf 0"
 *   export_pfc [PATH]          -> writes the pseudo filter code (default /dev/null)
 *   export_mem                 -> checks seccomp_export_bpf_mem against export_bpf
 *   live NR A0..A5             -> in a forked child: load the filter, make the syscall, report
 *                                 "live ret=R errno=E" | "live signal=N" | "live trap"
 *   resolve_name NAME, resolve_name_arch TOKEN NAME, resolve_rewrite TOKEN NAME,
 *   resolve_num TOKEN NR, arch_resolve NAME, priority NR P, reset ACT, reset_null,
 *   release, merge_new ACT TOKEN (merge a fresh filter holding arch TOKEN), api_get,
 *   transaction_start / _commit / _reject, precompute, notify_fd, version
 *
 * Lines starting with '#' are echoed (comments keep the transcripts aligned). A command
 * prefixed with '!' runs as usual but its output line starts with '!': a result the test knows
 * to differ between the libraries (documented in docs/libseccomp-compat.md), not compared.
 * pfc writes seccomp_export_pfc() output to stdout (for debugging a script by hand).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

static scmp_filter_ctx ctx;

struct shared {
  volatile long ret;
  volatile int err;
  volatile int trapped;
  volatile int done;
};
static struct shared *shm;

static void on_sigsys(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)si; (void)uc;
  shm->trapped = 1;
}

static uint64_t num(const char *s) { return strtoull(s, NULL, 0); }

static int parse_args(char **tok, int ntok, unsigned *n, struct scmp_arg_cmp *a) {
  if (ntok < 4) return -1;
  *n = (unsigned)num(tok[3]);
  if (*n > 6) return 0; /* passed as is; the library must reject it */
  if (ntok < 4 + 4 * (int)*n) return -1;
  for (unsigned i = 0; i < *n; i++) {
    a[i].arg = (unsigned)num(tok[4 + 4 * i]);
    a[i].op = (enum scmp_compare)num(tok[5 + 4 * i]);
    a[i].datum_a = num(tok[6 + 4 * i]);
    a[i].datum_b = num(tok[7 + 4 * i]);
  }
  return 0;
}

static void live(char **tok, int ntok) {
  long a[6] = {0, 0, 0, 0, 0, 0};
  long nr = (long)num(tok[1]);
  for (int i = 0; i < 6 && i + 2 < ntok; i++) a[i] = (long)num(tok[2 + i]);
  memset((void *)shm, 0, sizeof *shm);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    int rc = seccomp_load(ctx);
    if (rc != 0) { shm->ret = rc; shm->err = -1; shm->done = 1; _exit(3); }
    errno = 0;
    long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    shm->ret = r;
    shm->err = r < 0 ? errno : 0;
    shm->done = 1;
    syscall(SYS_exit_group, 0);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (shm->trapped) printf("live trap\n");
  else if (shm->done && shm->err == -1) printf("live load=%ld\n", shm->ret);
  else if (shm->done) printf("live ret=%ld errno=%d\n", shm->err ? -1L : shm->ret, shm->err);
  else if (WIFSIGNALED(st)) printf("live signal=%d\n", WTERMSIG(st));
  else printf("live exit=%d\n", WEXITSTATUS(st));
}

int main(void) {
  char line[4096];
  shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  setvbuf(stdout, NULL, _IOLBF, 0);
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == '#' || line[0] == 0) { printf("%s\n", line); continue; }
    char *start = line;
    if (*start == '!') { /* a result known to differ: marked, not compared */
      printf("!");
      start++;
    }
    char *tok[64];
    int ntok = 0;
    for (char *t = strtok(start, " \t"); t && ntok < 64; t = strtok(NULL, " \t")) tok[ntok++] = t;
    if (ntok == 0) { printf("\n"); continue; }
    const char *c = tok[0];
    if (!strcmp(c, "init")) {
      if (ctx) seccomp_release(ctx); /* a script may start over */
      ctx = seccomp_init((uint32_t)num(tok[1]));
      printf("init %s\n", ctx ? "ok" : "NULL");
    } else if (!strcmp(c, "reset")) {
      printf("reset %d\n", seccomp_reset(ctx, (uint32_t)num(tok[1])));
    } else if (!strcmp(c, "reset_null")) {
      printf("reset_null %d\n", seccomp_reset(NULL, 0));
    } else if (!strcmp(c, "release")) {
      seccomp_release(ctx);
      ctx = NULL;
      printf("release\n");
    } else if (!strcmp(c, "null_ctx")) {
      printf("null_ctx %d %d %d %d\n", seccomp_rule_add(NULL, SCMP_ACT_ALLOW, 0, 0),
             seccomp_arch_exist(NULL, 0), seccomp_export_bpf(NULL, 1), seccomp_load(NULL));
    } else if (!strcmp(c, "arch_add")) {
      printf("arch_add %d\n", seccomp_arch_add(ctx, (uint32_t)num(tok[1])));
    } else if (!strcmp(c, "arch_remove")) {
      printf("arch_remove %d\n", seccomp_arch_remove(ctx, (uint32_t)num(tok[1])));
    } else if (!strcmp(c, "arch_exist")) {
      printf("arch_exist %d\n", seccomp_arch_exist(ctx, (uint32_t)num(tok[1])));
    } else if (!strcmp(c, "arch_resolve")) {
      printf("arch_resolve %s 0x%x\n", tok[1], seccomp_arch_resolve_name(tok[1]));
    } else if (!strcmp(c, "arch_native")) {
      printf("arch_native 0x%x\n", seccomp_arch_native());
    } else if (!strcmp(c, "attr_set")) {
      printf("attr_set %d\n", seccomp_attr_set(ctx, (enum scmp_filter_attr)num(tok[1]),
                                               (uint32_t)num(tok[2])));
    } else if (!strcmp(c, "attr_get")) {
      uint32_t v = 0xdeadbeef;
      int rc = seccomp_attr_get(ctx, (enum scmp_filter_attr)num(tok[1]), &v);
      printf("attr_get %d 0x%x\n", rc, rc == 0 ? v : 0);
    } else if (!strcmp(c, "rule") || !strcmp(c, "rule_exact")) {
      struct scmp_arg_cmp a[6];
      unsigned n = 0;
      if (parse_args(tok, ntok, &n, a) < 0) { printf("bad line\n"); continue; }
      int rc = !strcmp(c, "rule")
                   ? seccomp_rule_add_array(ctx, (uint32_t)num(tok[1]), (int)num(tok[2]), n, a)
                   : seccomp_rule_add_exact_array(ctx, (uint32_t)num(tok[1]), (int)num(tok[2]),
                                                  n, a);
      printf("%s %d\n", c, rc);
    } else if (!strcmp(c, "rule3")) {
      int rc = seccomp_rule_add(ctx, (uint32_t)num(tok[1]), (int)num(tok[2]), 3,
                                SCMP_A0_64(SCMP_CMP_EQ, 1), SCMP_A1_32(SCMP_CMP_MASKED_EQ, 0xf0, 0x10),
                                SCMP_A2(SCMP_CMP_GT, 7));
      printf("rule3 %d\n", rc);
    } else if (!strcmp(c, "priority")) {
      printf("priority %d\n", seccomp_syscall_priority(ctx, (int)num(tok[1]), (uint8_t)num(tok[2])));
    } else if (!strcmp(c, "resolve_name")) {
      printf("resolve_name %s %d\n", tok[1], seccomp_syscall_resolve_name(tok[1]));
    } else if (!strcmp(c, "resolve_name_arch")) {
      printf("resolve_name_arch %s %d\n", tok[2],
             seccomp_syscall_resolve_name_arch((uint32_t)num(tok[1]), tok[2]));
    } else if (!strcmp(c, "resolve_rewrite")) {
      printf("resolve_rewrite %s %d\n", tok[2],
             seccomp_syscall_resolve_name_rewrite((uint32_t)num(tok[1]), tok[2]));
    } else if (!strcmp(c, "resolve_num")) {
      char *n = seccomp_syscall_resolve_num_arch((uint32_t)num(tok[1]), (int)num(tok[2]));
      printf("resolve_num %s %s\n", tok[2], n ? n : "(null)");
      free(n);
    } else if (!strcmp(c, "export_bpf")) {
      int fd = open(tok[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
      printf("export_bpf %d\n", seccomp_export_bpf(ctx, fd));
      close(fd);
    } else if (!strcmp(c, "export_pfc")) {
      int fd = open(ntok > 1 ? tok[1] : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
      printf("export_pfc %d\n", seccomp_export_pfc(ctx, fd));
      close(fd);
    } else if (!strcmp(c, "pfc")) {
      fflush(stdout);
      printf("pfc %d\n", seccomp_export_pfc(ctx, 1));
    } else if (!strcmp(c, "export_bad_fd")) {
      printf("export_bad_fd %d\n", seccomp_export_bpf(ctx, -1));
    } else if (!strcmp(c, "merge_new")) {
      scmp_filter_ctx other = seccomp_init((uint32_t)num(tok[1]));
      int rc = seccomp_arch_remove(other, SCMP_ARCH_NATIVE);
      if (rc == 0) rc = seccomp_arch_add(other, (uint32_t)num(tok[2]));
      if (rc == 0 && ntok > 3) rc = seccomp_rule_add(other, (uint32_t)num(tok[3]), (int)num(tok[4]), 0);
      if (rc == 0) rc = seccomp_merge(ctx, other);
      if (rc != 0) seccomp_release(other);
      printf("merge_new %d\n", rc);
    } else if (!strcmp(c, "api_get")) {
      printf("api_get %u\n", seccomp_api_get());
    } else if (!strcmp(c, "api_set")) {
      printf("api_set %d\n", seccomp_api_set((unsigned)num(tok[1])));
    } else if (!strcmp(c, "notify_fd")) {
      printf("notify_fd %d\n", seccomp_notify_fd(ctx));
    } else if (!strcmp(c, "version")) {
      const struct scmp_version *v = seccomp_version();
      printf("version %u.%u.%u\n", v->major, v->minor, v->micro);
    } else if (!strcmp(c, "live")) {
      live(tok, ntok);
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
    } else if (!strcmp(c, "export_mem")) {
      size_t len = 0;
      int rc = seccomp_export_bpf_mem(ctx, NULL, &len);
      char *buf = malloc(len + 1);
      size_t small = len ? len - 1 : 0;
      int rc_small = len ? seccomp_export_bpf_mem(ctx, buf, &small) : -ERANGE;
      size_t full = len;
      int rc_full = seccomp_export_bpf_mem(ctx, buf, &full);
      printf("export_mem %d %d %d %d\n", rc, rc_small, rc_full, full == len);
      free(buf);
    } else if (!strcmp(c, "transaction_start")) {
      printf("transaction_start %d\n", seccomp_transaction_start(ctx));
    } else if (!strcmp(c, "transaction_commit")) {
      printf("transaction_commit %d\n", seccomp_transaction_commit(ctx));
    } else if (!strcmp(c, "transaction_reject")) {
      seccomp_transaction_reject(ctx);
      printf("transaction_reject\n");
    } else if (!strcmp(c, "precompute")) {
      printf("precompute %d\n", seccomp_precompute(ctx));
#endif
    } else {
      printf("unknown command %s\n", c);
    }
  }
  if (ctx) seccomp_release(ctx);
  return 0;
}
