// src/cli/policy_input.cpp — see policy_input.hpp.
#include "policy_input.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "common.hpp"
#include "sysfence/frontend/default_policy.hpp"
#include "sysfence/support/nearest.hpp"
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
  auto* cap = sub->add_option(
      "--cap", in.caps,
      "OCI: a capability for moby's includes/excludes, added to Docker's 14 default "
      "container capabilities (repeatable; \"none\": start from no capabilities)");
  auto* host = sub->add_flag("--host-caps", in.host_caps,
                             "OCI: start from this process's effective capabilities instead of "
                             "Docker's defaults");
  (void)cap;
  (void)host;
  sub->add_option("--kernel", in.kernel, "OCI: kernel version for minKernel (default: uname)");
  sub->add_option("-I,--include-dir", in.include_dirs, "extra directory for @include");
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Turns an OCI import into a built Policy, moving the diagnostics over.
frontend::Parsed<ir::ValidatedPolicy> build_oci(frontend::Parsed<frontend::OciImport> imp,
                                                uint32_t* flags) {
  frontend::Parsed<ir::ValidatedPolicy> out;
  out.errors = std::move(imp.errors);
  out.warnings = std::move(imp.warnings);
  if (!imp.value || !out.errors.empty()) return out;
  *flags = imp.value->flag_bits;
  auto built = ir::ValidatedPolicy::build(std::move(imp.value->spec));
  if (!built) {
    out.errors.push_back(built.error());
    return out;
  }
  for (const Error& w : built->warnings()) out.warnings.push_back(w);
  out.value.emplace(std::move(*built));
  return out;
}

}  // namespace

std::vector<std::string> chosen_caps(const PolicyInput& in, std::string* description) {
  bool none = false;
  std::vector<std::string> added;
  for (const std::string& c : in.caps) {
    std::string up;
    for (char ch : c) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (up == "NONE") {
      none = true;
      continue;
    }
    if (up.rfind("CAP_", 0) != 0) up = "CAP_" + up;
    bool known = false;
    std::vector<std::string> all;
    for (unsigned b = 0; b < 64; ++b)
      if (auto n = frontend::cap_name(b)) {
        all.emplace_back(*n);
        known = known || up == *n;
      }
    if (!known) {
      std::vector<std::string_view> views(all.begin(), all.end());
      std::string near = sysfence::nearest_of(up, views);
      fail_usage("--cap: unknown capability \"" + c + "\"" +
                 (near.empty() ? std::string(" (names look like CAP_SYS_ADMIN)")
                               : " (did you mean " + near + "?)"));
    }
    added.push_back(up);
  }
  if (none && in.host_caps) fail_usage("--cap none and --host-caps exclude each other");
  std::vector<std::string> caps;
  std::string desc;
  if (none) {
    desc = "no capabilities";
  } else if (in.host_caps) {
    caps = frontend::host_effective_caps();
    desc = "this process's effective capabilities (" + std::to_string(caps.size()) + ")";
  } else {
    caps = frontend::docker_default_caps();
    desc = "Docker's default container capabilities (" + std::to_string(caps.size()) + ")";
  }
  for (const std::string& c : added) {
    if (std::find(caps.begin(), caps.end(), c) != caps.end()) continue;
    caps.push_back(c);
    desc += (none && c == added.front() ? ": " : " + ") + c;
  }
  if (none && !added.empty()) desc = "only " + desc.substr(desc.find(": ") + 2);
  if (description) *description = desc;
  return caps;
}

LoadedPolicy parse_policy_input(const PolicyInput& in, bool default_if_none) {
  LoadedPolicy lp;
  const std::vector<arch::Arch> arches = parse_arches(in.arches);

  std::string text_file = in.policy_file;
  std::string oci_file = in.oci_file;
  if (!in.positional.empty()) {
    if (ends_with(in.positional, ".json"))
      oci_file = in.positional;
    else
      text_file = in.positional;
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
    std::string caps_desc;
    o.caps = chosen_caps(in, &caps_desc);
    if (!in.kernel.empty()) o.kernel_version = in.kernel;
    o.default_arches = arches;
    lp.label = oci_file + " (OCI)";
    auto imp = frontend::import_oci_file(oci_file, o);
    if (imp.value && imp.value->uses_caps) lp.caps_used = caps_desc;
    lp.parsed = build_oci(std::move(imp), &lp.oci_flags);
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

std::vector<arch::Arch> target_arches(const ir::ValidatedPolicy& policy) {
  if (policy.arches().empty()) return {arch::native_arch()};
  return {policy.arches().begin(), policy.arches().end()};
}

LoadedPolicy load_policy_or_exit(const PolicyInput& in, bool default_if_none, bool quiet_notes) {
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
  for (const Error& w : lp.parsed.warnings) err_stream() << w.render();
  if (!lp.caps_used.empty() && !quiet_notes)
    err_stream() << "sysfence: note: " << lp.label << ": includes/excludes evaluated with "
                 << lp.caps_used << " (--cap CAP adds, --cap none, --host-caps)\n";
  return lp;
}

}  // namespace sysfence::cli
