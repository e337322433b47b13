// src/cli/precompiled/default_program.hpp — the embedded default policy, compiled at build time.
//
//   bpf::Program prog(precompiled_default_program().begin(), precompiled_default_program().end());
//
// Made by sysfence_precompile_default (the compiler's default options, the native arch) from
// policies/default.policy; `run` with no policy and no --arch installs it without parsing or
// compiling anything. tests/cli/precompiled/precompiled_default_test.cpp checks that it equals a fresh
// compile of frontend::load_default_policy(), so it cannot drift from the source.
#pragma once

#include <span>

#include "sysfence/arch/arch.hpp"
#include "sysfence/bpf/insn.hpp"

namespace sysfence::cli {

std::span<const bpf::Insn> precompiled_default_program();
// The default policy with the sandbox's setuid-file rules (sandbox::with_setuid_file_rules): what
// `run` installs when a sandbox layer is asked for and no policy is named.
std::span<const bpf::Insn> precompiled_default_sandbox_program();
arch::Arch precompiled_default_arch();  // the arch it was compiled for (the build's native one)

}  // namespace sysfence::cli
