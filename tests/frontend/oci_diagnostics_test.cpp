// Exact diagnostics for every error and warning the OCI/Docker JSON importer can produce: the
// JSON path, the message, the hint. Syntax errors carry line:col and a caret.
#include <gtest/gtest.h>

#include "sysfence/frontend/oci.hpp"

namespace {

struct Case {
  const char* input;
  const char* expected;
};

const Case kCases[] = {
    {R"({"defaultAction": "SCMP_ACT_ERRNO",
 "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
   "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQUAL"}]}]})",
     "p.json: syscalls[0].args[0].op: unknown operator \"SCMP_CMP_EQUAL\"\n"
     "hint: did you mean \"SCMP_CMP_EQ\"? valid operators: SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
     "SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)",
     "p.json(1:50): invalid JSON: syntax error while parsing value - unexpected end of input; "
     "expected '[', '{', or a literal\n"
     "  {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [\n"
     "                                                   ^\n"},
    {R"([1, 2])", "p.json: expected a JSON object at the top level, found an array\n"},
    {R"({"syscalls": []})",
     "p.json: defaultAction: missing required field\n"
     "hint: e.g. \"defaultAction\": \"SCMP_ACT_ERRNO\"\n"},
    {R"({"defaultAction": 3})", "p.json: defaultAction: expected a string, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERNO"})",
     "p.json: defaultAction: unknown action \"SCMP_ACT_ERNO\"\n"
     "hint: did you mean \"SCMP_ACT_ERRNO\"? valid actions: SCMP_ACT_KILL_PROCESS, "
     "SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_NOTIFY, "
     "SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_ALLOW\n"},
    {R"({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 5})",
     "p.json: defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a return value, not "
     "SCMP_ACT_ALLOW\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000})",
     "p.json: defaultErrnoRet: value 5000 is out of range for SCMP_ACT_ERRNO\n"
     "hint: the largest is 4095\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
     "p.json: defaultErrnoRet: expected an unsigned integer, found a negative number\n"
     "hint: write negative numbers as their unsigned 64-bit value, e.g. 18446744073709551615 for "
     "-1\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1.5})",
     "p.json: defaultErrnoRet: expected an unsigned integer, found a fractional number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 99999999999})",
     "p.json: defaultErrnoRet: value 99999999999 is too large\n"},
    {R"({"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/l.sock"})",
     "p.json: defaultAction: SCMP_ACT_NOTIFY cannot be the default action\n"
     "hint: the runtime's own syscalls would wait for the listener forever\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": "SCMP_ARCH_X86_64"})",
     "p.json: architectures: expected an array, found a string\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_46"]})",
     "p.json: architectures[0]: unknown architecture \"SCMP_ARCH_X86_46\"\n"
     "hint: did you mean \"SCMP_ARCH_X86_64\"?\n"},
    // Every SCMP_ARCH_* is supported (s390x since issue 8 item 23): no warning.
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_S390X"]})",
     ""},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"], "archMap": []})",
     "p.json: archMap: both \"architectures\" and \"archMap\" are given\n"
     "hint: keep one of them\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": {}})",
     "p.json: archMap: expected an array, found an object\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [3]})",
     "p.json: archMap[0]: expected an object, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"subArchitectures": []}]})",
     "p.json: archMap[0].architecture: missing required field\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": "SCMP_ARCH_X86"}]})",
     "p.json: archMap[0].subArchitectures: expected an array, found a string\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": "SECCOMP_FILTER_FLAG_LOG"})",
     "p.json: flags: expected an array, found a string\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOGG"]})",
     "p.json: flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_LOGG\"\n"
     "hint: valid flags: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
     "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_NEW_LISTENER, "
     "SECCOMP_FILTER_FLAG_TSYNC_ESRCH, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": 7})",
     "p.json: listenerPath: expected a string, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})",
     "p.json: syscalls: expected an array, found an object\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [7]})",
     "p.json: syscalls[0]: expected an object, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW"}]})",
     "p.json: syscalls[0].names: missing required field\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": "SCMP_ACT_ALLOW"}]})",
     "p.json: syscalls[0].names: expected an array, found a string\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", 4, ""], "action": "SCMP_ACT_ALLOW"}]})",
     "p.json: syscalls[0].names[1]: expected a string, found a number\n"
     "p.json: syscalls[0].names[2]: empty syscall name\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]})",
     "p.json: syscalls[0].action: missing required field\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]})",
     "p.json: syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a return value, "
     "not SCMP_ACT_ALLOW\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": {}}]})",
     "p.json: syscalls[0].args: expected an array, found an object\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [1]}]})",
     "p.json: syscalls[0].args[0]: expected an object, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{}]}]})",
     "p.json: syscalls[0].args[0].index: missing required field\n"
     "p.json: syscalls[0].args[0].value: missing required field\n"
     "p.json: syscalls[0].args[0].op: missing required field\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
     "p.json: syscalls[0].args[0].index: argument index 6 is out of range\n"
     "hint: syscalls have arguments 0..5\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": -1, "op": "SCMP_CMP_EQ"}]}]})",
     "p.json: syscalls[0].args[0].value: expected an unsigned integer, found a negative number\n"
     "hint: write negative numbers as their unsigned 64-bit value, e.g. 18446744073709551615 for "
     "-1\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": 4}]}]})",
     "p.json: syscalls[0].args[0].op: expected a string, found a number\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_MASKED_EQ"}]}]})",
     "p.json: syscalls[0].args[0].valueTwo: datum has bits outside the mask (value): the condition "
     "can never hold\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "valueTwo": 2, "op": "SCMP_CMP_EQ"}]}]})",
     "p.json: syscalls[0].args[0].valueTwo: warning: valueTwo is used only by SCMP_CMP_MASKED_EQ; "
     "ignored\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]})",
     "p.json: syscalls[0].args: warning: two conditions on one argument: read as alternatives "
     "(ORed), as runc does\n"
     "hint: give each alternative its own syscalls[] entry to make this explicit\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": []}]})",
     "p.json: syscalls[0].includes: expected an object, found an array\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": "CAP_SYS_ADMIN"}}]})",
     "p.json: syscalls[0].includes.caps: expected an array, found a string\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]})",
     "p.json: syscalls[0].includes.minKernel: invalid kernel version \"four\"\n"
     "hint: write major.minor, e.g. \"4.8\"\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "excludes": {"kernel": "4.8"}}]})",
     "p.json: syscalls[0].excludes.kernel: warning: unknown field ignored\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["raed", "s390_runtime_instr"], "action": "SCMP_ACT_ALLOW"}]})",
     "p.json: syscalls[0].names[0]: warning: unknown syscall \"raed\" skipped\n"
     "hint: did you mean \"read\"?\n"},  // s390_runtime_instr: an s390 syscall, absent here
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [], "action": "SCMP_ACT_ALLOW"}]})",
     "p.json: syscalls[0].names: warning: no syscall names: the entry has no effect\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscall": [], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY", "extra": 1}]})",
     "p.json: syscall: warning: unknown field ignored\n"
     "p.json: syscalls[0].extra: warning: unknown field ignored\n"
     "p.json: listenerPath: warning: SCMP_ACT_NOTIFY is used but no listenerPath is set\n"
     "hint: the runtime needs a listener to send the notification descriptor to\n"},
    {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 4096},
 {"names": ["write"], "action": "SCMP_ACT_TRACE", "errnoRet": 70000}]}
)",
     "p.json: syscalls[0].errnoRet: value 4096 is out of range for SCMP_ACT_ERRNO\n"
     "hint: the largest is 4095\n"
     "p.json: syscalls[1].errnoRet: value 70000 is out of range for SCMP_ACT_TRACE\n"
     "hint: the largest is 65535\n"},

    {R"({"defaultErrnoRet": 1E999})", "p.json: invalid JSON: number overflow parsing '1E999'\n"},
    {R"({"syscalls": [{"names": ["read"],, "action": "SCMP_ACT_ALLOW"}]})",
     "p.json(1:34): invalid JSON: syntax error while parsing object key - unexpected ','; expected "
     "string literal\n"
     "  {\"syscalls\": [{\"names\": [\"read\"],, \"action\": \"SCMP_ACT_ALLOW\"}]}\n"
     "                                   ^\n"},
};

class OciDiagnostics : public ::testing::TestWithParam<Case> {};

TEST_P(OciDiagnostics, ExactText) {
  const Case& c = GetParam();
  sysfence::frontend::OciImportOptions o;
  o.filename = "p.json";
  o.caps = std::vector<std::string>{};
  o.kernel_version = "6.1";
  o.host_arch = sysfence::arch::Arch::X86_64;
  EXPECT_EQ(sysfence::frontend::import_oci(c.input, o).render(), c.expected) << "input:\n"
                                                                             << c.input;
}

INSTANTIATE_TEST_SUITE_P(Importer, OciDiagnostics, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return "case" + std::to_string(i.index);
                         });

}  // namespace
