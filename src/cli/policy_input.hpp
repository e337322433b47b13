// src/cli/policy_input.hpp — the policy a subcommand works on: a text policy, an OCI/Docker JSON
// profile, or the embedded default policy, turned into an ir::ValidatedPolicy through the frontend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sysfence/frontend/diagnostics.hpp"
#include "sysfence/ir/policy.hpp"

namespace sysfence::cli {

struct PolicyInput {
  std::string positional;           // FILE: a text policy, or OCI JSON when it ends in ".json"
  std::string policy_file;          // --policy FILE
  std::string oci_file;             // --oci FILE
  bool use_default = false;         // --default
  std::vector<std::string> arches;  // --arch (overrides a text policy's default arches)
  std::vector<std::string> caps;    // --cap (OCI includes/excludes): added to the base set;
                                    // "none" empties the base set
  bool host_caps = false;           // --host-caps: base set = this process's effective caps
                                    // (default: Docker's 14 default container capabilities)
  std::string kernel;               // --kernel (OCI minKernel); default: uname
  std::vector<std::string> include_dirs;  // -I DIR for @include
  bool warnings_are_errors = false;       // check --strict

  bool given() const {
    return !positional.empty() || !policy_file.empty() || !oci_file.empty() || use_default;
  }
};

// Adds --policy/--oci/--default/--cap/--kernel/-I, --arch when `with_arch` (target arches to
// compile for), and a positional FILE when `positional`.
void add_policy_options(CLI::App* sub, PolicyInput& in, bool positional, bool with_arch = true);

struct LoadedPolicy {
  frontend::Parsed<ir::ValidatedPolicy> parsed;
  std::string label;       // "app.policy", "docker.json (OCI)", "<default>"
  uint32_t oci_flags = 0;  // seccomp(2) flags an OCI profile asks for (loader::kFlag* bits)
  bool is_default = false;
  // OCI only, when the profile's includes/excludes consult capabilities: which set was used,
  // e.g. "Docker's default container capabilities (14) + CAP_SYS_ADMIN".
  std::string caps_used;
};

// The capability set --cap/--host-caps choose, and its description. Exits 2 on an unknown name.
std::vector<std::string> chosen_caps(const PolicyInput& in, std::string* description);

// The arches a built policy targets (the native arch when it names none).
std::vector<arch::Arch> target_arches(const ir::ValidatedPolicy& policy);

// Parses whichever input was given (the default policy when none was and `default_if_none`).
// Never exits: the caller decides what to do with errors.
LoadedPolicy parse_policy_input(const PolicyInput& in, bool default_if_none);

// As above, then prints the warnings on stderr and exits 2 with every error when there is one.
// The capability note (caps_used) is printed too unless `quiet_notes`.
LoadedPolicy load_policy_or_exit(const PolicyInput& in, bool default_if_none,
                                 bool quiet_notes = false);

}  // namespace sysfence::cli
