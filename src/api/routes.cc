#include "api/routes.h"

#include <array>

#include "api/handlers.h"

namespace pier::api {

namespace {

constexpr Method kGet = Method::kGet;
constexpr Method kPost = Method::kPost;
constexpr Method kPut = Method::kPut;
constexpr Method kPatch = Method::kPatch;
constexpr Method kDelete = Method::kDelete;

// clang-format off
constexpr std::array kRoutes = {
  Route{kGet,    "/api/v1/user",                                       "api_user",         get_current_user},
  Route{kPatch,  "/api/v1/user",                                       "api_user",         change_own_password},
  Route{kGet,    "/api/v1/users",                                      "api_users",        list_users},
  Route{kPost,   "/api/v1/users",                                      "api_users",        create_user},
  Route{kPatch,  "/api/v1/users/{user}",                               "api_users",        update_user},
  Route{kDelete, "/api/v1/users/{user}",                               "api_users",        delete_user},
  Route{kGet,    "/api/v1/user/tokens",                                "api_tokens",       list_tokens},
  Route{kPost,   "/api/v1/user/tokens",                                "api_tokens",       create_token},
  Route{kDelete, "/api/v1/user/tokens/{id}",                           "api_tokens",       delete_token},

  Route{kGet,    "/api/v1/organizations",                              "api_organizations", list_organizations},
  Route{kPost,   "/api/v1/organizations",                              "api_organizations", create_organization},
  Route{kGet,    "/api/v1/organizations/{org}",                        "api_organizations", get_organization},
  Route{kDelete, "/api/v1/organizations/{org}",                        "api_organizations", delete_organization},
  Route{kGet,    "/api/v1/organizations/{org}/teams",                  "api_teams",        list_teams},
  Route{kPut,    "/api/v1/organizations/{org}/teams/{team}",           "api_teams",        put_team},
  Route{kDelete, "/api/v1/organizations/{org}/teams/{team}",           "api_teams",        delete_team},
  Route{kPut,    "/api/v1/organizations/{org}/teams/{team}/members/{user}", "api_team_members", put_team_member},
  Route{kDelete, "/api/v1/organizations/{org}/teams/{team}/members/{user}", "api_team_members", delete_team_member},
  Route{kGet,    "/api/v1/organizations/{org}/default-permissions",    "api_default_permissions", list_default_permissions},
  Route{kPut,    "/api/v1/organizations/{org}/default-permissions/{kind}/{name}", "api_default_permissions",
         put_default_permission},
  Route{kDelete, "/api/v1/organizations/{org}/default-permissions/{kind}/{name}", "api_default_permissions",
         delete_default_permission},

  Route{kGet,    "/api/v1/namespaces/{ns}/robots",                     "api_robots",       list_robots},
  Route{kPost,   "/api/v1/namespaces/{ns}/robots/{robot}",             "api_robots",       create_robot},
  Route{kDelete, "/api/v1/namespaces/{ns}/robots/{robot}",             "api_robots",       delete_robot},
  Route{kPost,   "/api/v1/namespaces/{ns}/robots/{robot}/regenerate",  "api_robots",       regenerate_robot},
  Route{kGet,    "/api/v1/namespaces/{ns}/role-bindings",              "api_role_bindings", list_role_bindings},
  Route{kPut,    "/api/v1/namespaces/{ns}/role-bindings/{role}/{kind}/{name}", "api_role_bindings", put_role_binding},
  Route{kDelete, "/api/v1/namespaces/{ns}/role-bindings/{role}/{kind}/{name}", "api_role_bindings",
         delete_role_binding},

  Route{kGet,    "/api/v1/namespaces/{ns}/quota",                      "api_quota",        get_quota},
  Route{kPut,    "/api/v1/namespaces/{ns}/quota",                      "api_quota",        put_quota},
  Route{kDelete, "/api/v1/namespaces/{ns}/quota",                      "api_quota",        delete_quota},
  Route{kGet,    "/api/v1/namespaces/{ns}/history-window",             "api_history_window", get_history_window},
  Route{kPut,    "/api/v1/namespaces/{ns}/history-window",             "api_history_window", put_history_window},
  Route{kDelete, "/api/v1/namespaces/{ns}/history-window",             "api_history_window", delete_history_window},
  Route{kGet,    "/api/v1/namespaces/{ns}/immutable-tags",             "api_immutable_tags", get_immutable_tags},
  Route{kPut,    "/api/v1/namespaces/{ns}/immutable-tags",             "api_immutable_tags", put_immutable_tags},
  Route{kPost,   "/api/v1/namespaces/{ns}/retention/run",              "api_retention",    run_retention},
  Route{kGet,    "/api/v1/namespaces/{ns}/retention",                  "api_retention",    get_retention},
  Route{kPut,    "/api/v1/namespaces/{ns}/retention",                  "api_retention",    put_retention},
  Route{kDelete, "/api/v1/namespaces/{ns}/retention",                  "api_retention",    delete_retention},
  Route{kGet,    "/api/v1/namespaces/{ns}/signing-policy",             "api_signing_policy", get_signing_policy},
  Route{kPut,    "/api/v1/namespaces/{ns}/signing-policy",             "api_signing_policy", put_signing_policy},
  Route{kDelete, "/api/v1/namespaces/{ns}/signing-policy",             "api_signing_policy", delete_signing_policy},
  Route{kGet,    "/api/v1/namespaces/{ns}/signing-keys",               "api_signing_policy", get_signing_keys},
  Route{kGet,    "/api/v1/namespaces/{ns}/notifications",              "api_notifications", list_notifications},
  Route{kPost,   "/api/v1/namespaces/{ns}/notifications",              "api_notifications", create_notification},
  Route{kGet,    "/api/v1/notifications/{id}",                         "api_notifications", get_notification},
  Route{kPatch,  "/api/v1/notifications/{id}",                         "api_notifications", update_notification},
  Route{kDelete, "/api/v1/notifications/{id}",                         "api_notifications", delete_notification},
  Route{kPost,   "/api/v1/notifications/{id}/test",                    "api_notifications", test_notification},
  Route{kGet,    "/api/v1/namespaces/{ns}/vulnerability-policy",       "api_vulnerability_policy", get_vulnerability_policy},
  Route{kPut,    "/api/v1/namespaces/{ns}/vulnerability-policy",       "api_vulnerability_policy", put_vulnerability_policy},
  Route{kDelete, "/api/v1/namespaces/{ns}/vulnerability-policy",       "api_vulnerability_policy",
         delete_vulnerability_policy},

  // Longest literal suffix first: see routes.h.
  Route{kPut,    "/api/v1/repositories/{repository...}/permissions/{kind}/{name}", "api_permissions", put_permission},
  Route{kDelete, "/api/v1/repositories/{repository...}/permissions/{kind}/{name}", "api_permissions",
         delete_permission},
  Route{kPut,    "/api/v1/repositories/{repository...}/tags/{tag}/expiration", "api_tags", put_tag_expiration},
  Route{kPost,   "/api/v1/repositories/{repository...}/retention/run", "api_retention",    run_retention},
  Route{kGet,    "/api/v1/repositories/{repository...}/tags/{tag}/history", "api_tag_history", get_tag_history},
  Route{kPut,    "/api/v1/repositories/{repository...}/tags/{tag}",    "api_tags",         put_tag},
  Route{kDelete, "/api/v1/repositories/{repository...}/tags/{tag}",    "api_tags",         delete_tag},
  Route{kGet,    "/api/v1/repositories/{repository...}/manifests/{digest}/vulnerabilities", "api_vulnerabilities",
         get_manifest_vulnerabilities},
  Route{kGet,    "/api/v1/repositories/{repository...}/manifests/{digest}/sbom", "api_sbom", get_manifest_sbom},
  Route{kGet,    "/api/v1/repositories/{repository...}/manifests/{digest}", "api_manifests", get_manifest_details},
  Route{kGet,    "/api/v1/repositories/{repository...}/permissions",   "api_permissions",  list_permissions},
  Route{kGet,    "/api/v1/repositories/{repository...}/notifications", "api_notifications", list_notifications},
  Route{kPost,   "/api/v1/repositories/{repository...}/notifications", "api_notifications", create_notification},
  Route{kPut,    "/api/v1/repositories/{repository...}/visibility",    "api_visibility",   put_visibility},
  Route{kGet,    "/api/v1/repositories/{repository...}/tags",          "api_tags",         list_repository_tags},
  Route{kGet,    "/api/v1/repositories/{repository...}/immutable-tags", "api_immutable_tags", get_immutable_tags},
  Route{kPut,    "/api/v1/repositories/{repository...}/immutable-tags", "api_immutable_tags", put_immutable_tags},
  Route{kGet,    "/api/v1/repositories/{repository...}/retention",     "api_retention",    get_retention},
  Route{kPut,    "/api/v1/repositories/{repository...}/retention",     "api_retention",    put_retention},
  Route{kDelete, "/api/v1/repositories/{repository...}/retention",     "api_retention",    delete_retention},
  Route{kGet,    "/api/v1/repositories",                               "api_repositories", list_repositories},
  Route{kPost,   "/api/v1/repositories",                               "api_repositories", create_repository},
  // The bare repository routes last: they match every path below /repositories/.
  Route{kGet,    "/api/v1/repositories/{repository...}",               "api_repositories", get_repository},
  Route{kDelete, "/api/v1/repositories/{repository...}",               "api_repositories", delete_repository},

  Route{kPost,   "/api/v1/session",                                    "api_session",      start_session,
         Access::kSigningIn},
  Route{kGet,    "/api/v1/session",                                    "api_session",      get_session,
         Access::kSigningIn},
  Route{kDelete, "/api/v1/session",                                    "api_session",      end_session,
         Access::kSigningIn},

  Route{kGet,    "/api/v1/audit",                                      "api_audit",        query_audit},

  Route{kGet,    "/api/v1/gc",                                         "api_gc",           get_gc},
  Route{kPost,   "/api/v1/gc",                                         "api_gc",           run_gc},

  Route{kGet,    "/api/v1/vulnerabilities",                            "api_vulnerability_data", get_vulnerability_database},
  Route{kPost,   "/api/v1/vulnerabilities/import",                     "api_vulnerability_data", import_vulnerabilities,
         Access::kSignedIn, kMaxImportBytes},

  Route{kGet,    "/api/v1/jobs",                                       "api_jobs",         list_jobs},
  Route{kPost,   "/api/v1/jobs",                                       "api_jobs",         enqueue_job},

  Route{kGet,    "/api/v1/openapi.json",                               "api_openapi",      get_openapi_document,
         Access::kAnyone},
};
// clang-format on

std::vector<std::string_view> segments_of(std::string_view pattern) {
  std::vector<std::string_view> segments;
  pattern.remove_prefix(1);  // the leading '/'
  while (true) {
    const auto slash = pattern.find('/');
    segments.push_back(pattern.substr(0, slash));
    if (slash == std::string_view::npos) return segments;
    pattern.remove_prefix(slash + 1);
  }
}

bool is_parameter(std::string_view segment) { return segment.starts_with('{') && segment.ends_with('}'); }
bool is_greedy(std::string_view segment) { return segment.ends_with("...}"); }
// Names point into the patterns, which are literals: they live as long as the program.
std::string_view parameter_name(std::string_view segment) {
  segment = segment.substr(1, segment.size() - 2);  // without the braces
  if (segment.ends_with("...")) segment.remove_suffix(3);
  return segment;
}

// One pattern segment against one path segment; a parameter is captured into `params`.
bool match_segment(std::string_view pattern, const std::string& segment, RouteParams& params) {
  if (!is_parameter(pattern)) return pattern == segment;
  if (segment.empty()) return false;
  params.add(parameter_name(pattern), segment);
  return true;
}

}  // namespace

const std::string& RouteParams::operator[](std::string_view name) const {
  static const std::string kNone;
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return kNone;
}

std::span<const Route> routes() { return kRoutes; }

std::optional<RouteParams> match_pattern(std::string_view pattern, const std::vector<std::string>& path) {
  const auto want = segments_of(pattern);
  std::size_t greedy = want.size();
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_parameter(want[i]) && is_greedy(want[i])) greedy = i;
  }
  RouteParams params;
  if (greedy == want.size()) {
    if (path.size() != want.size()) return std::nullopt;
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (!match_segment(want[i], path[i], params)) return std::nullopt;
    }
    return params;
  }
  // The greedy parameter takes what the literal segments on either side leave, at least one.
  if (path.size() < want.size()) return std::nullopt;
  const std::size_t after = want.size() - greedy - 1;
  for (std::size_t i = 0; i < greedy; ++i) {
    if (!match_segment(want[i], path[i], params)) return std::nullopt;
  }
  for (std::size_t i = 1; i <= after; ++i) {
    if (!match_segment(want[want.size() - i], path[path.size() - i], params)) return std::nullopt;
  }
  std::string joined;
  for (std::size_t i = greedy; i < path.size() - after; ++i) {
    if (i > greedy) joined.push_back('/');
    joined += path[i];
  }
  params.add(parameter_name(want[greedy]), std::move(joined));
  return params;
}

std::vector<RouteTemplate> route_templates() {
  constexpr std::string_view kRoot = "/api/v1";
  std::vector<RouteTemplate> templates;
  for (const auto& route : kRoutes) {
    RouteTemplate entry{route.method, {}, {}, route.access};
    for (const auto segment : segments_of(route.pattern.substr(kRoot.size()))) {
      entry.path.push_back('/');
      if (!is_parameter(segment)) {
        entry.path += segment;
        continue;
      }
      entry.parameters.push_back(parameter_name(segment));
      entry.path += "{" + std::string(entry.parameters.back()) + "}";
    }
    templates.push_back(std::move(entry));
  }
  return templates;
}

Result<std::size_t> match_route(Method method, const std::vector<std::string>& path) {
  bool other_method = false;
  for (std::size_t i = 0; i < kRoutes.size(); ++i) {
    if (!match_pattern(kRoutes[i].pattern, path)) continue;
    if (kRoutes[i].method == method) return i;
    other_method = true;
  }
  if (other_method) return make_error(ErrorCode::kMethodNotAllowed, "method not allowed on this endpoint");
  return make_error(ErrorCode::kRouteUnknown, "no such endpoint");
}

}  // namespace pier::api
