// auth/authorizer.h: the authorization policy, one pure function that decides every request.
//
// decide() takes a principal, an action and everything the account store knows about the
// principal and the repository (meta::Grants from AccountStore::grants_for), and answers allow
// or deny with a reason for the audit log. No I/O, no clock, no state: the same inputs always
// give the same answer. Semantics follow Quay (repository permissions, namespace owners, team
// roles, API token scopes, superusers) and OpenShift (role bindings on the namespace), mapped
// onto three repository roles:
//
//   read  => pull, list          write => read + push          admin => write + delete, manage
//
// Sources of a role on an existing repository (deny unless one of them allows the action):
//   - superuser (users and their tokens only): admin everywhere;
//   - owner of a user namespace (grants.owns_namespace, namespace kind "user"): admin;
//   - the principal's own repository permission (grants.direct_role);
//   - role bindings on the namespace, of the principal or of a team it is in:
//       system:image-puller, registry-viewer => read; system:image-pusher, system:image-builder,
//       registry-editor => write; registry-admin => admin; other roles grant nothing;
//   - teams (users only): the team's repository permission; a team of role admin in the
//     repository's own organization is admin on every repository of it; roles member and
//     creator add no access to existing repositories;
//   - a public repository: read, for every principal that authenticated.
// Pushing to a repository that does not exist creates it, allowed only to: superusers, the
// namespace's owner, admin and creator teams of the organization, registry-admin bindings, and
// whoever holds write or admin permission on that repository's name already (given before
// the first push). Robots never get superuser, ownership or team rights. An API token
// (kToken) acts as its user, each role capped by its scopes (max of repo:read => read,
// repo:write => write, repo:admin => admin, super:user => admin if the user is a superuser);
// a token with none of these may do nothing, and creating needs a write cap. Anonymous
// principals may pull and list public repositories and nothing else. Non-existent and
// disabled principals may do nothing.
//
// decide_namespace() is the same for management that is not about one repository
// (NamespaceAction), over meta::NamespaceGrants from AccountStore::namespace_grants_for:
//   - kManage (a namespace's teams, members, robots, default permissions, role bindings and
//     audit log; deleting an organization): superusers, the owner of a user namespace, members
//     of a team of role admin of the organization, and whoever has registry-admin bound in the
//     namespace (directly or through a team);
//   - kCreateOrganization: every user;
//   - kAdministerRegistry (creating and deleting users, the audit log of every namespace):
//     superusers only;
//   - kManageOwnTokens (the caller's own API tokens): every user signed in with a password.
// Robots and anonymous callers may do none of it, and may_use_management_api() keeps them out
// of the management API altogether. An API token acts as its user for kManage and
// kCreateOrganization only with the scope org:admin, for kAdministerRegistry only with
// super:user; super:user also covers the first two for a superuser. A token never manages
// tokens: a leaked token cannot mint itself a successor.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/account_store.h"

namespace pier::auth {

// The scopes an API token may carry and the roles a namespace role binding may name: the
// words the rules above give a meaning (any other grants nothing).
inline constexpr std::array<std::string_view, 5> kTokenScopes = {"repo:read", "repo:write", "repo:admin", "org:admin",
                                                                 "super:user"};
inline constexpr std::array<std::string_view, 6> kBindingRoles = {"system:image-puller", "system:image-pusher",
                                                                  "system:image-builder", "registry-viewer",
                                                                  "registry-editor", "registry-admin"};

// kList: see the repository in the catalog and its tag lists; kManage: change its permissions
// and settings.
enum class Action { kPull, kPush, kDelete, kList, kManage };

// kToken: a user's API token acting for that user, limited by its scopes.
enum class PrincipalKind { kAnonymous, kUser, kRobot, kToken };

struct Principal {
  PrincipalKind kind = PrincipalKind::kAnonymous;
  std::string name;                       // user name, robot full name or token's user
  std::vector<std::string> token_scopes;  // for kToken: "repo:read", "repo:write", "repo:admin",
                                          // "org:admin", "super:user"
};

struct Decision {
  bool allowed = false;
  std::string reason;  // for the audit log: which rule allowed, or that none did; no secrets
};

// `grants` are the principal's grants on the repository (for kToken: its user's; ignored for
// kAnonymous). `repository_namespace_kind` is "user" or "org"; `repository_namespace` is the
// namespace's name, needed because grants.teams may hold teams of other organizations that
// merely have a permission on the repository: only teams of this organization get the
// organization-wide rights of their admin or creator role.
Decision decide(const Principal& principal, Action action, const meta::Grants& grants,
                bool repository_is_public, bool repository_exists,
                std::string_view repository_namespace_kind, std::string_view repository_namespace);

// Management beyond one repository; see decide_namespace above.
enum class NamespaceAction { kManage, kCreateOrganization, kAdministerRegistry, kManageOwnTokens };

// `grants` are the principal's grants on the namespace the action is about (for kToken: its
// user's); for actions that concern no namespace, any namespace's (only the principal's own
// flags matter).
Decision decide_namespace(const Principal& principal, NamespaceAction action, const meta::NamespaceGrants& grants);

// Whether the principal may call the management API at all: users and their API tokens.
Decision may_use_management_api(const Principal& principal);

std::string_view action_name(Action action);
std::string_view action_name(NamespaceAction action);
// The repository role a namespace role binding maps to; nullopt for roles that grant nothing.
std::optional<meta::RepositoryRole> role_of_binding(std::string_view role);
bool role_allows(meta::RepositoryRole role, Action action);

}  // namespace pier::auth
