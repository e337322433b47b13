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

#include <sched.h>

#include "sysfence/compiler/compiler.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/frontend/policy_text.hpp"
#include "sysfence/sandbox/sandbox.hpp"
#include "sysfence/sandbox/statements.hpp"

namespace {

// What $CWD expands to while the plan is made: the fast path puts the working directory there.
constexpr const char* kCwdMarker = "/\x01$CWD";

std::string c_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + "\"";
}

// The untrusted profile's plan for the start-up fast path (precompiled/untrusted_plan.hpp), as
// C++ source; "" and a message on stderr when the profile asks for something the fast path does
// not carry out (then the build fails: teach fast_run.cpp, or take the profile out of it).
std::string untrusted_plan_source() {
  using namespace sysfence;
  using namespace sysfence::sandbox;
  auto parsed = frontend::parse_policy_text(profile_text("untrusted"), "<profile untrusted>");
  if (!parsed.ok()) {
    std::cerr << parsed.render();
    return "";
  }
  Spec s;
  StatementContext ctx;
  ctx.cwd = kCwdMarker;
  ctx.skip_missing_paths = false;  // decided at run time, path by path
  if (auto errors = apply_statements(parsed.value->sandbox, ctx, s); !errors.empty()) {
    for (const Error& e : errors) std::cerr << e.render();
    return "";
  }
  auto sb = Sandbox::make(s);
  if (!sb) {
    std::cerr << sb.error().render();
    return "";
  }
  const Spec& m = sb->spec();
  bool tmpfs_only = true;
  for (const MountSpec& mount : m.mounts) tmpfs_only &= mount.kind == MountSpec::Kind::Tmpfs;
  for (const PathRule& r : m.paths) {
    if (r.path.find('\x01') != std::string::npos && r.path != kCwdMarker) tmpfs_only = false;
  }
  // What fast_run.cpp carries out: Landlock file rules (best effort, default scopes), a network
  // namespace for `net none`, namespaces with a PID one, tmpfs mounts. Nothing else.
  const bool supported = tmpfs_only && m.landlock == LandlockMode::BestEffort && !m.fs_deny_all &&
                         m.connect_tcp.empty() && m.bind_tcp.empty() && m.net_none &&
                         !m.scope_abstract_unix && !m.scope_signal && (m.unshare & CLONE_NEWPID) &&
                         !(m.unshare & CLONE_NEWUSER) && !m.map_root && !m.hostname &&
                         m.rlimits.empty() && m.cap_keep.empty() && !m.uid && !m.gid &&
                         !m.clearenv && m.setenv.empty() && !m.chdir && m.keep_fds.empty() &&
                         !m.new_session && !m.paths.empty();
  if (!supported) {
    std::cerr << "sysfence_precompile_default: the untrusted profile asks for a layer the start-up "
                 "fast path does not carry out (src/cli/fast_start/fast_run.cpp)\n";
    return "";
  }
  // plan.cpp prepare() for a caller with CAP_SYS_ADMIN and Landlock ABI 6 or later: net none is a
  // network namespace; every file bit the ABI knows is handled; both scopes (ABI 6).
  constexpr int kMinAbi = 6, kMaxAbi = kMinAbi + 15;
  std::string out =
      "\n// The untrusted profile's plan (precompiled/untrusted_plan.hpp).\n"
      "namespace {\nconstexpr const char* kUntrustedTmpfs[] = {";
  for (const MountSpec& mount : m.mounts) out += c_string(mount.target) + ", ";
  out += "};\nconstexpr SysfenceFastPathRule kUntrustedRules[] = {\n";
  char line[160];
  for (const PathRule& r : m.paths) {
    std::snprintf(line, sizeof line, "    {%s, 0x%llxULL},\n",
                  r.path == kCwdMarker ? "nullptr" : c_string(r.path).c_str(),
                  static_cast<unsigned long long>(sysfence::sandbox::ll::access_bits(r.access)));
    out += line;
  }
  out +=
      "};\n}  // namespace\n\nconstinit const SysfenceFastProfilePlan sysfence_fast_untrusted_plan "
      "= {\n";
  std::snprintf(line, sizeof line,
                "    0x%lxUL, kUntrustedTmpfs, %zu, kUntrustedRules, %zu, %d, %d,\n    {",
                static_cast<unsigned long>(m.unshare | CLONE_NEWNET), m.mounts.size(),
                m.paths.size(), kMinAbi, kMaxAbi);
  out += line;
  for (int abi = kMinAbi; abi <= kMaxAbi; ++abi) {
    std::snprintf(line, sizeof line, "0x%llxULL, ",
                  static_cast<unsigned long long>(ll::fs_bits_for_abi(abi)));
    out += line;
  }
  std::snprintf(line, sizeof line, "},\n    0x%llxULL,\n    0x%llxULL,\n};\n",
                static_cast<unsigned long long>(ll::kScopeAbstractUnix | ll::kScopeSignal),
                static_cast<unsigned long long>(ll::kFileOnlyBits));
  out += line;
  return out;
}

}  // namespace

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
  const std::string plan = untrusted_plan_source();
  if (plan.empty()) return 1;
  std::ofstream out(argv[1], std::ios::trunc);
  out << "// Generated at build time by sysfence_precompile_default from policies/default.policy\n"
         "// (native arch, default compiler options): do not edit.\n"
         "#include \"precompiled/default_program.hpp\"\n"
         "#include \"precompiled/untrusted_plan.hpp\"\n\n"
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
      << static_cast<int>(arch::native_arch()) << "); }\n\n}  // namespace sysfence::cli\n"
      << plan;
  out.close();
  if (!out) {
    std::cerr << "sysfence_precompile_default: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
