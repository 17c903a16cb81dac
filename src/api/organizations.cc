// Organizations: POST /api/v1/organizations {name}, DELETE /api/v1/organizations/{org}.
//
// Any user may create an organization; it starts with one team, "owners" (role admin), holding
// its creator, who can therefore manage it from the first moment. Deleting it takes its teams,
// robots, default permissions, role bindings and every grant to them (the repositories' content
// stays, reachable by superusers).
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/views.h"

namespace pier::api {

namespace {

constexpr std::string_view kOwnersTeam = "owners";

// The owners team with the creator in it; on failure the organization is removed again, so a
// name is never left taken by an organization nobody can manage.
Result<meta::Team> add_owners(Call& call, const std::string& organization) {
  auto team = call.accounts().create_team(organization, kOwnersTeam, meta::TeamRole::kAdmin);
  Result<void> added = team ? call.accounts().add_team_member(organization, kOwnersTeam, call.caller.name)
                            : Result<void>(team.error());
  if (!added) {
    (void)call.accounts().delete_organization(organization);
    return added.error();
  }
  return team;
}

}  // namespace

Result<Response> create_organization(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"name"});
  if (!body) return body.error();
  auto name = body->string("name");
  if (!name) return name.error();
  if (auto checked = check_account_name("organization", *name); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kCreateOrganization); !allowed) return allowed.error();

  auto created = call.accounts().create_organization(*name, call.now());
  if (!created) {
    return explain_conflict(created.error(), "a user or organization named " + *name + " already exists");
  }
  auto owners = add_owners(call, *name);
  if (!owners) return owners.error();
  boost::json::array teams;
  teams.emplace_back(team_view(*owners, {call.caller.name}));
  return once_recorded(record_change(call, kAccountChange, *name, std::nullopt,
                                     {{"change", "organization_created"}, {"organization", *name}}),
                       json_response(201, boost::json::object{{"name", *name}, {"teams", std::move(teams)}}));
}

Result<Response> delete_organization(Call& call) {
  const auto& name = call.params["org"];
  if (auto checked = check_account_name("organization", name); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, name); !allowed) return allowed.error();
  if (auto deleted = call.accounts().delete_organization(name); !deleted) return deleted.error();
  return once_recorded(record_change(call, kAccountChange, name, std::nullopt,
                                     {{"change", "organization_deleted"}, {"organization", name}}),
                       no_content());
}

}  // namespace pier::api
