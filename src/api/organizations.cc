// Organizations: GET and POST /api/v1/organizations, GET and DELETE /api/v1/organizations/{org}.
//
// Superusers see every organization; anyone else those they are in a team of, and those they
// may manage.
// Any user may create an organization; it starts with one team, "owners" (role admin), holding
// its creator, who can therefore manage it from the first moment. Deleting it takes its teams,
// robots, default permissions, role bindings and every grant to them (the repositories' content
// stays, reachable by superusers).
#include <algorithm>

#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/namespace_content.h"
#include "api/json_body.h"
#include "api/paging.h"
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

boost::json::object organization_view(const meta::Organization& organization) {
  return {{"name", organization.name}, {"created_at", organization.created_at}};
}

// The organizations of the caller's teams after `after`, by name, at most `limit`.
Result<std::vector<meta::Organization>> organizations_of_caller(const Call& call, const Page& page,
                                                                std::size_t limit) {
  auto teams = call.accounts().teams_of_user(call.caller.name);
  if (!teams) return teams.error();
  std::vector<meta::Organization> organizations;
  for (const auto& team : *teams) {  // sorted by organization
    if (team.organization <= page.after) continue;
    if (!organizations.empty() && organizations.back().name == team.organization) continue;
    if (organizations.size() == limit) break;
    auto organization = call.accounts().get_organization(team.organization);
    if (!organization) return organization.error();
    organizations.push_back(std::move(*organization));
  }
  return organizations;
}

}  // namespace

Result<Response> list_organizations(Call& call) {
  auto page = page_of(call.request);
  if (!page) return page.error();
  auto everything = decide(call, auth::NamespaceAction::kAdministerRegistry);
  if (!everything) return everything.error();
  auto organizations = everything->allowed ? call.accounts().list_organizations(page->after, page->limit + 1)
                                           : organizations_of_caller(call, *page, page->limit + 1);
  if (!organizations) return organizations.error();
  return json_response(200, page_body("organizations", *organizations, page->limit,
                                      [](const meta::Organization& o) { return o.name; }, organization_view));
}

Result<Response> get_organization(Call& call) {
  const auto& name = call.params["org"];
  if (auto checked = check_account_name("organization", name); !checked) return checked.error();
  auto manages = decide(call, auth::NamespaceAction::kManage, name);
  if (!manages) return manages.error();
  if (!manages->allowed) {
    auto teams = call.accounts().teams_of_user(call.caller.name);
    if (!teams) return teams.error();
    const bool member = std::any_of(teams->begin(), teams->end(),
                                    [&](const meta::Team& team) { return team.organization == name; });
    if (!member) return make_error(ErrorCode::kDenied, "not allowed to see the organization " + name);
  }
  auto organization = call.accounts().get_organization(name);
  if (!organization) return organization.error();
  auto view = organization_view(*organization);
  view["is_admin"] = manages->allowed;
  return json_response(200, view);
}

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
  auto kind = call.accounts().namespace_kind(name);
  if (!kind) return kind.error();
  if (*kind == "org") {
    if (auto removed = remove_namespace_content(call, name); !removed) return removed.error();
  }
  if (auto deleted = call.accounts().delete_organization(name); !deleted) return deleted.error();
  return once_recorded(record_change(call, kAccountChange, name, std::nullopt,
                                     {{"change", "organization_deleted"}, {"organization", name}}),
                       no_content());
}

}  // namespace pier::api
