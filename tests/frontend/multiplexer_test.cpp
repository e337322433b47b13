// socketcall(2) and ipc(2): a rule on `socket`, `connect`, `semget`, ... also governs the same
// call made through the multiplexer on ABIs that have one (i386), with the restrictive reading
// (ir::PolicySpec::multiplexed_calls). In the emulator, and live: an i386 program making
// socketcall(SYS_SOCKET, {AF_VSOCK, ...}) through int 0x80 from this x86_64 test.
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "emu.hpp"
#include "helpers.hpp"
#include "sysfence/ir/lint.hpp"

namespace {

using namespace sysfence;
using arch::Arch;
using sftest::errno_ret;
using sftest::kAllow;

constexpr int kAfVsock = 40;
constexpr uint32_t kSysSocket = 1, kSysBind = 2;
constexpr uint32_t kSemget = 2, kSemop = 1;

ir::Policy load(const std::string& text) {
  auto r = frontend::load_policy_text(text, "p.policy", sftest::mem_fs({}));
  EXPECT_TRUE(r.ok()) << r.render();
  if (!r.ok()) std::abort();
  return std::move(*r.value);
}

const std::string kVsockPolicy =
    "arch x86_64, i386\n"
    "default errno EPERM\n"
    "@basic-io, @memory, @process, @signal, @ipc: allow\n"
    "@network: allow\n"
    "socket: u32(domain) == AF_VSOCK -> errno EACCES\n"
    "semget: u32(key) == 1234 -> errno EACCES\n";

TEST(Multiplexer, TablesSayWhichArchesHaveOne) {
  auto s = arch::multiplexed_call(Arch::I386, "socket");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->multiplexer, 102);  // socketcall
  EXPECT_EQ(s->call, kSysSocket);
  auto i = arch::multiplexed_call(Arch::I386, "semop");  // i386 has semop only through ipc
  ASSERT_TRUE(i);
  EXPECT_EQ(i->multiplexer, 117);  // ipc
  EXPECT_EQ(i->call, kSemop);
  for (Arch a : {Arch::X86_64, Arch::X32, Arch::AArch64, Arch::Arm, Arch::RiscV64}) {
    EXPECT_FALSE(arch::multiplexed_call(a, "socket")) << arch::info(a).name;  // arm EABI: none
    EXPECT_FALSE(arch::multiplexed_call(a, "semget")) << arch::info(a).name;
  }
  EXPECT_FALSE(arch::multiplexed_call(Arch::I386, "read"));
}

TEST(Multiplexer, ConditionalDenyCoversEveryCallOfThatNumber) {
  sftest::Filter f(load(kVsockPolicy));
  // The direct syscall: the condition is checked.
  EXPECT_EQ(f.run(Arch::I386, "socket", kAfVsock), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::I386, "socket", AF_UNIX), kAllow);
  EXPECT_EQ(f.run(Arch::X86_64, "socket", kAfVsock), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::X86_64, "socket", AF_UNIX), kAllow);
  // Through socketcall the domain is behind a pointer: every SYS_SOCKET is denied, other calls
  // keep @network's allow. Upper-half garbage in the call number does not help (i386 is 32-bit).
  EXPECT_EQ(f.run(Arch::I386, "socketcall", kSysSocket, 0x1000), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::I386, "socketcall", kSysBind, 0x1000), kAllow);
  // ipc: the call number is the low 16 bits (the kernel takes the version from the upper half).
  EXPECT_EQ(f.run(Arch::I386, "ipc", kSemget, 1234), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::I386, "ipc", kSemget | (1U << 16), 1234), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::I386, "ipc", kSemop, 1234), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "semget", 1234), errno_ret(EACCES));
  EXPECT_EQ(f.run(Arch::I386, "semget", 1), kAllow);
}

TEST(Multiplexer, ConditionalAllowDoesNotOpenTheMultiplexer) {
  sftest::Filter f(load("arch i386\ndefault errno EPERM\nsocket: domain == AF_UNIX\nsemop: allow\n"));
  EXPECT_EQ(f.run(Arch::I386, "socket", AF_UNIX), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "socketcall", kSysSocket, 0x1000), errno_ret(EPERM));
  // An unconditional rule applies to its call number as it is; semop exists on i386 only
  // through ipc.
  EXPECT_EQ(f.run(Arch::I386, "ipc", kSemop), kAllow);
  EXPECT_EQ(f.run(Arch::I386, "ipc", kSemget), errno_ret(EPERM));
}

TEST(Multiplexer, DerivedRulesAreNotLintedAndCanBeTurnedOff) {
  ir::Policy p = load(kVsockPolicy);
  for (const auto& f : ir::lint_rules(p)) ADD_FAILURE() << f.error.render();
  auto spec = frontend::parse_policy_text(kVsockPolicy, "p.policy", sftest::mem_fs({}));
  ASSERT_TRUE(spec.ok());
  spec.value->multiplexed_calls = false;  // what the libseccomp C API does (its own rules)
  auto off = ir::Policy::build(*spec.value);
  ASSERT_TRUE(off);
  sftest::Filter f(*off);
  EXPECT_EQ(f.run(Arch::I386, "socketcall", kSysSocket, 0x1000), kAllow);  // the bypass
  // Copies keep their derived rules.
  ir::Policy copy = p;
  sftest::Filter g(copy);
  EXPECT_EQ(g.run(Arch::I386, "socketcall", kSysSocket, 0x1000), errno_ret(EACCES));
}

// Live: int 0x80 from this x86_64 process is an i386 call (AUDIT_ARCH_I386). socketcall's
// argument array must be addressable with 32 bits: MAP_32BIT.
bool have_int80() {
  const pid_t pid = fork();
  if (pid == 0) {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(20) : "memory");  // i386 getpid
    _exit(ret == getpid() ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

long int80(long nr, long b, long c, long d = 0, long si = 0, long di = 0) {
  long ret;
  asm volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(b), "c"(c), "d"(d), "S"(si), "D"(di) : "memory");
  return ret;
}

// socketcall(SYS_SOCKET, {domain, SOCK_STREAM, 0}) through int 0x80, in a child under `prog`
// (or unconfined): the child exits with 0 when a socket came back, else with the errno.
int i386_socket(const bpf::Program* prog, int domain) {
  const pid_t pid = fork();
  if (pid == 0) {
    void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (page == MAP_FAILED) _exit(200);
    auto* args = static_cast<uint32_t*>(page);
    args[0] = static_cast<uint32_t>(domain);
    args[1] = SOCK_STREAM;
    args[2] = 0;
    if (prog) {
      sock_fprog fp{static_cast<unsigned short>(prog->size()),
                    reinterpret_cast<sock_filter*>(const_cast<bpf::Insn*>(prog->data()))};
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(201);
      if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) _exit(202);
    }
    const long r = int80(102, kSysSocket, static_cast<long>(reinterpret_cast<uintptr_t>(args)));
    _exit(r >= 0 ? 0 : static_cast<int>(-r));
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 300;
}

TEST(Multiplexer, LiveI386SocketcallIsDenied) {
  if (!have_int80()) GTEST_SKIP() << "no IA-32 emulation in this kernel (int 0x80 faults)";
  auto prog = compiler::compile(load(kVsockPolicy));
  ASSERT_TRUE(prog) << prog.error().render();
  // Positive controls: unconfined, socketcall reaches the kernel (AF_VSOCK: a socket, or
  // EAFNOSUPPORT without the vsock module: never EACCES); confined, AF_UNIX still works.
  EXPECT_NE(i386_socket(nullptr, kAfVsock), EACCES);
  EXPECT_EQ(i386_socket(nullptr, AF_UNIX), 0);
  EXPECT_EQ(i386_socket(&*prog, AF_UNIX), EACCES);  // every SYS_SOCKET
  EXPECT_EQ(i386_socket(&*prog, kAfVsock), EACCES);
  // The filter with the multiplexer rules turned off lets AF_VSOCK through: the bypass.
  auto spec = frontend::parse_policy_text(kVsockPolicy, "p.policy", sftest::mem_fs({}));
  ASSERT_TRUE(spec.ok());
  spec.value->multiplexed_calls = false;
  auto off = compiler::compile(*ir::Policy::build(*spec.value));
  ASSERT_TRUE(off);
  EXPECT_EQ(i386_socket(&*off, kAfVsock), i386_socket(nullptr, kAfVsock));
}

TEST(Multiplexer, LiveI386IpcIsDenied) {
  if (!have_int80()) GTEST_SKIP() << "no IA-32 emulation in this kernel (int 0x80 faults)";
  auto prog = compiler::compile(load(kVsockPolicy));
  ASSERT_TRUE(prog) << prog.error().render();
  auto semget_child = [](const bpf::Program* p, long call) {
    const pid_t pid = fork();
    if (pid == 0) {
      if (p) {
        sock_fprog fp{static_cast<unsigned short>(p->size()),
                      reinterpret_cast<sock_filter*>(const_cast<bpf::Insn*>(p->data()))};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(201);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) != 0) _exit(202);
      }
      // ipc(SEMGET, IPC_PRIVATE, 1, 0600): a new semaphore set, removed again natively.
      const long id = int80(117, call, IPC_PRIVATE, 1, 0600);
      if (id < 0) _exit(static_cast<int>(-id));
      semctl(static_cast<int>(id), 0, IPC_RMID);
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 300;
  };
  EXPECT_EQ(semget_child(nullptr, kSemget), 0);  // positive control
  EXPECT_EQ(semget_child(&*prog, kSemget), EACCES);
  EXPECT_EQ(semget_child(&*prog, kSemget | (1L << 16)), EACCES);  // version bits
}

}  // namespace
