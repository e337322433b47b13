// Exact diagnostics (message, source line, caret, hint, notes) for every error and warning the
// text policy parser can produce. One row per diagnostic: the input, then the full render().
#include <gtest/gtest.h>

#include "helpers.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

struct Case {
  const char* input;
  const char* expected;
};

// Files visible to @include in these cases.
const sftest::Files kFiles = {
    {"a.policy", "@include \"b.policy\"\n"},
    {"b.policy", "@include \"a.policy\"\n"},
    {"self.policy", "@include \"self.policy\"\n"},
    {"ok.policy", "define X = 1\nread: allow\n"},
};

const Case kCases[] = {
    {"read: arg0 == 08\n",
     "p.policy(1:15): invalid number \"08\"\n"
     "  read: arg0 == 08\n"
     "                ^\n"},
    {"read: arg0 == 99999999999999999999999\n",
     "p.policy(1:15): number 99999999999999999999999 does not fit in 64 bits\n"
     "  read: arg0 == 99999999999999999999999\n"
     "                ^\n"},
    {"@include \"a.policy\n",
     "p.policy(1:10): unterminated string\n"
     "  @include \"a.policy\n"
     "           ^\n"
     "hint: close it with '\"' on the same line\n"},
    {"read: arg0 == $\n",
     "p.policy(1:15): unexpected character '$'\n"
     "  read: arg0 == $\n"
     "                ^\n"},
    {"}\n",
     "p.policy(1:1): '}' without an open arch section\n"
     "  }\n"
     "  ^\n"},
    {"arch x86_64 {\n"
     "read: allow\n",
     "p.policy(1:13): arch section is not closed\n"
     "  arch x86_64 {\n"
     "              ^\n"
     "hint: add '}' after its last rule\n"},
    {"read: allow allow\n",
     "p.policy(1:13): unexpected \"allow\" after the action\n"
     "  read: allow allow\n"
     "              ^\n"
     "hint: one statement per line\n"},
    {"read: arg0 ==\n",
     "p.policy(1:14): expected a value (a number or a constant name), found end of line\n"
     "  read: arg0 ==\n"
     "               ^\n"},
    {"default errno EPERM\n"
     "default allow\n",
     "p.policy(2:1): the default action is set twice\n"
     "  default allow\n"
     "  ^\n"
     "p.policy(1:1): note: first set here\n"
     "  default errno EPERM\n"
     "  ^\n"},
    {"arch x86_64 {\n"
     "default allow\n"
     "}\n",
     "p.policy(2:1): 'default' is not allowed inside an arch section\n"
     "  default allow\n"
     "  ^\n"
     "hint: move it before the section\n"},
    {"arch x86_64 {\n"
     "@include \"ok.policy\"\n"
     "}\n",
     "p.policy(2:1): @include is not allowed inside an arch section\n"
     "  @include \"ok.policy\"\n"
     "  ^\n"},
    {"arch sparc\n",
     "p.policy(1:6): unknown arch \"sparc\"\n"
     "  arch sparc\n"
     "       ^\n"
     "hint: known arches: x86_64, i386, x32, aarch64, arm, riscv64, mips, mipsel, mips64, "
     "mips64el, "
     "mips64n32, mips64n32el, ppc, ppc64, ppc64le, s390, s390x, parisc, parisc64, loongarch64, "
     "m68k, "
     "sh, sheb\n"},
    {"arch x86_64, amd64\n",
     "p.policy(1:14): arch \"amd64\" is listed twice\n"
     "  arch x86_64, amd64\n"
     "               ^\n"},
    {"arch x86_64 {\n"
     "arch x86_64 {\n"
     "}\n",
     "p.policy(2:1): arch sections cannot be nested\n"
     "  arch x86_64 {\n"
     "  ^\n"},
    {"arch x86_64 {\n"
     "arch x86_64\n"
     "}\n",
     "p.policy(2:1): the target arch list is not allowed inside an arch section\n"
     "  arch x86_64\n"
     "  ^\n"},
    {"define allow = 1\n",
     "p.policy(1:8): \"allow\" is a reserved word and cannot be defined\n"
     "  define allow = 1\n"
     "         ^\n"},
    {"define X = 1\n"
     "define X = 2\n",
     "p.policy(2:8): \"X\" is already defined\n"
     "  define X = 2\n"
     "         ^\n"
     "p.policy(1:8): note: previous definition is here\n"
     "  define X = 1\n"
     "         ^\n"},
    {"@include \"missing.policy\"\n",
     "p.policy(1:10): cannot read included file \"missing.policy\": No such file or directory\n"
     "  @include \"missing.policy\"\n"
     "           ^\n"},
    {"@include \"a.policy\"\n",
     "b.policy(1:10): include cycle: p.policy -> a.policy -> b.policy -> a.policy\n"
     "  @include \"a.policy\"\n"
     "           ^\n"
     "a.policy(1:10): note: included from here\n"
     "  @include \"b.policy\"\n"
     "           ^\n"
     "p.policy(1:10): note: included from here\n"
     "  @include \"a.policy\"\n"
     "           ^\n"},
    {"@include \"self.policy\"\n",
     "self.policy(1:10): include cycle: p.policy -> self.policy -> self.policy\n"
     "  @include \"self.policy\"\n"
     "           ^\n"
     "p.policy(1:10): note: included from here\n"
     "  @include \"self.policy\"\n"
     "           ^\n"},
    {"read: errno 4096\n",
     "p.policy(1:13): errno 4096 is out of range\n"
     "  read: errno 4096\n"
     "              ^\n"
     "hint: the largest is 4095\n"},
    {"read: trace 65536\n",
     "p.policy(1:13): trace message 65536 is out of range\n"
     "  read: trace 65536\n"
     "              ^\n"
     "hint: the largest is 65535\n"},
    {"read: errno EPREM\n",
     "p.policy(1:13): unknown errno name \"EPREM\"\n"
     "  read: errno EPREM\n"
     "              ^\n"
     "hint: did you mean \"EPERM\"?\n"},
    {"read: u32(u32(arg0)) == 1\n",
     "p.policy(1:7): u32() applied twice\n"
     "  read: u32(u32(arg0)) == 1\n"
     "        ^\n"},
    {"read: arg6 == 1\n",
     "p.policy(1:7): argument index 6 is out of range\n"
     "  read: arg6 == 1\n"
     "        ^\n"
     "hint: syscalls have arguments arg0..arg5\n"},
    {"read: arg0 == O_CRAET\n",
     "p.policy(1:15): unknown constant \"O_CRAET\"\n"
     "  read: arg0 == O_CRAET\n"
     "                ^\n"
     "hint: did you mean \"O_CREAT\"?\n"},
    {"read: count == 1\n", ""},
    {"read: u32(arg0) == 0x100000000\n",
     "p.policy(1:20): value 0x100000000 does not fit in the 32-bit argument\n"
     "  read: u32(arg0) == 0x100000000\n"
     "                     ^\n"
     "hint: only the low 32 bits are compared there\n"},
    {"read: (u32(arg0) & 0x100000000) == 0\n",
     "p.policy(1:20): mask 0x100000000 does not fit in the 32-bit argument\n"
     "  read: (u32(arg0) & 0x100000000) == 0\n"
     "                     ^\n"},
    {"read: (arg0 & 1) < 1\n",
     "p.policy(1:8): a masked argument can only be compared with == or !=\n"
     "  read: (arg0 & 1) < 1\n"
     "         ^\n"
     "hint: ordering comparisons (<, <=, >, >=) apply to the whole argument\n"},
    {"@bogus-io: allow\n",
     "p.policy(1:1): unknown syscall group \"@bogus-io\"\n"
     "  @bogus-io: allow\n"
     "  ^\n"
     "hint: `sysfence groups` lists them\n"},
    {"opnat: allow\n",
     "p.policy(1:1): unknown syscall \"opnat\"\n"
     "  opnat: allow\n"
     "  ^\n"
     "hint: did you mean \"openat\"?\n"},
    {"missing-syscall error\n"
     "arch x86_64, aarch64\n"
     "open: allow\n",
     "p.policy(3:1): syscall \"open\" does not exist on aarch64\n"
     "  open: allow\n"
     "  ^\n"
     "hint: put the rule in an arch section, or write `missing-syscall warn`\n"},
    {"read: allow\n"
     "read: errno EPERM\n",
     "p.policy(2:1): syscall \"read\" is given errno EPERM here but allow earlier\n"
     "  read: errno EPERM\n"
     "  ^\n"
     "hint: a syscall gets one unconditional action; remove one of the rules\n"
     "p.policy(1:1): note: earlier rule for \"read\" is here\n"
     "  read: allow\n"
     "  ^\n"},
    {"define O_CREAT = 1\n",
     "p.policy(1:8): warning: define \"O_CREAT\" shadows the built-in constant of that name\n"
     "  define O_CREAT = 1\n"
     "         ^\n"},
    {"arch x86_64\n"
     "arch aarch64 {\n"
     "read: allow\n"
     "}\n",
     "p.policy(2:1): warning: section for aarch64, which the policy does not target, has no "
     "effect\n"
     "  arch aarch64 {\n"
     "  ^\n"},
    {"arch x86_64, aarch64\n"
     "open: allow\n",
     "p.policy(2:1): warning: syscall \"open\" does not exist on aarch64; the rule does not apply "
     "there\n"
     "  open: allow\n"
     "  ^\n"},
    // Impossible conditions: one rule (ir::never_holds) for all, an error naming the arch
    // where only the arch makes it impossible (issue 8 item 9).
    {"read: arg0 == 1 && arg0 == 2\n",
     "p.policy(1:17): condition can never be true; the rule for \"read\" would have no effect: "
     "arg0 == 0x1 && arg0 == 0x2 is never true: the range of allowed values is empty\n"
     "  read: arg0 == 1 && arg0 == 2\n"
     "                  ^\n"
     "hint: fix the condition, or remove the rule\n"},
    {"read: (arg1 & 0xff) == 0x73 && arg1 <= 0\n",
     "p.policy(1:29): condition can never be true; the rule for \"read\" would have no effect: "
     "(arg1 & 0xff) == 0x73 && arg1 <= 0x0 is never true: no value satisfies all the comparisons "
     "on this argument together\n"
     "  read: (arg1 & 0xff) == 0x73 && arg1 <= 0\n"
     "                              ^\n"
     "hint: fix the condition, or remove the rule\n"},
    {"arch x86_64, i386\nwrite: arg1 > 0xffffffff\n",
     "p.policy(2:8): condition can never be true on i386; the rule for \"write\" would have no "
     "effect: arg1 > 0xffffffff is never true: no value is above 0xffffffff (arguments on i386 are "
     "32-bit)\n"
     "  write: arg1 > 0xffffffff\n"
     "         ^\n"
     "hint: put the rule in an `arch` section for the arches where it can hold\n"},
    {"arch i386\nwrite: arg1 > 0xffffffff\n",
     "p.policy(2:8): condition can never be true; the rule for \"write\" would have no effect: "
     "arg1 > 0xffffffff is never true: no value is above 0xffffffff (arguments on i386 are "
     "32-bit)\n"
     "  write: arg1 > 0xffffffff\n"
     "         ^\n"
     "hint: fix the condition, or remove the rule\n"},
    // Argument names mean what the man page means (issue 8 item 8).
    {"prctl: option == PR_CAPBSET_DROP && arg2 == 21\n",
     "p.policy(1:37): \"arg2\" is ambiguous for \"prctl\": its man page calls argument #2 "
     "(register arg1) \"arg2\", but arg2 is register #3\n"
     "  prctl: option == PR_CAPBSET_DROP && arg2 == 21\n"
     "                                      ^\n"
     "hint: write `arg1` for the man page's arg2 (registers count from arg0); \"prctl\"'s first "
     "argument is \"option\"\n"},
    {"arch i386\npread64: offset == 0\n",
     "p.policy(2:10): argument \"offset\" of \"pread64\" is 64-bit and takes two registers on i386 "
     "(arg3 and arg4)\n"
     "  pread64: offset == 0\n"
     "           ^\n"
     "hint: compare arg3 (low word) and arg4 (high word), or put the rule in an arch section for "
     "64-bit arches\n"},
    {"@basic-io: errno EPERM\n"
     "read: allow\n",
     "p.policy(2:1): warning: syscall \"read\" is given allow here and errno EPERM earlier; the "
     "more restrictive errno EPERM applies\n"
     "  read: allow\n"
     "  ^\n"
     "p.policy(1:1): note: earlier rule for \"read\" is here\n"
     "  @basic-io: errno EPERM\n"
     "  ^\n"},
    {"@basic-io: allow\n"
     "read: errno EPERM\n",
     ""},
    {"missing-syscall maybe\n",
     "p.policy(1:17): expected error, warn or ignore, found \"maybe\"\n"
     "  missing-syscall maybe\n"
     "                  ^\n"},
    {"read\n",
     "p.policy(1:5): expected ':' after the syscall name, found end of line\n"
     "  read\n"
     "      ^\n"
     "hint: write `name: action` or `name: condition -> action`\n"},
    {"read:\n",
     "p.policy(1:6): expected a condition or an action after ':', found end of line\n"
     "  read:\n"
     "       ^\n"
     "hint: e.g. `read: allow` or `write: fd == 1`\n"},
    {"read: 5\n",
     "p.policy(1:7): expected an argument (arg0..arg5 or an argument name), found \"5\"\n"
     "  read: 5\n"
     "        ^\n"},
    {"read: arg0 == (1\n",
     "p.policy(1:17): expected ')', found end of line\n"
     "  read: arg0 == (1\n"
     "                  ^\n"},
    {"read: arg0 in 1\n",
     "p.policy(1:15): expected '{' to start the set, found \"1\"\n"
     "  read: arg0 in 1\n"
     "                ^\n"},
    {"read: arg0 in {1 2}\n",
     "p.policy(1:18): expected ',' or '}' in the set, found \"2\"\n"
     "  read: arg0 in {1 2}\n"
     "                   ^\n"},
    {"read: arg0\n",
     "p.policy(1:11): expected a comparison (==, !=, <, <=, >, >=, in) after the argument, found "
     "end of line\n"
     "  read: arg0\n"
     "            ^\n"},
    {"42: allow\n",
     "p.policy(1:1): expected a rule or a statement, found \"42\"\n"
     "  42: allow\n"
     "  ^\n"
     "hint: statements: default, bad-arch, unknown-syscall, missing-syscall, arch, define, "
     "@include, or `syscall: condition -> action`\n"},
    {"define = 3\n",
     "p.policy(1:8): expected a name to define, found '='\n"
     "  define = 3\n"
     "         ^\n"},
    {"define X 3\n",
     "p.policy(1:10): expected '=' after the name, found \"3\"\n"
     "  define X 3\n"
     "           ^\n"},
    {"@include missing\n",
     "p.policy(1:10): expected a file name in quotes after @include, found \"missing\"\n"
     "  @include missing\n"
     "           ^\n"},
    {"read, 7: allow\n",
     "p.policy(1:7): expected a syscall name or @group, found \"7\"\n"
     "  read, 7: allow\n"
     "        ^\n"},
    {"read: frobnicate\n",
     "p.policy(1:17): expected a comparison (==, !=, <, <=, >, >=, in) after the argument, found "
     "end of line\n"
     "  read: frobnicate\n"
     "                  ^\n"
     "hint: \"frobnicate\" is not an action; actions: allow, log, errno N, trap [N], trace [N], "
     "notify, kill-thread, kill-process\n"},
    {"read: errno\n",
     "p.policy(1:12): expected an errno name or number after 'errno', found end of line\n"
     "  read: errno\n"
     "             ^\n"},
    {"read: trace x\n",
     "p.policy(1:13): unexpected \"x\" after the action\n"
     "  read: trace x\n"
     "              ^\n"
     "hint: one statement per line\n"},
    {"read: arg0 == arg1\n",
     "p.policy(1:15): expected a value (a number or a constant name), found \"arg1\"\n"
     "  read: arg0 == arg1\n"
     "                ^\n"},
    {"read: (arg0 == 1\n",
     "p.policy(1:17): expected ')', found end of line\n"
     "  read: (arg0 == 1\n"
     "                  ^\n"},
    {"read: u32(arg0 == 1\n",
     "p.policy(1:16): expected ')' after the argument, found '=='\n"
     "  read: u32(arg0 == 1\n"
     "                 ^\n"},
    // `(arg0 & 1 == 1 ...` opens a condition (a masked comparison may start one), so what is
    // missing is the condition's ')'.
    {"read: (arg0 & 1 == 1\n",
     "p.policy(1:21): expected ')', found end of line\n"
     "  read: (arg0 & 1 == 1\n"
     "                      ^\n"},

    {"arch x86_64, aarch64\n"
     "mmap: (flags & MAP_32BIT) == 0\n",
     "p.policy(2:16): constant \"MAP_32BIT\" is not defined on aarch64\n"
     "  mmap: (flags & MAP_32BIT) == 0\n"
     "                 ^\n"},
    {"read: arg0 == "
     "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
     "(((((((((((((1\n",
     "p.policy(1:114): expression nested more than 100 deep\n"
     "  read: arg0 == "
     "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
     "(((((((((((((1\n"
     "                                                                                             "
     "                      ^\n"},
    {"read: arg0 in "
     "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32} && "
     "arg1 in "
     "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32} && "
     "arg2 in {1,2}\n",
     "p.policy(1:204): condition expands into more than 1024 rules\n"
     "  read: arg0 in "
     "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32} && "
     "arg1 in "
     "{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32} && "
     "arg2 in {1,2}\n"
     "                                                                                             "
     "                                                                                             "
     "                   ^\n"
     "hint: simplify it, or split it over several rules\n"},
    {"opnat: allow\n"
     "bogus: allow\n"
     "read: errno EPREM\n"
     "write: arg0 ==\n"
     "\n",
     "p.policy(1:1): unknown syscall \"opnat\"\n"
     "  opnat: allow\n"
     "  ^\n"
     "hint: did you mean \"openat\"?\n"
     "p.policy(2:1): unknown syscall \"bogus\"\n"
     "  bogus: allow\n"
     "  ^\n"
     "hint: `sysfence resolve` lists the names of an arch\n"
     "p.policy(3:13): unknown errno name \"EPREM\"\n"
     "  read: errno EPREM\n"
     "              ^\n"
     "hint: did you mean \"EPERM\"?\n"
     "p.policy(4:15): expected a value (a number or a constant name), found end of line\n"
     "  write: arg0 ==\n"
     "                ^\n"},

    {"read: arg0 == \x01\n",
     "p.policy(1:15): unexpected byte 0x01\n"
     "  read: arg0 == \x01\n"
     "                ^\n"},
    {"arch 5\n",
     "p.policy(1:6): expected an arch name, found \"5\"\n"
     "  arch 5\n"
     "       ^\n"
     "hint: known arches: x86_64, i386, x32, aarch64, arm, riscv64, mips, mipsel, mips64, "
     "mips64el, "
     "mips64n32, mips64n32el, ppc, ppc64, ppc64le, s390, s390x, parisc, parisc64, loongarch64, "
     "m68k, "
     "sh, sheb\n"},
    {"default frob\n",
     "p.policy(1:9): expected an action, found \"frob\"\n"
     "  default frob\n"
     "          ^\n"
     "hint: actions: allow, log, errno N, trap [N], trace [N], notify, kill-thread, "
     "kill-process\n"},
    {"read: foo == 1\n",
     "p.policy(1:7): syscall \"read\" has no argument named \"foo\"\n"
     "  read: foo == 1\n"
     "        ^\n"
     "hint: its arguments are fd (arg0), buf (arg1), count (arg2)\n"},
    {"tuxcall: fd == 1\n",
     "p.policy(1:10): syscall \"tuxcall\" has no argument named \"fd\"\n"
     "  tuxcall: fd == 1\n"
     "           ^\n"
     "hint: its argument names are unknown: use arg0..arg5\n"},
    {"arch i386\n"
     "read: arg0 == 0x100000000\n",
     "p.policy(2:15): value 0x100000000 does not fit in a 32-bit argument on i386\n"
     "  read: arg0 == 0x100000000\n"
     "                ^\n"
     "hint: only the low 32 bits are compared there\n"},
    {"@netwrk: allow\n",
     "p.policy(1:1): unknown syscall group \"@netwrk\"\n"
     "  @netwrk: allow\n"
     "  ^\n"
     "hint: did you mean \"@network\"?\n"},
    {"read: trap 70000\n"
     "\n",
     "p.policy(1:12): trap data 70000 is out of range\n"
     "  read: trap 70000\n"
     "             ^\n"
     "hint: the largest is 65535\n"},
};

class Diagnostics : public ::testing::TestWithParam<Case> {};

TEST_P(Diagnostics, ExactText) {
  const Case& c = GetParam();
  EXPECT_EQ(sftest::diags(c.input, kFiles), c.expected) << "input:\n" << c.input;
}

INSTANTIATE_TEST_SUITE_P(Parser, Diagnostics, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return "case" + std::to_string(i.index);
                         });

}  // namespace
