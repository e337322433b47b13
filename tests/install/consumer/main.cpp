// A tiny program built against an installed sysfence, by find_package and by pkg-config.
#include <cstdio>
#include <string>

#include <sysfence/arch/arch.hpp>
#include <sysfence/bpf/seccomp.hpp>

int main() {
  using namespace sysfence;
  auto nr = arch::syscall_number(arch::Arch::X86_64, "openat");
  std::string action = bpf::action_name(bpf::ret_errno(1));
  if (!nr || *nr != 257 || action != "errno(1)") {
    std::printf("consumer: unexpected result\n");
    return 1;
  }
  std::printf("consumer: openat=%d %s\n", *nr, action.c_str());
  return 0;
}
