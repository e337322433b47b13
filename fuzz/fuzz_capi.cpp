// libFuzzer harness for the libseccomp-compatible C API: the input is a program of random calls
// (init, rule_add with any arguments, arch add/remove, attributes, priorities, merge, reset,
// transactions, export to memory and PFC, name resolution) on two contexts. Crashes, leaks and
// sanitizer reports are findings. seccomp_load is never called: nothing is installed.
//
//   scripts/fuzz.sh 60 capi
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "sysfence/compat/seccomp.h"

namespace {

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return n_ == 0; }
  uint8_t u8() {
    if (!n_) return 0;
    --n_;
    return *d_++;
  }
  uint32_t u32() {
    return u8() | (uint32_t{u8()} << 8) | (uint32_t{u8()} << 16) | (uint32_t{u8()} << 24);
  }
  uint64_t u64() { return u32() | (uint64_t{u32()} << 32); }
  std::string str() {
    std::string s;
    size_t len = u8() % 24;
    for (size_t i = 0; i < len && n_; ++i) s += static_cast<char>(u8());
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_;
};

uint32_t action(Input& in) {
  switch (in.u8() % 10) {
    case 0: return SCMP_ACT_ALLOW;
    case 1: return SCMP_ACT_KILL_PROCESS;
    case 2: return SCMP_ACT_KILL_THREAD;
    case 3: return SCMP_ACT_TRAP;
    case 4: return SCMP_ACT_ERRNO(in.u8() % 8 == 0 ? in.u32() : in.u8());
    case 5: return SCMP_ACT_TRACE(in.u32());
    case 6: return SCMP_ACT_LOG;
    case 7: return SCMP_ACT_NOTIFY;
    default: return in.u32();  // anything, valid or not
  }
}

int syscall_nr(Input& in) {
  static const char* const kNames[] = {"read",       "write",      "openat", "socket",
                                       "socketcall", "ipc",        "clone",  "mmap",
                                       "ioctl",      "exit_group", "futex",  "nonexistent"};
  switch (in.u8() % 4) {
    case 0: return seccomp_syscall_resolve_name(kNames[in.u8() % (sizeof kNames / sizeof *kNames)]);
    case 1: return static_cast<int>(in.u8()) - 1;
    case 2: return -static_cast<int>((in.u8() % 16));
    default: return static_cast<int>(in.u32());
  }
}

uint32_t arch_token(Input& in) {
  static const char* const kArches[] = {"x86_64",  "x86",  "x32",     "aarch64", "arm",
                                        "riscv64", "mips", "ppc64le", "s390x"};
  if (in.u8() % 4 == 0) return in.u32();
  return seccomp_arch_resolve_name(kArches[in.u8() % (sizeof kArches / sizeof *kArches)]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  Input in(data, size);
  scmp_filter_ctx ctx[2] = {nullptr, nullptr};
  for (int step = 0; step < 64 && !in.empty(); ++step) {
    const uint8_t op = in.u8();
    scmp_filter_ctx& c = ctx[op >> 7];
    scmp_filter_ctx& other = ctx[(op >> 7) ^ 1];
    switch (op % 16) {
      case 0:
        if (c) seccomp_release(c);
        c = seccomp_init(action(in));
        break;
      case 1:
      case 2:
      case 3: {
        if (!c) break;
        std::vector<scmp_arg_cmp> args(in.u8() % 8);
        for (scmp_arg_cmp& a : args) {
          a.arg = in.u8() % 8;
          a.op = static_cast<scmp_compare>(in.u8() % 10);
          a.datum_a = in.u8() & 1 ? in.u64() : in.u8();
          a.datum_b = in.u8() & 1 ? in.u64() : in.u8();
        }
        const uint32_t act = action(in);
        const int nr = syscall_nr(in);
        if (op % 16 == 3)
          seccomp_rule_add_exact_array(c, act, nr, static_cast<unsigned>(args.size()), args.data());
        else
          seccomp_rule_add_array(c, act, nr, static_cast<unsigned>(args.size()), args.data());
        break;
      }
      case 4:
        if (c) seccomp_arch_add(c, arch_token(in));
        break;
      case 5:
        if (c) seccomp_arch_remove(c, arch_token(in));
        break;
      case 6:
        if (c)
          seccomp_attr_set(c, static_cast<scmp_filter_attr>(in.u8() % 16),
                           in.u8() % 4 ? in.u8() % 2 : in.u32());
        break;
      case 7:
        if (c) seccomp_syscall_priority(c, syscall_nr(in), in.u8());
        break;
      case 8:
        if (c) {
          size_t len = in.u8() % 2 ? 65536 : in.u8();
          std::vector<uint8_t> buf(len ? len : 1);
          seccomp_export_bpf_mem(c, len ? buf.data() : nullptr, &len);
        }
        break;
      case 9:
        if (c) seccomp_export_pfc(c, devnull);
        break;
      case 10:
        if (c && other && c != other && seccomp_merge(c, other) == 0)
          other = nullptr;  // merge frees the source
        break;
      case 11:
        if (c) seccomp_reset(c, action(in));
        break;
      case 12:
        if (c) seccomp_precompute(c);
        break;
      case 13:
        if (!c) break;
        switch (in.u8() % 3) {
          case 0: seccomp_transaction_start(c); break;
          case 1: seccomp_transaction_commit(c); break;
          default: seccomp_transaction_reject(c); break;
        }
        break;
      case 14: {
        std::string s = in.str();
        seccomp_syscall_resolve_name(s.c_str());
        seccomp_syscall_resolve_name_arch(arch_token(in), s.c_str());
        seccomp_syscall_resolve_name_rewrite(arch_token(in), s.c_str());
        char* name = seccomp_syscall_resolve_num_arch(arch_token(in), syscall_nr(in));
        std::free(name);
        break;
      }
      default:
        if (c) {
          uint32_t v = 0;
          seccomp_attr_get(c, static_cast<scmp_filter_attr>(in.u8() % 16), &v);
          seccomp_arch_exist(c, arch_token(in));
        }
        break;
    }
  }
  for (scmp_filter_ctx& c : ctx)
    if (c) seccomp_release(c);
  return 0;
}
