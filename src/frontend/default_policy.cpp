#include "sysfence/frontend/default_policy.hpp"

#include <utility>

namespace sysfence::frontend {
namespace detail {
extern const std::string_view kDefaultPolicyText;  // generated from policies/default.policy
}

std::string_view default_policy_source() { return detail::kDefaultPolicyText; }

Parsed<ir::PolicySpec> parse_default_policy(std::vector<arch::Arch> arches) {
  ParseOptions opt;
  opt.default_arches = std::move(arches);
  opt.read_file = [](const std::string&, std::string* why) -> std::optional<std::string> {
    if (why) *why = "the embedded policy cannot include files";
    return std::nullopt;
  };
  return parse_policy_text(default_policy_source(), "<default.policy>", opt);
}

Parsed<ir::ValidatedPolicy> load_default_policy(std::vector<arch::Arch> arches) {
  ParseOptions opt;
  opt.default_arches = std::move(arches);
  opt.read_file = [](const std::string&, std::string* why) -> std::optional<std::string> {
    if (why) *why = "the embedded policy cannot include files";
    return std::nullopt;
  };
  return load_policy_text(default_policy_source(), "<default.policy>", opt);
}

}  // namespace sysfence::frontend
