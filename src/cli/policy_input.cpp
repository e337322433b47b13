// src/cli/policy_input.cpp — see policy_input.hpp.
#include "policy_input.hpp"

#include <iostream>

#include "common.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/frontend/oci.hpp"
#include "sysfence/frontend/policy_text.hpp"

namespace sysfence::cli {

void add_policy_options(CLI::App* sub, PolicyInput& in, bool positional, bool with_arch) {
  CLI::Option* pos = nullptr;
  if (positional) {
    pos = sub->add_option("file", in.positional,
                          "policy file (text; OCI/Docker JSON when it ends in .json)");
  }
  auto* pol = sub->add_option("-p,--policy", in.policy_file, "a text policy file");
  auto* oci = sub->add_option("--oci", in.oci_file, "an OCI/Docker seccomp profile (JSON)");
  auto* def = sub->add_flag("--default", in.use_default, "the embedded default policy");
  pol->excludes(oci, def);
  oci->excludes(pol, def);
  def->excludes(pol, oci);
  if (pos) {
    pos->excludes(pol, oci, def);
    pol->excludes(pos);
    oci->excludes(pos);
    def->excludes(pos);
  }
  if (with_arch) {
    sub->add_option("-a,--arch", in.arches,
                    "target arch, repeatable (default: the policy's own, else the native arch)");
  }
  sub->add_option("--cap", in.caps,
                  "OCI: a capability for moby's includes/excludes (repeatable; default: this "
                  "process's effective capabilities)");
  sub->add_option("--kernel", in.kernel, "OCI: kernel version for minKernel (default: uname)");
  sub->add_option("-I,--include-dir", in.include_dirs, "extra directory for @include");
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Turns an OCI import into a built Policy, moving the diagnostics over.
frontend::Parsed<ir::Policy> build_oci(frontend::Parsed<frontend::OciImport> imp, uint32_t* flags) {
  frontend::Parsed<ir::Policy> out;
  out.errors = std::move(imp.errors);
  out.warnings = std::move(imp.warnings);
  if (!imp.value || !out.errors.empty()) return out;
  *flags = imp.value->flag_bits;
  auto built = ir::Policy::build(std::move(imp.value->spec));
  if (!built) {
    out.errors.push_back(built.error());
    return out;
  }
  for (const Error& w : built->warnings()) out.warnings.push_back(w);
  out.value.emplace(std::move(*built));
  return out;
}

}  // namespace

LoadedPolicy parse_policy_input(const PolicyInput& in, bool default_if_none) {
  LoadedPolicy lp;
  const std::vector<arch::Arch> arches = parse_arches(in.arches);

  std::string text_file = in.policy_file;
  std::string oci_file = in.oci_file;
  if (!in.positional.empty()) {
    if (ends_with(in.positional, ".json")) oci_file = in.positional;
    else text_file = in.positional;
  }

  if (!text_file.empty()) {
    frontend::ParseOptions po;
    po.default_arches = arches;
    po.include_dirs = in.include_dirs;
    po.warnings_are_errors = in.warnings_are_errors;
    lp.label = text_file;
    // --arch overrides the policy's own `arch` line. Names, groups and constants resolve per
    // target arch while parsing, so the override must reach the parser, not the parsed spec.
    if (!arches.empty()) po.force_arches = arches;
    lp.parsed = frontend::load_policy_file(text_file, po);
    return lp;
  }

  if (!oci_file.empty()) {
    frontend::OciImportOptions o;
    o.filename = oci_file;
    if (!in.caps.empty()) o.caps = in.caps;
    if (!in.kernel.empty()) o.kernel_version = in.kernel;
    o.default_arches = arches;
    lp.label = oci_file + " (OCI)";
    lp.parsed = build_oci(frontend::import_oci_file(oci_file, o), &lp.oci_flags);
    return lp;
  }

  if (in.use_default || default_if_none) {
    lp.label = "<default policy>";
    lp.is_default = true;
    lp.parsed = frontend::load_default_policy(arches);
    return lp;
  }
  fail_usage("no policy given: name a FILE, --policy FILE, --oci FILE or --default");
}

std::vector<arch::Arch> target_arches(const ir::Policy& policy) {
  if (policy.arches().empty()) return {arch::native_arch()};
  return {policy.arches().begin(), policy.arches().end()};
}

LoadedPolicy load_policy_or_exit(const PolicyInput& in, bool default_if_none) {
  LoadedPolicy lp = parse_policy_input(in, default_if_none);
  if (!lp.parsed.ok()) {
    std::string msg = lp.parsed.render();
    std::vector<Error> diags = lp.parsed.errors;
    if (lp.parsed.errors.empty()) {
      msg += lp.label + ": no policy\n";
      Error e;
      e.message = lp.label + ": no policy";
      diags.push_back(std::move(e));
    }
    throw Exit{kExitUsage, msg, true, std::move(diags)};
  }
  for (const Error& w : lp.parsed.warnings) std::cerr << w.render();
  return lp;
}

}  // namespace sysfence::cli
