#include "api/robot_logins.h"

#include <gtest/gtest.h>

#include "auth/base64url.h"

namespace pier::api {
namespace {

TEST(RobotLogins, PodmanAuthJsonAndAKubernetesSecret) {
  const auto logins = robot_logins("registry.example:5000", "acme_corp", "ci_bot", "TOKEN");
  EXPECT_EQ(logins.at("podman").as_string(),
            "podman login -u='acme_corp+ci_bot' -p='TOKEN' registry.example:5000");
  const auto& auth_json = logins.at("auth_json").as_object();
  const auto& entry = auth_json.at("auths").as_object().at("registry.example:5000").as_object();
  EXPECT_EQ(auth::base64_decode(std::string(entry.at("auth").as_string())).value(), "acme_corp+ci_bot:TOKEN");

  const std::string secret(logins.at("kubernetes_secret").as_string());
  EXPECT_NE(secret.find("kind: Secret\n"), std::string::npos);
  EXPECT_NE(secret.find("type: kubernetes.io/dockerconfigjson\n"), std::string::npos);
  EXPECT_NE(secret.find("  name: acme-corp-ci-bot-pull-secret\n"), std::string::npos);
  const std::string key = "  .dockerconfigjson: ";
  const auto at = secret.find(key);
  ASSERT_NE(at, std::string::npos);
  const auto value = secret.substr(at + key.size(), secret.find('\n', at) - at - key.size());
  EXPECT_EQ(boost::json::parse(auth::base64_decode(value).value()), boost::json::value(auth_json));
}

TEST(RobotLogins, HostsAreNamesAddressesAndPortsOnly) {
  EXPECT_TRUE(is_valid_host("registry.example.com"));
  EXPECT_TRUE(is_valid_host("127.0.0.1:5000"));
  EXPECT_TRUE(is_valid_host("[::1]:5000"));
  EXPECT_FALSE(is_valid_host(""));
  EXPECT_FALSE(is_valid_host("a b"));
  EXPECT_FALSE(is_valid_host("x';rm -rf /'"));
  EXPECT_FALSE(is_valid_host("x\nkind: Pod"));
  EXPECT_FALSE(is_valid_host(std::string(256, 'a')));
}

}  // namespace
}  // namespace pier::api
