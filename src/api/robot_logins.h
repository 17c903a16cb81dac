// api/robot_logins.h: ready-to-use sign-in material for a robot and its new token.
//
//   podman:            podman login -u='<robot>' -p='<token>' <host>
//   auth_json:         {"auths": {"<host>": {"auth": base64("<robot>:<token>")}}}, the file
//                      docker, podman and skopeo read (~/.docker/config.json, auth.json);
//   kubernetes_secret: a Secret of type kubernetes.io/dockerconfigjson holding that file, named
//                      "<namespace>-<name>-pull-secret" ('_', which Kubernetes names may not
//                      hold, becomes '-').
// `host` is the registry as clients reach it (the request's Host header), and must pass
// is_valid_host: it is written into a shell command line.
#pragma once

#include <string_view>

#include <boost/json.hpp>

namespace pier::api {

// Letters, digits and . - : [ ] (names, IPv4 and bracketed IPv6 addresses, ports): nothing a
// shell or YAML would read specially.
bool is_valid_host(std::string_view host);

boost::json::object robot_logins(std::string_view host, std::string_view namespace_name, std::string_view robot_name,
                                 std::string_view token);

}  // namespace pier::api
