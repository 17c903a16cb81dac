#include "auth/authorizer.h"

#include <algorithm>

namespace pier::auth {

using meta::RepositoryRole;

namespace {

int rank(RepositoryRole role) {
  switch (role) {
    case RepositoryRole::kRead: return 1;
    case RepositoryRole::kWrite: return 2;
    case RepositoryRole::kAdmin: return 3;
  }
  return 0;
}

std::string_view role_name(RepositoryRole role) {
  switch (role) {
    case RepositoryRole::kRead: return "read";
    case RepositoryRole::kWrite: return "write";
    case RepositoryRole::kAdmin: return "admin";
  }
  return "?";
}

std::string cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (auto part : parts) s += part;
  return s;
}

Decision allow(std::string why) { return {true, "allowed: " + why}; }
Decision deny(std::string why) { return {false, "denied: " + why}; }

// A role on the repository and the rule that gives it.
struct Source {
  RepositoryRole role;
  std::string why;
};

// The strongest role a token's scopes allow; nullopt if they allow nothing.
std::optional<RepositoryRole> token_cap(const Principal& principal, const meta::Grants& grants) {
  std::optional<RepositoryRole> cap;
  for (const auto& scope : principal.token_scopes) {
    std::optional<RepositoryRole> role;
    if (scope == "repo:read") role = RepositoryRole::kRead;
    else if (scope == "repo:write") role = RepositoryRole::kWrite;
    else if (scope == "repo:admin") role = RepositoryRole::kAdmin;
    else if (scope == "super:user" && grants.superuser) role = RepositoryRole::kAdmin;
    if (role && (!cap || rank(*role) > rank(*cap))) cap = role;
  }
  return cap;
}

void add_bindings(const std::vector<std::string>& bindings, std::string_view holder, std::vector<Source>& sources,
                  std::vector<std::string>& creators) {
  for (const auto& binding : bindings) {
    auto role = role_of_binding(binding);
    if (!role) continue;
    std::string why = cat({holder, "role binding ", binding});
    if (binding == "registry-admin") creators.push_back(why);
    sources.push_back({*role, std::move(why)});
  }
}

bool has_scope(const Principal& principal, std::string_view scope) {
  return std::find(principal.token_scopes.begin(), principal.token_scopes.end(), scope) !=
         principal.token_scopes.end();
}

// Whether a token's scopes let it act for its user on `action`.
bool token_covers(const Principal& principal, NamespaceAction action, const meta::NamespaceGrants& grants) {
  const bool as_superuser = grants.superuser && has_scope(principal, "super:user");
  switch (action) {
    case NamespaceAction::kManage:
    case NamespaceAction::kCreateOrganization: return as_superuser || has_scope(principal, "org:admin");
    case NamespaceAction::kAdministerRegistry: return as_superuser;
    case NamespaceAction::kManageOwnTokens: return false;
  }
  return false;
}

}  // namespace

std::string_view action_name(NamespaceAction action) {
  switch (action) {
    case NamespaceAction::kManage: return "manage the namespace";
    case NamespaceAction::kCreateOrganization: return "create an organization";
    case NamespaceAction::kAdministerRegistry: return "administer the registry";
    case NamespaceAction::kManageOwnTokens: return "manage API tokens";
  }
  return "?";
}

Decision may_use_management_api(const Principal& principal) {
  switch (principal.kind) {
    case PrincipalKind::kUser: return allow("a user");
    case PrincipalKind::kToken: return allow("a user's API token");
    case PrincipalKind::kRobot: return deny("robots may not use the management API");
    case PrincipalKind::kAnonymous: break;
  }
  return deny("anonymous callers may not use the management API");
}

Decision decide_namespace(const Principal& principal, NamespaceAction action, const meta::NamespaceGrants& grants) {
  if (auto admitted = may_use_management_api(principal); !admitted.allowed) return admitted;
  if (!grants.exists) return deny("principal does not exist");
  if (grants.disabled) return deny("principal is disabled");
  const std::string_view name = action_name(action);
  if (principal.kind == PrincipalKind::kToken && !token_covers(principal, action, grants)) {
    return deny(cat({"token scopes do not let it ", name}));
  }
  switch (action) {
    case NamespaceAction::kCreateOrganization: return allow("every user may create an organization");
    case NamespaceAction::kManageOwnTokens: return allow("every user may manage their own API tokens");
    case NamespaceAction::kAdministerRegistry:
      if (grants.superuser) return allow(cat({name, " by superuser"}));
      break;
    case NamespaceAction::kManage:
      if (grants.superuser) return allow(cat({name, " by superuser"}));
      if (grants.owns_namespace) return allow(cat({name, " by owner of the namespace"}));
      if (grants.admin_team) return allow(cat({name, " by team role admin"}));
      if (std::find(grants.role_bindings.begin(), grants.role_bindings.end(), "registry-admin") !=
          grants.role_bindings.end()) {
        return allow(cat({name, " by role binding registry-admin"}));
      }
      break;
  }
  return deny(cat({"no rule lets the principal ", name}));
}

std::string_view action_name(Action action) {
  switch (action) {
    case Action::kPull: return "pull";
    case Action::kPush: return "push";
    case Action::kDelete: return "delete";
    case Action::kList: return "list";
    case Action::kManage: return "manage";
  }
  return "?";
}

std::optional<RepositoryRole> role_of_binding(std::string_view role) {
  if (role == "system:image-puller" || role == "registry-viewer") return RepositoryRole::kRead;
  if (role == "system:image-pusher" || role == "system:image-builder" || role == "registry-editor") {
    return RepositoryRole::kWrite;
  }
  if (role == "registry-admin") return RepositoryRole::kAdmin;
  return std::nullopt;
}

bool role_allows(RepositoryRole role, Action action) {
  switch (action) {
    case Action::kPull:
    case Action::kList: return rank(role) >= rank(RepositoryRole::kRead);
    case Action::kPush: return rank(role) >= rank(RepositoryRole::kWrite);
    case Action::kDelete:
    case Action::kManage: return rank(role) >= rank(RepositoryRole::kAdmin);
  }
  return false;
}

Decision decide(const Principal& principal, Action action, const meta::Grants& grants, bool repository_is_public,
                bool repository_exists, std::string_view repository_namespace_kind,
                std::string_view repository_namespace) {
  const std::string_view name = action_name(action);
  const bool reads = action == Action::kPull || action == Action::kList;

  if (principal.kind == PrincipalKind::kAnonymous) {
    if (reads && repository_is_public && repository_exists) {
      return allow(cat({"anonymous ", name, " of a public repository"}));
    }
    return deny(cat({"anonymous may not ", name, " here"}));
  }
  if (!grants.exists) return deny("principal does not exist");
  if (grants.disabled) return deny("principal is disabled");

  std::optional<RepositoryRole> cap;  // nullopt: not a token, uncapped
  if (principal.kind == PrincipalKind::kToken) {
    cap = token_cap(principal, grants);
    if (!cap) return deny("token has no repository scope");
  }
  const bool robot = principal.kind == PrincipalKind::kRobot;

  std::vector<Source> sources;
  std::vector<std::string> creators;  // rules that allow creating a repository in the namespace
  if (!robot && grants.superuser) {
    sources.push_back({RepositoryRole::kAdmin, "superuser"});
    creators.push_back("superuser");
  }
  if (!robot && grants.owns_namespace && repository_namespace_kind == "user") {
    sources.push_back({RepositoryRole::kAdmin, "owner of the namespace"});
    creators.push_back("owner of the namespace");
  }
  // A write permission given on the repository's own name before it exists is leave to push
  // it into existence.
  const auto add_permission = [&](RepositoryRole role, std::string why) {
    if (rank(role) >= rank(RepositoryRole::kWrite)) creators.push_back(why);
    sources.push_back({role, std::move(why)});
  };
  if (grants.direct_role) {
    add_permission(*grants.direct_role, cat({"repository permission ", role_name(*grants.direct_role)}));
  }
  add_bindings(grants.role_bindings, "", sources, creators);
  if (!robot) {
    for (const auto& team : grants.teams) {
      const std::string holder = cat({"team ", team.organization, "/", team.name, " "});
      if (team.repository_role) {
        add_permission(*team.repository_role, cat({holder, "repository permission ", role_name(*team.repository_role)}));
      }
      const bool of_this_org = repository_namespace_kind == "org" && team.organization == repository_namespace;
      if (of_this_org && team.role == meta::TeamRole::kAdmin) {
        sources.push_back({RepositoryRole::kAdmin, cat({holder, "role admin"})});
        creators.push_back(cat({holder, "role admin"}));
      }
      if (of_this_org && team.role == meta::TeamRole::kCreator) creators.push_back(cat({holder, "role creator"}));
      add_bindings(team.role_bindings, holder, sources, creators);
    }
  }
  if (repository_is_public && repository_exists) sources.push_back({RepositoryRole::kRead, "public repository"});

  if (action == Action::kPush && !repository_exists) {
    if (cap && rank(*cap) < rank(RepositoryRole::kWrite)) return deny("token scope does not allow creating");
    if (!creators.empty()) return allow("create by " + creators.front());
    return deny("no rule allows creating a repository in this namespace");
  }
  for (const auto& source : sources) {
    const RepositoryRole effective = cap && rank(*cap) < rank(source.role) ? *cap : source.role;
    if (role_allows(effective, action)) {
      return allow(cat({name, " by ", source.why, effective != source.role ? " (capped by token scope)" : ""}));
    }
  }
  return deny(cat({"no rule allows ", name}));
}

}  // namespace pier::auth
