// sysfence/frontend/spo.hpp — `compile --format spo`: an OCI LinuxSeccomp profile (export_oci's JSON) as a
// Kubernetes Security Profiles Operator SeccompProfile resource (YAML).
//
//   std::vector<std::string> warnings;
//   Result<std::string> yaml = oci_to_spo_yaml(oci_json, "web-worker", warnings);
//
// The resource is security-profiles-operator.x-k8s.io/v1beta1 SeccompProfile; its spec has the
// OCI fields SPO knows (defaultAction, architectures, flags, listenerPath, listenerMetadata,
// syscalls: names, action, errnoRet, args). SPO has no defaultErrnoRet: a default errno other
// than EPERM (what runc and crun answer without one) is a warning. Known weakness: the YAML is
// written by hand (block style, JSON-quoted strings, which YAML reads as they are).
#pragma once

#include <string>
#include <vector>

#include "sysfence/result.hpp"

namespace sysfence::frontend {

// A Kubernetes object name from a file name: lowercase, [a-z0-9.-], at most 253 characters.
std::string kubernetes_name(const std::string& path_or_name);

// `oci_json`: an OCI LinuxSeccomp object (export_oci's output); anything else is an Error.
Result<std::string> oci_to_spo_yaml(const std::string& oci_json, const std::string& name,
                                    std::vector<std::string>& warnings);

}  // namespace sysfence::frontend
