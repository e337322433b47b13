/* tests/compat/c/which_lib.h — prints (to stderr) which shared object provides seccomp_init, so
 * the ABI test can prove that LD_LIBRARY_PATH made a libseccomp-linked program use sysfence. */
#ifndef COMPAT_WHICH_LIB_H
#define COMPAT_WHICH_LIB_H
#include <dlfcn.h>
#include <seccomp.h>
#include <stdio.h>

static void print_which_lib(void) {
  Dl_info info;
  if (dladdr((void *)&seccomp_init, &info) && info.dli_fname)
    fprintf(stderr, "seccomp_init from %s\n", info.dli_fname);
}
#endif
