/* tests/compat/c/constants.c — prints every constant of <seccomp.h> that libseccomp 2.5 also
 * has (actions, arch tokens, attributes, operators, struct layouts, SCMP_SYS() of every name,
 * the comparison macros). Compiled against both headers; the outputs must be identical. */
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>

#define P(x) printf("%-28s 0x%llx\n", #x, (unsigned long long)(x))

static void cmp(const char *what, struct scmp_arg_cmp c) {
  printf("%-28s arg=%u op=%d a=0x%llx b=0x%llx\n", what, c.arg, (int)c.op,
         (unsigned long long)c.datum_a, (unsigned long long)c.datum_b);
}

int main(void) {
  P(SCMP_ACT_KILL_PROCESS); P(SCMP_ACT_KILL_THREAD); P(SCMP_ACT_KILL); P(SCMP_ACT_TRAP);
  P(SCMP_ACT_NOTIFY); P(SCMP_ACT_ERRNO(0)); P(SCMP_ACT_ERRNO(1)); P(SCMP_ACT_ERRNO(0x12345));
  P(SCMP_ACT_TRACE(7)); P(SCMP_ACT_TRACE(-1)); P(SCMP_ACT_LOG); P(SCMP_ACT_ALLOW);
  P(SCMP_ARCH_NATIVE); P(SCMP_ARCH_X86); P(SCMP_ARCH_X86_64); P(SCMP_ARCH_X32); P(SCMP_ARCH_ARM);
  P(SCMP_ARCH_AARCH64); P(SCMP_ARCH_MIPS); P(SCMP_ARCH_MIPS64); P(SCMP_ARCH_MIPS64N32);
  P(SCMP_ARCH_MIPSEL); P(SCMP_ARCH_MIPSEL64); P(SCMP_ARCH_MIPSEL64N32); P(SCMP_ARCH_PPC);
  P(SCMP_ARCH_PPC64); P(SCMP_ARCH_PPC64LE); P(SCMP_ARCH_S390); P(SCMP_ARCH_S390X);
  P(SCMP_ARCH_PARISC); P(SCMP_ARCH_PARISC64); P(SCMP_ARCH_RISCV64);
  P(_SCMP_FLTATR_MIN); P(SCMP_FLTATR_ACT_DEFAULT); P(SCMP_FLTATR_ACT_BADARCH);
  P(SCMP_FLTATR_CTL_NNP); P(SCMP_FLTATR_CTL_TSYNC); P(SCMP_FLTATR_API_TSKIP);
  P(SCMP_FLTATR_CTL_LOG); P(SCMP_FLTATR_CTL_SSB); P(SCMP_FLTATR_CTL_OPTIMIZE);
  P(SCMP_FLTATR_API_SYSRAWRC);
  P(_SCMP_CMP_MIN); P(SCMP_CMP_NE); P(SCMP_CMP_LT); P(SCMP_CMP_LE); P(SCMP_CMP_EQ);
  P(SCMP_CMP_GE); P(SCMP_CMP_GT); P(SCMP_CMP_MASKED_EQ); P(_SCMP_CMP_MAX);
  P(__NR_SCMP_ERROR); P(__NR_SCMP_UNDEF); P(SECCOMP_RET_USER_NOTIF); P(SCMP_VER_MAJOR);
  P(sizeof(struct scmp_arg_cmp)); P(offsetof(struct scmp_arg_cmp, op));
  P(offsetof(struct scmp_arg_cmp, datum_a)); P(offsetof(struct scmp_arg_cmp, datum_b));
  P(sizeof(struct scmp_version)); P(sizeof(scmp_datum_t)); P(sizeof(scmp_filter_ctx));
  P(sizeof(struct seccomp_notif)); P(sizeof(struct seccomp_notif_resp));
  P(offsetof(struct seccomp_notif, data)); P(offsetof(struct seccomp_notif_resp, error));
  cmp("SCMP_CMP(1,EQ,5)", SCMP_CMP(1, SCMP_CMP_EQ, 5));
  cmp("SCMP_CMP64(2,MASKED,f,3)", SCMP_CMP64(2, SCMP_CMP_MASKED_EQ, 0xf, 3));
  cmp("SCMP_CMP32(3,EQ,-1)", SCMP_CMP32(3, SCMP_CMP_EQ, -1));
  cmp("SCMP_CMP32(3,MASKED,-1,-2)", SCMP_CMP32(3, SCMP_CMP_MASKED_EQ, -1, -2));
  cmp("SCMP_A0(NE,-1)", SCMP_A0(SCMP_CMP_NE, -1));
  cmp("SCMP_A1_64(LT,1<<40)", SCMP_A1_64(SCMP_CMP_LT, 1ULL << 40));
  cmp("SCMP_A2_32(LE,-5)", SCMP_A2_32(SCMP_CMP_LE, -5));
  cmp("SCMP_A3_32(MASKED,-16,32)", SCMP_A3_32(SCMP_CMP_MASKED_EQ, -16, 32));
  cmp("SCMP_A4(GE,4)", SCMP_A4(SCMP_CMP_GE, 4));
  cmp("SCMP_A5_64(GT,5)", SCMP_A5_64(SCMP_CMP_GT, 5));
  cmp("SCMP_A5_32(EQ,6)", SCMP_A5_32(SCMP_CMP_EQ, 6));
  int count = 0;
#define X(name) printf("SCMP_SYS(%s) %d\n", #name, SCMP_SYS(name)); count++;
#include "scmp_sys_names.inc"
#undef X
  printf("names %d\n", count);
  return 0;
}
