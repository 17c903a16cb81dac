// meta/account_store.h: users, organizations, teams, robots, grants, API tokens and the audit log.
//
// The seam between the authenticator/authorizer and the database. It stores accounts and who
// may do what as plain data; it takes no policy decisions (grants_for returns every grant that
// could apply and the authorizer decides). Every method is one transaction; implementations are
// thread-safe. Names passed in are already validated by the caller (user and organization names
// match [a-z0-9][a-z0-9_.-]{1,254}; users and organizations share one namespace of names).
//
// Errors: an unknown user, organization, namespace, team or robot is kNameUnknown; creating
// something whose name is taken is kBadRequest with the message "already exists".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::meta {

enum class UserSource { kLocal, kLdap };
enum class SubjectKind { kUser, kTeam, kRobot };
enum class RepositoryRole { kRead, kWrite, kAdmin };
enum class TeamRole { kMember, kCreator, kAdmin };
enum class ActorKind { kUser, kRobot, kToken, kAnonymous };

struct NewUser {
  std::string name;
  std::string email;
  std::string password_hash;  // PHC string; empty for users who sign in through LDAP
  bool superuser = false;
  UserSource source = UserSource::kLocal;
};

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string password_hash;
  bool superuser = false;
  UserSource source = UserSource::kLocal;
  std::int64_t created_at = 0;
  bool disabled = false;
};

struct Organization {
  std::int64_t id = 0;  // its namespace's id
  std::string name;
  std::int64_t created_at = 0;
};

struct Team {
  std::int64_t id = 0;
  std::string organization;
  std::string name;
  TeamRole role = TeamRole::kMember;
};

struct Robot {
  std::int64_t id = 0;
  std::string namespace_name;
  std::string name;       // short name
  std::string full_name;  // namespace_name + "+" + name
  std::string token_hash;  // hex SHA-256 of the robot's token
  std::string description;
  std::int64_t created_at = 0;
};

// Who a grant is given to: a user, team or robot by id.
struct Subject {
  SubjectKind kind = SubjectKind::kUser;
  std::int64_t id = 0;
  friend bool operator==(const Subject&, const Subject&) = default;
};

struct Permission {
  Subject subject;
  std::string subject_name;  // user name, team name or robot full name
  RepositoryRole role = RepositoryRole::kRead;
};

struct RoleBinding {
  std::string role;  // e.g. "system:image-puller"
  Subject subject;
  std::string subject_name;
};

struct NewApiToken {
  std::string user;  // user name
  std::string name;
  std::string token_hash;  // hex SHA-256 of the token
  std::string scopes;      // space-separated
  std::optional<std::int64_t> expires_at;
};

struct ApiToken {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string user;
  std::string name;
  std::string token_hash;
  std::string scopes;
  std::optional<std::int64_t> expires_at;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> last_used_at;
};

// A web UI sign-in: whose it is and until when it lasts.
struct BrowserSession {
  std::string user;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
};

struct AuditEvent {
  std::int64_t id = 0;  // assigned by append_audit_event
  std::int64_t at = 0;
  std::string actor;
  ActorKind actor_kind = ActorKind::kAnonymous;
  std::string client_address;
  std::string action;  // push, pull, delete, login, login_failed, permission_change, account_change, ...
  std::string namespace_name;
  std::optional<std::string> repository;
  std::string detail = "{}";  // JSON text
};

// Every filter is optional; events come newest first (by id, i.e. in reverse order of appending),
// so `before_id` = the last id of a page gives the next page.
struct AuditQuery {
  std::optional<std::string> namespace_name;
  std::optional<std::string> repository;
  std::optional<std::string> actor;
  std::optional<std::int64_t> from;  // at >= from
  std::optional<std::int64_t> to;    // at < to
  std::optional<std::int64_t> before_id;  // cursor: only events with a smaller id
  std::size_t limit = 100;
};

// A team `grants_for` found: a team of the namespace the user is in, or any team of the user's
// that has a permission on the repository.
struct TeamGrant {
  std::int64_t team_id = 0;
  std::string organization;
  std::string name;
  TeamRole role = TeamRole::kMember;
  std::optional<RepositoryRole> repository_role;  // the team's permission on the repository
  std::vector<std::string> role_bindings;          // roles bound to the team in the namespace
};

// Everything that could grant a principal access to one repository, as stored.
struct Grants {
  bool exists = false;  // false: no such principal (e.g. deleted); everything else is empty
  bool disabled = false;
  bool superuser = false;
  bool owns_namespace = false;  // the namespace is the user's own
  std::optional<RepositoryRole> direct_role;  // permission given to the principal itself
  std::vector<std::string> role_bindings;     // roles bound to the principal in the namespace
  std::vector<TeamGrant> teams;               // only for users
};

// Everything that could let a principal manage one namespace (its teams, robots, default
// permissions and role bindings), as stored. Like Grants, plain data: the authorizer decides.
struct NamespaceGrants {
  bool exists = false;  // false: no such principal; everything else is empty
  bool disabled = false;
  bool superuser = false;
  bool owns_namespace = false;  // the namespace is the user's own (kind "user")
  bool admin_team = false;      // the user is in a team of role admin of this organization
  // Roles bound in the namespace to the principal or to a team the user is in; sorted, each once.
  std::vector<std::string> role_bindings;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Users. Creating a user creates its namespace of the same name.
  virtual Result<User> create_user(const NewUser& user, std::int64_t now) = 0;
  virtual Result<User> get_user(std::string_view name) = 0;
  // Names after `after` in byte order, at most `limit`.
  virtual Result<std::vector<User>> list_users(std::string_view after, std::size_t limit) = 0;
  // Removes the user, its namespace (with its robots, role bindings and default permissions),
  // its team memberships, API tokens and every grant to it or its robots.
  virtual Result<void> delete_user(std::string_view name) = 0;
  // Sets the password and, in the same transaction, ends the user's web UI sessions (begun with
  // the old one), all but the session whose hash is `kept_session_hash` (the one that changed
  // it; empty: none is kept).
  virtual Result<void> set_password_hash(std::string_view name, std::string_view password_hash,
                                         std::string_view kept_session_hash) = 0;
  virtual Result<void> set_superuser(std::string_view name, bool superuser) = 0;
  virtual Result<void> set_disabled(std::string_view name, bool disabled) = 0;

  // Organizations: namespaces of kind org.
  virtual Result<Organization> create_organization(std::string_view name, std::int64_t now) = 0;
  virtual Result<Organization> get_organization(std::string_view name) = 0;
  virtual Result<std::vector<Organization>> list_organizations(std::string_view after, std::size_t limit) = 0;
  // Removes its teams, robots, default permissions, role bindings and their grants.
  virtual Result<void> delete_organization(std::string_view name) = 0;

  // Teams of an organization.
  virtual Result<Team> create_team(std::string_view organization, std::string_view name, TeamRole role) = 0;
  virtual Result<Team> get_team(std::string_view organization, std::string_view name) = 0;
  virtual Result<std::vector<Team>> list_teams(std::string_view organization) = 0;
  // Removes its memberships and every grant to it.
  virtual Result<void> delete_team(std::string_view organization, std::string_view name) = 0;
  virtual Result<void> set_team_role(std::string_view organization, std::string_view name, TeamRole role) = 0;
  // Idempotent.
  virtual Result<void> add_team_member(std::string_view organization, std::string_view team,
                                       std::string_view user) = 0;
  // False if the user was not a member.
  virtual Result<bool> remove_team_member(std::string_view organization, std::string_view team,
                                          std::string_view user) = 0;
  // User names, sorted.
  virtual Result<std::vector<std::string>> list_team_members(std::string_view organization,
                                                             std::string_view team) = 0;
  virtual Result<std::vector<Team>> teams_of_user(std::string_view user) = 0;

  // Robots of a namespace (a user's or an organization's).
  virtual Result<Robot> create_robot(std::string_view namespace_name, std::string_view name,
                                     std::string_view description, std::string_view token_hash,
                                     std::int64_t now) = 0;
  virtual Result<Robot> get_robot(std::string_view namespace_name, std::string_view name) = 0;
  virtual Result<std::vector<Robot>> list_robots(std::string_view namespace_name) = 0;
  virtual Result<void> delete_robot(std::string_view namespace_name, std::string_view name) = 0;
  virtual Result<void> set_robot_token_hash(std::string_view namespace_name, std::string_view name,
                                            std::string_view token_hash) = 0;
  // By "namespace+name"; kNameUnknown if malformed or unknown.
  virtual Result<Robot> find_robot(std::string_view full_name) = 0;

  // Repository permissions: one role per (repository, subject); granting again replaces it.
  // kNameUnknown if the subject does not exist.
  virtual Result<void> grant_permission(std::string_view repository, Subject subject, RepositoryRole role) = 0;
  virtual Result<bool> revoke_permission(std::string_view repository, Subject subject) = 0;
  virtual Result<std::vector<Permission>> list_permissions(std::string_view repository) = 0;

  // Default permissions of an organization, applied by the caller to its new repositories.
  virtual Result<void> set_default_permission(std::string_view organization, Subject subject,
                                              RepositoryRole role) = 0;
  virtual Result<bool> remove_default_permission(std::string_view organization, Subject subject) = 0;
  virtual Result<std::vector<Permission>> list_default_permissions(std::string_view organization) = 0;

  // Role bindings of a namespace (OpenShift style). Adding is idempotent.
  virtual Result<void> add_role_binding(std::string_view namespace_name, std::string_view role,
                                        Subject subject) = 0;
  virtual Result<bool> remove_role_binding(std::string_view namespace_name, std::string_view role,
                                           Subject subject) = 0;
  virtual Result<std::vector<RoleBinding>> list_role_bindings(std::string_view namespace_name) = 0;

  // Repository visibility; a repository never set is private.
  virtual Result<void> set_repository_public(std::string_view repository, bool is_public) = 0;
  virtual Result<bool> is_repository_public(std::string_view repository) = 0;
  // The public repositories whose names sort between `first` and `last`, both included.
  virtual Result<std::vector<std::string>> public_repositories_between(std::string_view first,
                                                                      std::string_view last) = 0;
  // Removes the permissions and visibility of a repository that is deleted; false if it had none.
  virtual Result<bool> forget_repository(std::string_view repository) = 0;

  // API tokens of a user. A token hash is unique ("already exists" otherwise).
  virtual Result<ApiToken> create_api_token(const NewApiToken& token, std::int64_t now) = 0;
  virtual Result<std::vector<ApiToken>> list_api_tokens(std::string_view user) = 0;
  // False if there was no such token.
  virtual Result<bool> delete_api_token(std::int64_t id) = 0;
  // The token with this hash, its last_used_at set to `now` (expiry is the caller's to check).
  virtual Result<std::optional<ApiToken>> use_api_token(std::string_view token_hash, std::int64_t now) = 0;

  // Web UI sessions, by the hex SHA-256 of their secret; a session ends with its user.
  virtual Result<void> create_browser_session(std::string_view session_hash, std::string_view user,
                                              std::int64_t now, std::int64_t expires_at) = 0;
  // The session with this hash, expired or not (expiry is the caller's to check).
  virtual Result<std::optional<BrowserSession>> find_browser_session(std::string_view session_hash) = 0;
  // False if there was no such session.
  virtual Result<bool> delete_browser_session(std::string_view session_hash) = 0;
  // Deletes sessions with expires_at <= now; returns how many.
  virtual Result<std::uint64_t> expire_browser_sessions(std::int64_t now) = 0;

  // Failed sign-ins, for a sign-in throttle that replicas share: one failure at `at`, counted
  // under each of `keys` (opaque to the store).
  virtual Result<void> record_login_failure(const std::vector<std::string>& keys, std::int64_t at) = 0;
  // How many failures under `key` happened at or after `since`.
  virtual Result<std::uint64_t> count_login_failures(std::string_view key, std::int64_t since) = 0;
  // Forgets failures before `cutoff`; returns how many.
  virtual Result<std::uint64_t> expire_login_failures(std::int64_t cutoff) = 0;

  // True when other processes may write the same database (replicas on PostgreSQL): state
  // kept in one process's memory (the sign-in throttle's) must then live in the store.
  virtual bool shared_with_other_processes() const { return false; }

  // The kind of a namespace, "user" or "org"; nullopt if no user or organization has the name.
  virtual Result<std::optional<std::string>> namespace_kind(std::string_view name) = 0;

  // Audit log.
  virtual Result<std::int64_t> append_audit_event(const AuditEvent& event) = 0;
  // Appends all of `events` in one transaction (for writers that batch).
  virtual Result<void> append_audit_events(const std::vector<AuditEvent>& events) = 0;
  virtual Result<std::vector<AuditEvent>> query_audit_events(const AuditQuery& query) = 0;
  // Deletes events with at < cutoff; returns how many.
  virtual Result<std::uint64_t> expire_audit_events(std::int64_t cutoff) = 0;

  // Everything that could grant `subject` access to `repository` in `namespace_name`; a
  // principal that does not exist gets Grants{} (exists == false).
  virtual Result<Grants> grants_for(SubjectKind kind, std::int64_t id, std::string_view repository,
                                    std::string_view namespace_name) = 0;
  // grants_for() for each of several repositories of one namespace, read together.
  virtual Result<std::vector<Grants>> grants_for_each(SubjectKind kind, std::int64_t id,
                                                      const std::vector<std::string>& repositories,
                                                      std::string_view namespace_name) = 0;
  // Everything that could let the principal manage `namespace_name`: the authorizer's read for
  // namespace management. A principal that does not exist gets NamespaceGrants{} (exists ==
  // false); for a namespace that does not exist only exists, disabled and superuser are set.
  virtual Result<NamespaceGrants> namespace_grants_for(SubjectKind kind, std::int64_t id,
                                                       std::string_view namespace_name) = 0;
};

}  // namespace pier::meta
