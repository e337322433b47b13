// libFuzzer harness for the OCI/Docker JSON importer: import, build, compile, export, import
// again. An exported profile that does not import back is a finding (__builtin_trap).
//
//   scripts/fuzz.sh 60
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/oci.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the moby choices: capabilities, kernel version, host arch.
  sysfence::frontend::OciImportOptions o;
  o.filename = "fuzz.json";
  o.caps = std::vector<std::string>{};
  if (data[0] & 1) o.caps->push_back("CAP_SYS_ADMIN");
  if (data[0] & 2) o.caps->push_back("CAP_SYS_PTRACE");
  o.kernel_version = (data[0] & 4) ? "4.4" : "6.18.0";
  o.host_arch = (data[0] & 8) ? sysfence::arch::Arch::AArch64 : sysfence::arch::Arch::X86_64;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto r = sysfence::frontend::import_oci(text, o);
  std::string rendered = r.render();
  if (!r.ok()) return 0;
  auto p = sysfence::ir::ValidatedPolicy::build(r.value->spec);
  if (!p) return 0;
  auto prog = sysfence::compiler::compile(*p);
  (void)prog;
  auto j = sysfence::frontend::export_oci(*p);
  if (!j.ok()) return 0;
  auto back = sysfence::frontend::import_oci(*j.value, o);
  if (!back.ok()) __builtin_trap();
  return 0;
}
