// Robots of a namespace (a user's or an organization's), for whoever may manage it:
//   GET    /api/v1/namespaces/{ns}/robots                       -> {robots: [{name, description, created_at}]}
//   POST   /api/v1/namespaces/{ns}/robots/{robot} {description?} -> 201 {name, description, token, logins}
//   POST   /api/v1/namespaces/{ns}/robots/{robot}/regenerate    -> 200, the same with a new token
//   DELETE /api/v1/namespaces/{ns}/robots/{robot}
// The token is shown once, when made; only its SHA-256 is stored, and a new one replaces the
// old at once (tokens the registry already signed from it expire with their short lifetime).
// `logins` (robot_logins.h) name this registry as the request's Host header does.
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/robot_logins.h"
#include "api/views.h"
#include "auth/secrets.h"

namespace pier::api {

namespace {

constexpr std::size_t kMaxDescriptionLength = 1024;

// The robot's namespace and short name from the path, checked.
Result<void> check_robot_path(Call& call) {
  if (auto checked = check_account_name("namespace", call.params["ns"]); !checked) return checked;
  return check_robot_name(call.params["robot"]);
}

Result<std::string_view> registry_host(const Call& call) {
  const std::string_view host = call.request.header("host");
  if (!is_valid_host(host)) return make_error(ErrorCode::kBadRequest, "the Host header must name this registry");
  return host;
}

Response robot_with_token(const meta::Robot& robot, std::string_view token, std::string_view host, unsigned status) {
  auto view = robot_view(robot);
  view["token"] = token;
  view["logins"] = robot_logins(host, robot.namespace_name, robot.name, token);
  return json_response(status, view);
}

}  // namespace

Result<Response> list_robots(Call& call) {
  const auto& ns = call.params["ns"];
  if (auto checked = check_account_name("namespace", ns); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, ns); !allowed) return allowed.error();
  auto robots = call.accounts().list_robots(ns);
  if (!robots) return robots.error();
  boost::json::array views;
  for (const auto& robot : *robots) views.emplace_back(robot_view(robot));
  return json_response(200, boost::json::object{{"robots", std::move(views)}});
}

Result<Response> create_robot(Call& call) {
  if (auto checked = check_robot_path(call); !checked) return checked.error();
  const auto& ns = call.params["ns"];
  const auto& name = call.params["robot"];
  auto body = JsonBody::parse(call.request.body, {"description"});
  if (!body) return body.error();
  auto description = body->optional_string("description");
  if (!description) return description.error();
  if (description->value_or("").size() > kMaxDescriptionLength) return bad_field("description", "too long");
  auto host = registry_host(call);
  if (!host) return host.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, ns); !allowed) return allowed.error();

  auto token = auth::random_token();
  if (!token) return token.error();
  auto robot = call.accounts().create_robot(ns, name, description->value_or(""), auth::sha256_hex(*token), call.now());
  if (!robot) return explain_conflict(robot.error(), "robot " + ns + "+" + name + " already exists");
  return once_recorded(record_change(call, kAccountChange, ns, std::nullopt,
                                     {{"change", "robot_created"}, {"robot", robot->full_name}}),
                       robot_with_token(*robot, *token, *host, 201));
}

Result<Response> regenerate_robot(Call& call) {
  if (auto checked = check_robot_path(call); !checked) return checked.error();
  const auto& ns = call.params["ns"];
  const auto& name = call.params["robot"];
  if (auto body = JsonBody::parse(call.request.body, {}); !body) return body.error();
  auto host = registry_host(call);
  if (!host) return host.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, ns); !allowed) return allowed.error();

  auto token = auth::random_token();
  if (!token) return token.error();
  if (auto set = call.accounts().set_robot_token_hash(ns, name, auth::sha256_hex(*token)); !set) return set.error();
  auto robot = call.accounts().get_robot(ns, name);
  if (!robot) return robot.error();
  return once_recorded(record_change(call, kAccountChange, ns, std::nullopt,
                                     {{"change", "robot_token_regenerated"}, {"robot", robot->full_name}}),
                       robot_with_token(*robot, *token, *host, 200));
}

Result<Response> delete_robot(Call& call) {
  if (auto checked = check_robot_path(call); !checked) return checked.error();
  const auto& ns = call.params["ns"];
  const auto& name = call.params["robot"];
  if (auto allowed = require(call, auth::NamespaceAction::kManage, ns); !allowed) return allowed.error();
  if (auto deleted = call.accounts().delete_robot(ns, name); !deleted) return deleted.error();
  return once_recorded(record_change(call, kAccountChange, ns, std::nullopt,
                                     {{"change", "robot_deleted"}, {"robot", ns + "+" + name}}),
                       no_content());
}

}  // namespace pier::api
