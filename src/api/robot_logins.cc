#include "api/robot_logins.h"

#include <algorithm>
#include <string>

#include "auth/base64url.h"

namespace pier::api {

namespace json = boost::json;

bool is_valid_host(std::string_view host) {
  constexpr std::size_t kMaxHostLength = 255;
  if (host.empty() || host.size() > kMaxHostLength) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
}

json::object robot_logins(std::string_view host, std::string_view namespace_name, std::string_view robot_name,
                          std::string_view token) {
  const std::string full_name = std::string(namespace_name) + "+" + std::string(robot_name);
  json::object entry;
  entry["auth"] = auth::base64_encode(full_name + ":" + std::string(token));
  json::object auths;
  auths[host] = std::move(entry);
  json::object auth_json;
  auth_json["auths"] = std::move(auths);

  std::string secret_name = std::string(namespace_name) + "-" + std::string(robot_name) + "-pull-secret";
  std::replace(secret_name.begin(), secret_name.end(), '_', '-');
  const std::string secret =
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata:\n"
      "  name: " + secret_name + "\n"
      "type: kubernetes.io/dockerconfigjson\n"
      "data:\n"
      "  .dockerconfigjson: " + auth::base64_encode(json::serialize(auth_json)) + "\n";

  json::object logins;
  logins["podman"] = "podman login -u='" + full_name + "' -p='" + std::string(token) + "' " + std::string(host);
  logins["auth_json"] = std::move(auth_json);
  logins["kubernetes_secret"] = secret;
  return logins;
}

}  // namespace pier::api
