// src/cli/precompiled/precompile_default.cpp — a build-time tool: compiles the embedded default
// policy (policies/default.policy) for the native arch with the compiler's default options and
// writes it as C++ source, twice (as written, and with the sandbox's setuid-file rules:
// sandbox::with_setuid_file_rules), so `sysfence run` with no policy neither parses nor compiles at
// start-up (src/cli/precompiled/default_program.hpp; tests/cli/precompiled/precompiled_default_test.cpp
// checks the output against a fresh compile).
//
//   sysfence_precompile_default OUT.cpp
#include <cstdio>
#include <fstream>
#include <iostream>

#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/sandbox/sandbox.hpp"

// A build-time tool: an exception (allocation failure) ends it in std::terminate, which fails the
// build step with the exception's name, as it should.
// NOLINTNEXTLINE(bugprone-exception-escape)
int main(int argc, char** argv) {
  using namespace sysfence;
  if (argc != 2) {
    std::cerr << "usage: sysfence_precompile_default OUT.cpp\n";
    return 2;
  }
  auto parsed = frontend::load_default_policy();
  if (!parsed.ok()) {
    std::cerr << parsed.render();
    return 1;
  }
  auto prog = compiler::compile(*parsed.value);
  if (!prog) {
    std::cerr << prog.error().render();
    return 1;
  }
  // The same with the sandbox's own rules (no setuid/setgid files), for `run` with a sandbox layer.
  auto with_rules = sandbox::with_setuid_file_rules(*parsed.value);
  if (!with_rules) {
    std::cerr << with_rules.error().render();
    return 1;
  }
  auto sandbox_prog = compiler::compile(*with_rules);
  if (!sandbox_prog) {
    std::cerr << sandbox_prog.error().render();
    return 1;
  }
  std::ofstream out(argv[1], std::ios::trunc);
  out << "// Generated at build time by sysfence_precompile_default from policies/default.policy\n"
         "// (native arch, default compiler options): do not edit.\n"
         "#include \"precompiled/default_program.hpp\"\n\n"
         "namespace sysfence::cli {\nnamespace {\nconstexpr bpf::Insn kInsns[] = {\n";
  char line[96];
  for (const bpf::Insn& in : *prog) {
    std::snprintf(line, sizeof line, "    {0x%04x, %u, %u, 0x%08xU},\n", in.code, in.jt, in.jf,
                  in.k);
    out << line;
  }
  out << "};\nconstexpr bpf::Insn kSandboxInsns[] = {\n";
  for (const bpf::Insn& in : *sandbox_prog) {
    std::snprintf(line, sizeof line, "    {0x%04x, %u, %u, 0x%08xU},\n", in.code, in.jt, in.jf,
                  in.k);
    out << line;
  }
  out << "};\n}  // namespace\n\n"
         "std::span<const bpf::Insn> precompiled_default_program() { return kInsns; }\n"
         "std::span<const bpf::Insn> precompiled_default_sandbox_program() { return kSandboxInsns; "
         "}\n"
         "arch::Arch precompiled_default_arch() { return static_cast<arch::Arch>("
      << static_cast<int>(arch::native_arch()) << "); }\n\n}  // namespace sysfence::cli\n";
  out.close();
  if (!out) {
    std::cerr << "sysfence_precompile_default: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
