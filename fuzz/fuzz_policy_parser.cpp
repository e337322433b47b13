// libFuzzer harness for the text policy language: parse, build, compile, export to OCI and
// import back. Crashes, leaks and sanitizer reports are findings; so is an exported policy
// that the importer rejects (__builtin_trap).
//
//   scripts/fuzz.sh 60          # builds with clang in build/fuzz, runs each harness 60 s
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/oci.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace {

using sysfence::arch::Arch;

// A small in-memory file system so @include paths (and cycles) are reachable.
const std::map<std::string, std::string>& files() {
  static const std::map<std::string, std::string> f = {
      {"a.policy", "@include \"b.policy\"\nread: allow\n"},
      {"b.policy", "@include \"a.policy\"\n"},
      {"c.policy", "define X = O_CREAT | O_EXCL\nopenat: (flags & X) == 0\n@basic-io: allow\n"},
      {"inc/d.policy", "@include \"../c.policy\"\narch x86_64 { arch_prctl: allow }\n"},
  };
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the target arches (when the text has no `arch` line).
  static const Arch kArches[] = {Arch::X86_64,  Arch::I386, Arch::X32,
                                 Arch::AArch64, Arch::Arm,  Arch::RiscV64};
  sysfence::frontend::ParseOptions o;
  for (int i = 0; i < 6; ++i)
    if (data[0] & (1u << i)) o.default_arches.push_back(kArches[i]);
  o.warnings_are_errors = (data[0] & 0x80) != 0;
  o.read_file = [](const std::string& path, std::string* why) -> std::optional<std::string> {
    auto it = files().find(path);
    if (it == files().end()) {
      if (why) *why = "not found";
      return std::nullopt;
    }
    return it->second;
  };
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto p = sysfence::frontend::load_policy_text(text, "fuzz.policy", o);
  std::string rendered = p.render();  // rendering must not crash either
  if (!p.ok()) return 0;
  auto prog = sysfence::compiler::compile(*p.value);
  (void)prog;
  auto j = sysfence::frontend::export_oci(*p.value);
  if (!j.ok()) return 0;
  sysfence::frontend::OciImportOptions io;
  io.caps = std::vector<std::string>{};
  io.kernel_version = "6.1";
  io.host_arch = Arch::X86_64;
  auto back = sysfence::frontend::import_oci(*j.value, io);
  if (!back.ok()) __builtin_trap();  // export produced something import rejects
  return 0;
}
