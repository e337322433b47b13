// frontend::oci_to_spo_yaml and kubernetes_name: `compile --format spo` (tests/runtime checks the
// YAML with a real YAML parser and the OCI schema).
#include <gtest/gtest.h>

#include "sysfence/frontend/spo.hpp"

namespace sysfence::frontend {
namespace {

TEST(Spo, KubernetesNames) {
  EXPECT_EQ(kubernetes_name("policies/Web_Worker.policy"), "web-worker");
  EXPECT_EQ(kubernetes_name("/a/b/.hidden"), "hidden");
  EXPECT_EQ(kubernetes_name("--__--"), "sysfence-profile");
  EXPECT_EQ(kubernetes_name(std::string(300, 'a') + ".json").size(), 253u);
}

TEST(Spo, ResourceAroundTheOciProfile) {
  std::vector<std::string> warnings;
  auto y = oci_to_spo_yaml(
      R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"],
          "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]})",
      "web", warnings);
  ASSERT_TRUE(y) << y.error().message;
  EXPECT_TRUE(warnings.empty());
  EXPECT_NE(y->find("apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
                    "kind: SeccompProfile\nmetadata:\n  name: \"web\"\nspec:\n"),
            std::string::npos)
      << *y;
  EXPECT_NE(y->find("defaultAction: \"SCMP_ACT_ERRNO\""), std::string::npos) << *y;
  EXPECT_EQ(y->find("defaultErrnoRet"), std::string::npos) << *y;  // SPO has no such field
  EXPECT_NE(y->find("\"write\""), std::string::npos) << *y;
}

TEST(Spo, WarnsAboutAnErrnoItCannotCarryAndRefusesWhatIsNotAProfile) {
  std::vector<std::string> warnings;
  ASSERT_TRUE(oci_to_spo_yaml(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38})", "x",
                              warnings));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("errno 38"), std::string::npos) << warnings[0];
  EXPECT_FALSE(oci_to_spo_yaml("[1, 2", "x", warnings));
  EXPECT_FALSE(oci_to_spo_yaml("[]", "x", warnings));
}

}  // namespace
}  // namespace sysfence::frontend
