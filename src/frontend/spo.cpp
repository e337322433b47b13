// sysfence/frontend — the SPO writer: see sysfence/frontend/spo.hpp.
#include "sysfence/frontend/spo.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace sysfence::frontend {
namespace {

using json = nlohmann::json;

// YAML block style for objects and arrays; scalars as JSON (a JSON string is a YAML
// double-quoted scalar, numbers and booleans read the same).
void emit(std::string& out, const json& v, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) {
      out += pad + k + ":";
      if ((x.is_object() || x.is_array()) && !x.empty()) {
        out += "\n";
        emit(out, x, x.is_array() ? indent : indent + 2);
      } else {
        out += " " + x.dump() + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& x : v) {
      if (x.is_object() && !x.empty()) {
        std::string item;
        emit(item, x, indent + 2);
        // "- " takes the place of the first key's indentation.
        out += pad + "- " + item.substr(static_cast<size_t>(indent) + 2);
      } else if (x.is_array() && !x.empty()) {
        out += pad + "-\n";
        emit(out, x, indent + 2);
      } else {
        out += pad + "- " + x.dump() + "\n";
      }
    }
  }
}

}  // namespace

std::string kubernetes_name(const std::string& path_or_name) {
  std::string base = path_or_name;
  if (auto slash = base.find_last_of('/'); slash != std::string::npos) base.erase(0, slash + 1);
  if (auto dot = base.find_last_of('.'); dot != std::string::npos && dot > 0) base.erase(dot);
  std::string out;
  for (char ch : base) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c))
      out += static_cast<char>(std::tolower(c));
    else if (ch == '-' || ch == '.')
      out += ch;
    else
      out += '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  if (out.size() > 253) out.resize(253);
  return out.empty() ? "sysfence-profile" : out;
}

Result<std::string> oci_to_spo_yaml(const std::string& oci_json, const std::string& name,
                                    std::vector<std::string>& warnings) {
  const json oci = json::parse(oci_json, nullptr, /*allow_exceptions=*/false);
  if (!oci.is_object())
    return Error::make(ErrorCode::Syntax, "not an OCI seccomp profile (a JSON object)",
                       "give export_oci's output");
  json spec = json::object();
  for (const char* key :
       {"defaultAction", "architectures", "flags", "listenerPath", "listenerMetadata", "syscalls"})
    if (oci.contains(key)) spec[key] = oci[key];
  if (oci.contains("defaultErrnoRet") && oci["defaultErrnoRet"] != 1)
    warnings.push_back(
        "SPO's SeccompProfile has no defaultErrnoRet: the default action answers "
        "EPERM, not errno " +
        oci["defaultErrnoRet"].dump() + " (use errno EPERM as the default, or --format oci)");
  std::string out =
      "# A Kubernetes Security Profiles Operator SeccompProfile, written by sysfence compile\n"
      "# --format spo. Apply it with kubectl; a pod uses it through\n"
      "# securityContext.seccompProfile (type: Localhost, localhostProfile:\n"
      "# operator/<namespace>/" +
      name +
      ".json). See docs/oci.md.\n"
      "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
      "kind: SeccompProfile\n"
      "metadata:\n"
      "  name: " +
      json(name).dump() +
      "\n"
      "spec:\n";
  emit(out, spec, 2);
  return out;
}

}  // namespace sysfence::frontend
