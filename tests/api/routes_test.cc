#include "api/routes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace pier::api {
namespace {

std::vector<std::string> path_of(std::string_view path) {
  std::vector<std::string> segments;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    path.remove_prefix(slash + 1);
  }
}

// The pattern the request resolves to, or the error's code.
std::string resolve(Method method, std::string_view path) {
  auto index = match_route(method, path_of(path));
  if (!index) return index.error().code == ErrorCode::kMethodNotAllowed ? "405" : "404";
  return std::string(routes()[*index].pattern);
}

RouteParams params_of(Method method, std::string_view path) {
  const auto index = match_route(method, path_of(path)).value();
  return match_pattern(routes()[index].pattern, path_of(path)).value();
}

TEST(ApiRoutes, FixedPathsAndParameters) {
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/user"), "/api/v1/user");
  EXPECT_EQ(resolve(Method::kPost, "/api/v1/users"), "/api/v1/users");
  EXPECT_EQ(resolve(Method::kDelete, "/api/v1/users/bob"), "/api/v1/users/{user}");
  EXPECT_EQ(resolve(Method::kPut, "/api/v1/organizations/acme/teams/devs/members/bob"),
            "/api/v1/organizations/{org}/teams/{team}/members/{user}");
  const auto p = params_of(Method::kPut, "/api/v1/organizations/acme/teams/devs/members/bob");
  EXPECT_EQ(p["org"], "acme");
  EXPECT_EQ(p["team"], "devs");
  EXPECT_EQ(p["user"], "bob");
  EXPECT_EQ(p["nothing"], "");
  const auto binding = params_of(Method::kPut, "/api/v1/namespaces/acme/role-bindings/system:image-puller/robot/acme+ci");
  EXPECT_EQ(binding["role"], "system:image-puller");
  EXPECT_EQ(binding["kind"], "robot");
  EXPECT_EQ(binding["name"], "acme+ci");
}

TEST(ApiRoutes, RepositoryNamesAreMatchedFromTheRight) {
  auto p = params_of(Method::kPut, "/api/v1/repositories/acme/team/app/permissions/user/bob");
  EXPECT_EQ(p["repository"], "acme/team/app");
  EXPECT_EQ(p["kind"], "user");
  EXPECT_EQ(p["name"], "bob");
  EXPECT_EQ(params_of(Method::kGet, "/api/v1/repositories/app/permissions")["repository"], "app");
  EXPECT_EQ(params_of(Method::kPut, "/api/v1/repositories/a/b/visibility")["repository"], "a/b");
  // A repository whose last components spell a route's suffix: the longer suffix wins.
  p = params_of(Method::kPut, "/api/v1/repositories/a/permissions/user/visibility");
  EXPECT_EQ(p["repository"], "a");
  EXPECT_EQ(p["name"], "visibility");
  EXPECT_EQ(params_of(Method::kGet, "/api/v1/repositories/a/permissions/user/permissions")["repository"],
            "a/permissions/user");
  // At least one segment of name: "permissions" alone is a repository of that name.
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/repositories/permissions"), "/api/v1/repositories/{repository...}");
  EXPECT_EQ(params_of(Method::kGet, "/api/v1/repositories/permissions")["repository"], "permissions");
}

TEST(ApiRoutes, TagAndManifestRoutesComeBeforeTheBareRepository) {
  auto p = params_of(Method::kGet, "/api/v1/repositories/acme/app/tags/1.0/history");
  EXPECT_EQ(p["repository"], "acme/app");
  EXPECT_EQ(p["tag"], "1.0");
  p = params_of(Method::kPut, "/api/v1/repositories/acme/team/app/tags/latest");
  EXPECT_EQ(p["repository"], "acme/team/app");
  EXPECT_EQ(p["tag"], "latest");
  EXPECT_EQ(params_of(Method::kGet, "/api/v1/repositories/acme/app/manifests/sha256:ab")["digest"], "sha256:ab");
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/repositories/acme/app/tags"), "/api/v1/repositories/{repository...}/tags");
  // A repository whose name ends like a route's suffix is still shown and deleted whole.
  EXPECT_EQ(params_of(Method::kDelete, "/api/v1/repositories/acme/tags")["repository"], "acme/tags");
  EXPECT_EQ(params_of(Method::kGet, "/api/v1/repositories/acme/app/tags/latest")["repository"], "acme/app/tags/latest");
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/repositories"), "/api/v1/repositories");
  EXPECT_EQ(resolve(Method::kPatch, "/api/v1/repositories/acme/app/tags/latest"), "405");
}

TEST(ApiRoutes, UnknownPathsAndOtherMethods) {
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/nothing"), "404");
  EXPECT_EQ(resolve(Method::kGet, "/api/v2/user"), "404");
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/users/"), "404");  // an empty parameter matches nothing
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/organizations//teams"), "404");
  EXPECT_EQ(resolve(Method::kGet, "/api"), "404");
  EXPECT_EQ(resolve(Method::kPut, "/api/v1/user"), "405");
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/users/bob"), "405");
  EXPECT_EQ(resolve(Method::kPost, "/api/v1/repositories/a/b/permissions"), "405");
}

TEST(ApiRoutes, EveryRouteIsReachableAndLabelled) {
  std::set<std::pair<int, std::string_view>> seen;
  for (const auto& route : routes()) {
    EXPECT_TRUE(route.pattern.starts_with("/api/v1")) << route.pattern;
    EXPECT_TRUE(route.label.starts_with("api_")) << route.pattern;
    EXPECT_NE(route.handler, nullptr) << route.pattern;
    EXPECT_TRUE(seen.insert({static_cast<int>(route.method), route.pattern}).second) << route.pattern;
    // Filling each parameter with a value resolves to the route itself.
    std::string path(route.pattern);
    for (std::size_t open; (open = path.find('{')) != std::string::npos;) {
      path.replace(open, path.find('}', open) - open + 1, "x");
    }
    EXPECT_EQ(resolve(route.method, path), route.pattern);
  }
}

TEST(ApiRoutes, TemplatesNameTheRoutesBelowTheApiRoot) {
  const auto templates = route_templates();
  ASSERT_EQ(templates.size(), routes().size());
  std::size_t open = 0;
  for (std::size_t i = 0; i < templates.size(); ++i) {
    EXPECT_EQ(templates[i].method, routes()[i].method);
    std::string pattern(routes()[i].pattern);  // the greedy {name...} is a plain {name} there
    if (const auto dots = pattern.find("...}"); dots != std::string::npos) pattern.erase(dots, 3);
    EXPECT_EQ("/api/v1" + templates[i].path, pattern);
    if (templates[i].access == Access::kAnyone) ++open;
  }
  EXPECT_EQ(open, 1u);  // the OpenAPI document alone
  const auto permission = std::find_if(templates.begin(), templates.end(), [](const auto& t) {
    return t.method == Method::kPut && t.path.starts_with("/repositories/");
  });
  ASSERT_NE(permission, templates.end());
  EXPECT_EQ(permission->path, "/repositories/{repository}/permissions/{kind}/{name}");
  EXPECT_EQ(permission->parameters, (std::vector<std::string_view>{"repository", "kind", "name"}));
  EXPECT_EQ(resolve(Method::kGet, "/api/v1/openapi.json"), "/api/v1/openapi.json");
  EXPECT_EQ(resolve(Method::kPost, "/api/v1/openapi.json"), "405");
}

}  // namespace
}  // namespace pier::api
