// Teams of an organization and their members, for whoever may manage the organization:
//   GET    /api/v1/organizations/{org}/teams                      -> {teams: [{name, role, members}]}
//   PUT    /api/v1/organizations/{org}/teams/{team} {role}        -> 201 created, 200 role set
//   DELETE /api/v1/organizations/{org}/teams/{team}
//   PUT    /api/v1/organizations/{org}/teams/{team}/members/{user}  (idempotent)
//   DELETE /api/v1/organizations/{org}/teams/{team}/members/{user}
// A team's role (member, creator, admin) is what it may do in the organization: see
// auth/authorizer.h.
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/views.h"
#include "api/vocabulary.h"

namespace pier::api {

namespace {

// The organization and team names of the path, checked.
Result<void> check_team_path(Call& call) {
  const auto& org = call.params["org"];
  if (auto checked = check_account_name("organization", org); !checked) return checked;
  if (auto checked = check_account_name("team", call.params["team"]); !checked) return checked;
  return {};
}

}  // namespace

Result<Response> list_teams(Call& call) {
  const auto& org = call.params["org"];
  if (auto checked = check_account_name("organization", org); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();
  auto teams = call.accounts().list_teams(org);
  if (!teams) return teams.error();
  boost::json::array views;
  for (const auto& team : *teams) {
    auto members = call.accounts().list_team_members(org, team.name);
    if (!members) return members.error();
    views.emplace_back(team_view(team, *members));
  }
  return json_response(200, boost::json::object{{"teams", std::move(views)}});
}

Result<Response> put_team(Call& call) {
  if (auto checked = check_team_path(call); !checked) return checked.error();
  const auto& org = call.params["org"];
  const auto& name = call.params["team"];
  auto body = JsonBody::parse(call.request.body, {"role"});
  if (!body) return body.error();
  auto role_text = body->string("role");
  if (!role_text) return role_text.error();
  auto role = parse_team_role("role", *role_text);
  if (!role) return role.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();

  auto existing = call.accounts().get_team(org, name);
  if (!existing && existing.error().code != ErrorCode::kNameUnknown) return existing.error();
  if (!existing) {
    auto created = call.accounts().create_team(org, name, *role);
    if (!created) return created.error();
    return once_recorded(record_change(call, kAccountChange, org, std::nullopt,
                                       {{"change", "team_created"}, {"team", name}, {"role", *role_text}}),
                         json_response(201, team_view(*created, {})));
  }
  auto members = call.accounts().list_team_members(org, name);
  if (!members) return members.error();
  if (existing->role == *role) return json_response(200, team_view(*existing, *members));
  if (auto set = call.accounts().set_team_role(org, name, *role); !set) return set.error();
  const std::string_view previous = to_text(existing->role);
  existing->role = *role;
  return once_recorded(
      record_change(call, kPermissionChange, org, std::nullopt,
                    {{"change", "team_role_changed"}, {"team", name}, {"from", previous}, {"role", *role_text}}),
      json_response(200, team_view(*existing, *members)));
}

Result<Response> delete_team(Call& call) {
  if (auto checked = check_team_path(call); !checked) return checked.error();
  const auto& org = call.params["org"];
  const auto& name = call.params["team"];
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();
  if (auto deleted = call.accounts().delete_team(org, name); !deleted) return deleted.error();
  return once_recorded(
      record_change(call, kAccountChange, org, std::nullopt, {{"change", "team_deleted"}, {"team", name}}),
      no_content());
}

namespace {

// The organization, team and user of a .../teams/{team}/members/{user} path, once checked and
// once the caller may manage the organization.
struct MemberPath {
  const std::string& org;
  const std::string& team;
  const std::string& user;
};

Result<MemberPath> authorized_member_path(Call& call) {
  if (auto checked = check_team_path(call); !checked) return checked.error();
  const MemberPath path{call.params["org"], call.params["team"], call.params["user"]};
  if (auto checked = check_account_name("user", path.user); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, path.org); !allowed) return allowed.error();
  return path;
}

}  // namespace

Result<Response> put_team_member(Call& call) {
  auto path = authorized_member_path(call);
  if (!path) return path.error();
  const auto& [org, team, user] = *path;
  if (auto added = call.accounts().add_team_member(org, team, user); !added) return added.error();
  return once_recorded(record_change(call, kAccountChange, org, std::nullopt,
                                     {{"change", "team_member_added"}, {"team", team}, {"user", user}}),
                       no_content());
}

Result<Response> delete_team_member(Call& call) {
  auto path = authorized_member_path(call);
  if (!path) return path.error();
  const auto& [org, team, user] = *path;
  auto removed = call.accounts().remove_team_member(org, team, user);
  if (!removed) return removed.error();
  if (!*removed) return make_error(ErrorCode::kNameUnknown, "the user is not a member of the team");
  return once_recorded(record_change(call, kAccountChange, org, std::nullopt,
                                     {{"change", "team_member_removed"}, {"team", team}, {"user", user}}),
                       no_content());
}

}  // namespace pier::api
