// tests/compat/api_test.cpp — the same API call sequences on Debian's libseccomp and on
// sysfence: identical return codes (transcripts), and identical decisions of the exported
// filters in the sysfence emulator. Numbers are x86_64's (the native arch of these tests).
//
// Action values: KILL 0x0, KILL_PROCESS 0x80000000, TRAP 0x30000, ERRNO(n) 0x5000n,
// NOTIFY 0x7fc00000, TRACE(n) 0x7ff0000n, LOG 0x7ffc0000, ALLOW 0x7fff0000.
// Arch tokens: x86 0x40000003, x86_64 0xc000003e, x32 0x4000003e, arm 0x40000028,
// aarch64 0xc00000b7, riscv64 0xc00000f3, mips 0x8.
#include <gtest/gtest.h>

#include "helpers.hpp"

namespace compat_test {
namespace {

#define REQUIRE_LIBSECCOMP()                                                        \
  do {                                                                              \
    if (!COMPAT_HAVE_LIBSECCOMP) GTEST_SKIP() << "libseccomp-dev is not installed"; \
  } while (0)

// Runs a script on both libraries and on the ABI object; all three transcripts must agree
// (sysfence and its ABI object exactly, libseccomp except '!' lines). Emulates the programs
// when the script exported one.
void check_script(const std::string& script) {
  DiffRun d = run_both(script, /*abi=*/true);
  ASSERT_EQ(d.ls.status, 0) << d.ls.err;
  ASSERT_EQ(d.sf.status, 0) << d.sf.err;
  expect_same_transcript(d.ls.out, d.sf.out);
  EXPECT_EQ(d.abi.out, d.sf.out) << "the libseccomp-linked driver on sysfence's libseccomp.so.2";
  if (script.find("export_bpf @OUT@") != std::string::npos) {
    size_t n = expect_same_filters(d.ls_bpf, d.sf_bpf, script);
    EXPECT_GT(n, 1000u);
  }
}

TEST(CompatApi, InvalidCallsReturnTheSameCodes) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(# invalid default actions
init 0x12340000
init 0x50fff
init 0x30001
init 0x7ffc0001
init 0x7fff0001
init 0x7fff0000
# action equal to the default: -EACCES
rule 0x7fff0000 0 0
# bad actions
rule 0x12340000 0 0
rule 0x50fff 0 0
rule 0x30001 0 0
rule 0x7ffc0001 0 0
rule 0x80000001 0 0
rule 0x7fc00001 0 0
rule 0x50ffe 0 0
rule 0x7ff0ffff 2 0
# bad operators, argument index twice, out of range, too many
rule 0x50001 1 1 0 0 1 0
rule 0x50001 1 1 0 8 1 0
rule 0x50001 1 2 0 4 1 0 0 4 2 0
rule 0x50001 1 2 3 4 1 0 3 5 2 0
rule 0x50001 1 1 6 4 1 0
rule 0x50001 1 7 0 4 1 0
# bad syscalls
rule 0x50001 -1 0
rule 0x50001 -2 0
rule 0x50001 -99 0
rule 0x50001 -100 0
rule 0x50001 -10001 0
rule_exact 0x50001 -10001 0
rule 0x50001 5000 0
rule_exact 0x50001 5001 0
# bad arch tokens
arch_add 0x12345
arch_add 0xc000003e
arch_add 0
arch_add 0x8
arch_remove 0x40000028
arch_remove 0x12345
arch_exist 0x40000028
arch_exist 0x12345
arch_exist 0
arch_exist 0xc000003e
# attributes
attr_get 0
attr_set 0 1
attr_get 11
attr_set 11 1
attr_get 1
attr_get 2
attr_get 3
attr_get 4
attr_get 5
attr_get 6
attr_get 7
attr_get 8
attr_get 9
attr_set 1 0
attr_set 2 0x12340000
attr_set 2 0x7fff0001
attr_set 2 0x50001
attr_get 2
attr_set 8 0
attr_set 8 3
attr_set 8 2
attr_get 8
attr_set 3 7
attr_get 3
attr_set 3 0
attr_get 3
!attr_set 10 1
# tracer skip needs API_TSKIP
attr_set 5 1
rule 0x50005 -1 0
rule 0x50005 -2 0
# multi-arch (after a reset: libseccomp 2.5.4 loses an arch added after the first rule when a
# later rule fails and its transaction is rolled back; see docs/libseccomp-compat.md)
reset 0x7fff0000
arch_add 0x40000003
rule 0x50001 999 0
rule 0x50001 -99999 0
rule_exact 0x50001 0 0
rule_exact 0x50001 41 0
!rule 0x50001 39 1 0 4 0x100000000 0
rule 0x50001 39 1 0 4 0xffffffffffffffff 0
rule 0x50001 39 1 1 4 0xfffffffffffffffe 0
rule 0x50001 39 1 2 7 0xffffffff00000000 0
!rule 0x50001 39 1 2 7 0xffffffff00000000 0x100000000
# priorities
priority 0 200
priority -50 1
priority -10001 1
priority 9999 1
priority 41 7
# no architecture left
arch_remove 0x40000003
arch_remove 0xc000003e
rule 0x50001 0 0
arch_exist 0
export_bpf /dev/null
arch_add 0
rule 0x50001 0 0
# reset
reset 0x12340000
reset 0x50001
attr_get 1
attr_get 5
reset_null
notify_fd
)");
}

TEST(CompatApi, ResolversAgree) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(arch_native
arch_resolve x86
arch_resolve x86_64
arch_resolve x32
arch_resolve arm
arch_resolve aarch64
arch_resolve riscv64
arch_resolve mips
arch_resolve ppc64le
arch_resolve s390x
arch_resolve amd64
arch_resolve i386
arch_resolve nonsense
resolve_name read
resolve_name openat
resolve_name socket
resolve_name socketcall
resolve_name waitpid
resolve_name nonexistent
resolve_name_arch 0xc000003e read
resolve_name_arch 0 read
resolve_name_arch 0x40000003 socket
resolve_name_arch 0x40000003 semop
resolve_name_arch 0x40000003 shmat
resolve_name_arch 0x40000003 socketcall
resolve_name_arch 0x40000003 arch_prctl
resolve_name_arch 0x40000003 waitpid
resolve_name_arch 0x4000003e read
resolve_name_arch 0x4000003e rt_sigaction
resolve_name_arch 0x40000028 open
resolve_name_arch 0xc00000b7 open
resolve_name_arch 0xc00000b7 openat
resolve_name_arch 0xc00000f3 openat
resolve_name_arch 0x12345 read
resolve_rewrite 0x40000003 socket
resolve_rewrite 0x40000003 accept4
resolve_rewrite 0x40000003 semop
resolve_rewrite 0x40000003 shmctl
resolve_rewrite 0x40000003 read
resolve_rewrite 0xc000003e socket
resolve_num 0xc000003e 0
resolve_num 0xc000003e 257
resolve_num 0xc000003e 334
resolve_num 0xc000003e 5000
resolve_num 0xc000003e -101
resolve_num 0xc000003e -10001
resolve_num 0x40000003 102
resolve_num 0x40000003 1
resolve_num 0x4000003e 0x40000000
resolve_num 0x4000003e 0x40000200
resolve_num 0xc00000b7 56
resolve_num 0x12345 0
)");
}

TEST(CompatApi, OverlapRulesFollowLibseccompsDatabase) {
  REQUIRE_LIBSECCOMP();
  // Unconditional first: later rules of that syscall are no-ops. Conditional first: an
  // unconditional rule replaces them. Same conditions, other action: -EEXIST.
  check_script(R"(init 0x7fff0000
rule 0x80000000 0 0
rule 0x80000000 0 0
rule 0x50001 0 0
rule 0x50001 0 1 0 4 1 0
rule 0x50002 1 1 0 4 1 0
rule 0x50003 1 1 0 4 1 0
rule 0x50002 1 1 0 4 1 0
rule 0x50004 1 0
rule 0x50005 1 1 0 4 7 0
rule 0x50002 3 2 0 4 1 0 1 5 9 0
rule 0x50003 3 2 1 5 9 0 0 4 1 0
rule 0x50002 3 2 0 4 1 0 1 6 9 0
rule 0x50002 3 1 2 7 0xff 0x10
rule 0x50003 3 1 2 7 0xff 0x10
rule 0x50003 3 1 2 7 0xfe 0x10
export_bpf @OUT@
)");
}

TEST(CompatApi, AllOperatorsAndWidths) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x80000000
rule 0x7fff0000 0 1 0 1 5 0
rule 0x7fff0000 1 1 0 2 5 0
rule 0x7fff0000 2 1 0 3 5 0
rule 0x7fff0000 3 1 0 4 5 0
rule 0x7fff0000 4 1 0 5 5 0
rule 0x7fff0000 5 1 0 6 5 0
rule 0x7fff0000 6 1 0 7 0xf0 0x30
rule 0x50001 7 1 1 1 0x100000005 0
rule 0x50001 8 1 1 2 0x100000005 0
rule 0x50001 9 1 1 3 0x100000005 0
rule 0x50001 10 1 1 4 0x100000005 0
rule 0x50001 11 1 1 5 0x100000005 0
rule 0x50001 12 1 1 6 0x100000005 0
rule 0x50001 13 1 1 7 0xffffffff00000000 0x500000000
rule 0x50002 16 1 2 6 0xffffffffffffffff 0
rule 0x50002 17 1 2 2 0 0
rule 0x50002 18 1 2 7 0xf 0x10
rule 0x50003 19 3 0 4 1 0 3 6 0x80000000 0 5 3 0xffffffff 0
rule 0x50004 20 1 4 7 0 0
rule 0x50005 21 1 5 5 0xfffffffffffffffe 0
rule 0x7ff00007 22 1 0 1 0xffffffffffffffff 0
rule 0x30000 23 0
rule 0x7ffc0000 24 1 0 4 0 0
rule3 0x50009 39
export_bpf @OUT@
export_pfc
)");
}

TEST(CompatApi, MultiArchWithX86SocketcallIpcAndX32) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x50026
arch_add 0x40000003
arch_add 0x4000003e
rule 0x7fff0000 0 0
rule 0x7fff0000 1 1 0 4 1 0
rule 0x7fff0000 41 1 0 4 1 0
rule 0x7fff0000 42 1 2 5 16 0
rule 0x7fff0000 49 0
rule 0x7fff0000 43 0
rule 0x7fff0000 288 2 0 4 3 0 3 4 0x800 0
rule 0x50001 65 0
rule 0x50001 30 1 2 7 0x1000 0x1000
rule 0x50001 29 0
rule 0x50001 220 0
rule 0x7fff0000 60 0
rule 0x7fff0000 231 0
rule 0x7fff0000 158 0
rule 0x7fff0000 13 0
rule 0x30000 62 1 1 4 9 0
export_bpf @OUT@
)");
}

// Issue 8 item 23: every arch libseccomp 2.5.4 knows is accepted, resolves its names (MIPS
// numbers with their base: o32 4000, n64 5000, n32 6000) and multiplexes socketcall/ipc where
// the ABI has them; one byte order per filter (-EDOM otherwise), as in libseccomp.
TEST(CompatApi, EveryLibseccompArch) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(arch_resolve mips
arch_resolve mipsel
arch_resolve mips64
arch_resolve mipsel64
arch_resolve mips64n32
arch_resolve mipsel64n32
arch_resolve ppc
arch_resolve ppc64
arch_resolve ppc64le
arch_resolve s390
arch_resolve s390x
arch_resolve parisc
arch_resolve parisc64
# newer than libseccomp 2.5.4 (2.6 has them)
!arch_resolve loongarch64
!arch_resolve m68k
!arch_resolve sh
!arch_resolve sheb
resolve_name_arch 0x8 read
resolve_name_arch 0x40000008 socket
resolve_name_arch 0x40000008 socketcall
resolve_name_arch 0x80000008 read
resolve_name_arch 0xc0000008 socket
resolve_name_arch 0xa0000008 read
resolve_name_arch 0xe0000008 clone3
resolve_name_arch 0x14 socket
resolve_name_arch 0x80000015 semop
resolve_name_arch 0xc0000015 read
resolve_name_arch 0x16 _llseek
resolve_name_arch 0x80000016 socket
resolve_name_arch 0x80000016 socketcall
resolve_name_arch 0xf socket
resolve_name_arch 0x8000000f semop
!resolve_name_arch 0xc0000102 read
!resolve_name_arch 0x4 socketcall
!resolve_name_arch 0x4000002a read
resolve_rewrite 0x8 socket
resolve_rewrite 0x40000008 shmat
resolve_rewrite 0x80000008 socket
resolve_rewrite 0x14 accept4
resolve_rewrite 0xc0000015 semtimedop
resolve_rewrite 0x16 recvmmsg
resolve_rewrite 0x80000016 msgget
resolve_rewrite 0x8000000f socket
resolve_num 0x8 4003
resolve_num 0x8 3
resolve_num 0x80000008 0
resolve_num 0xa0000008 5000
resolve_num 0x8 999
resolve_num 0x40000008 4102
resolve_num 0x80000008 5000
resolve_num 0xe0000008 6435
resolve_num 0x80000016 359
resolve_num 0x14 -101
resolve_num 0x8000000f 140
init 0x50026
arch_add 0x40000008
arch_add 0xc0000008
arch_add 0xe0000008
arch_add 0xc0000015
arch_add 0x8
arch_add 0x80000016
arch_exist 0x40000008
rule 0x7fff0000 0 1 2 6 0x100 0
rule 0x7fff0000 41 1 0 4 1 0
rule 0x50001 42 1 2 5 16 0
rule 0x50002 65 0
rule 0x50003 30 1 2 7 0x1000 0x1000
rule 0x30000 62 1 1 4 9 0
rule 0x7fff0000 231 0
export_bpf @OUT@
)");
}

TEST(CompatApi, BigEndianFilter) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x50026
arch_remove 0xc000003e
arch_add 0x80000016
arch_add 0x16
arch_add 0x8
arch_add 0x80000015
arch_add 0x14
arch_add 0x8000000f
arch_add 0xa0000008
arch_add 0xc000003e
arch_add 0x40000008
rule 0x7fff0000 0 1 2 6 0x100 0
rule 0x50004 0 1 1 4 0x7 0
rule 0x7fff0000 41 1 0 4 1 0
rule 0x50001 42 1 2 5 16 0
rule 0x50002 65 0
rule 0x50003 30 1 2 7 0x1000 0x1000
rule 0x30000 62 1 1 4 9 0
rule 0x7fff0000 231 0
priority 0 100
export_bpf @OUT@
init 0x50026
arch_remove 0xc000003e
arch_add 0x80000016
arch_add 0x80000008
arch_add 0x80000015
rule 0x7fff0000 0 1 2 6 0x100000005 0
rule 0x50001 8 1 1 5 0xffffffff00000000 0
rule 0x50002 9 1 3 7 0xffff00000000ffff 0x1234000000001234
export_bpf @OUT@
)");
}

// Issue 8 item 24: a number without a name, and -1, as libseccomp answers them: the native arch
// takes any number (0); another arch needs a name (-EFAULT); -1 needs API_TSKIP.
TEST(CompatApi, PriorityOnUnnamedAndSpecialNumbers) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x7fff0000
priority 1000 3
priority 0x7fffffff 3
priority -1 100
priority -5 100
priority -100 100
priority -10001 100
attr_set 5 1
priority -1 100
arch_add 0x40000003
priority -1 100
priority 1000 3
priority 0 100
priority -101 100
priority 41 7
arch_remove 0xc000003e
priority 1000 3
priority -1 3
priority 102 3
arch_remove 0x40000003
priority 1000 3
)");
}

TEST(CompatApi, ArchesAddedLaterGetOnlyLaterRules) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x80000000
attr_set 2 0x50063
rule 0x7fff0000 0 0
rule 0x7fff0000 1 0
arch_add 0xc00000b7
arch_add 0x40000028
arch_add 0xc00000f3
rule 0x7fff0000 3 0
rule 0x7fff0000 257 1 2 7 3 0
rule 0x7fff0000 2 0
rule 0x50001 9 1 2 7 4 4
arch_remove 0xc000003e
rule 0x7fff0000 39 0
arch_add 0x40000003
rule 0x7fff0000 20 0
export_bpf @OUT@
)");
}

TEST(CompatApi, PseudoNumbersResolveOnArchesThatHaveThem) {
  REQUIRE_LIBSECCOMP();
  // socketcall -10060, ipc -10059? and waitpid are pseudo numbers on x86_64 (resolved by name
  // through the driver), real syscalls on x86.
  check_script(R"(resolve_name socketcall
resolve_name ipc
resolve_name waitpid
init 0x7fff0000
arch_add 0x40000003
rule 0x50001 -10060 0
rule 0x50002 -10073 1 0 4 5 0
rule 0x50003 -201 0
rule 0x50004 -101 0
export_bpf @OUT@
init 0x7fff0000
rule 0x50001 -10060 0
rule_exact 0x50001 -10060 0
arch_add 0x40000003
rule 0x50002 -10073 0
export_bpf @OUT@
)");
}

TEST(CompatApi, TracerSkipRuleMatchesMinusOne) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x7fff0000
attr_set 5 1
rule 0x50001 -1 0
arch_add 0x40000003
rule 0x50002 -1 1 0 4 5 0
rule 0x50003 0 0
export_bpf @OUT@
)");
}

TEST(CompatApi, MergeAndTransactions) {
  REQUIRE_LIBSECCOMP();
  check_script(R"(init 0x7fff0000
rule 0x50001 0 0
merge_new 0x7fff0000 0x40000028
merge_new 0x7fff0000 0x40000028
merge_new 0x50001 0xc00000b7
merge_new 0x7fff0000 0xc000003e
merge_new 0x7fff0000 0x40000003 0x50002 41
arch_exist 0x40000028
arch_exist 0x40000003
attr_set 5 1
merge_new 0x7fff0000 0xc00000f3
attr_set 3 0
merge_new 0x7fff0000 0xc00000b7
export_bpf @OUT@
)");
}

TEST(CompatApi, LibseccompTwoSixAdditions) {
  // Not in Debian's 2.5.4: checked on sysfence alone.
  RunResult r = run_program(bin("driver", Lib::Sysfence), {}, R"(init 0x7fff0000
export_mem
precompute
transaction_commit
transaction_start
rule 0x50001 2 0
transaction_reject
rule 0x50002 2 0
transaction_start
transaction_start
rule 0x50003 3 0
transaction_commit
rule 0x50004 4 0
transaction_reject
rule 0x50005 4 0
transaction_commit
rule 0x50006 5 0
export_mem
precompute
attr_set 10 1
attr_get 10
version
api_get
api_set 0
api_set 8
api_set 2
api_get
init 0x80000000
init 0x7ffc0000
rule 0x7ffc0000 1 0
api_set 3
init 0x80000000
rule 0x7fc00000 1 0
api_set 5
rule 0x7fc00000 1 0
reset_null
)");
  EXPECT_EQ(r.out, R"(init ok
export_mem 0 -34 0 1
precompute 0
transaction_commit -22
transaction_start 0
rule 0
transaction_reject
rule 0
transaction_start 0
transaction_start 0
rule 0
transaction_commit 0
rule 0
transaction_reject
rule 0
transaction_commit -22
rule 0
export_mem 0 -34 0 1
precompute 0
attr_set 0
attr_get 0 0x1
version 2.6.0
api_get 7
api_set -22
api_set -22
api_set 0
api_get 2
init NULL
init NULL
rule -22
api_set 0
init ok
rule -22
api_set 0
rule 0
reset_null 0
)");
}

}  // namespace
}  // namespace compat_test
