#include "meta/postgres/pg_account_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "meta/account_columns.h"
#include "meta/postgres/pg_database.h"

namespace pier::meta {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::PgError;
using postgres::Rows;

template <class E, std::size_t N>
E from_text(const std::array<std::string_view, N>& names, std::string_view text) {
  if (auto value = enum_of<E>(names, text)) return *value;
  throw PgError("XX001", "unexpected value in account tables: " + std::string(text));
}


// For an UPDATE or DELETE that names its row: nothing changed means nothing had that name.
Result<void> changed_or_unknown(const Rows& changed, std::string_view what) {
  if (changed.affected() == 0) return unknown(what);
  return {};
}

std::optional<std::int64_t> first_integer(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return rows.integer(0, 0);
}

std::optional<std::int64_t> optional_integer(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return rows.integer(row, column);
}

Param optional_param(const std::optional<std::int64_t>& value) { return value ? Param(*value) : Param::null(); }
Param optional_param(const std::optional<std::string>& value) { return value ? Param(*value) : Param::null(); }

// The one row a lookup by name found, made by row(rows, 0); kNameUnknown naming `what` if none.
template <class F>
auto found_row(const Rows& rows, F&& row, std::string_view what) -> Result<decltype(row(rows, 0))> {
  if (rows.empty()) return unknown(what);
  return row(rows, 0);
}

// Every row of `rows`, each made by row(rows, index).
template <class F>
auto each_row(const Rows& rows, F&& row) {
  std::vector<decltype(row(rows, 0))> values;
  values.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) values.push_back(row(rows, i));
  return values;
}

std::string first_text(const Rows& rows, int row) { return rows.text(row, 0); }

// Whether a lookup made inside a write holds the row it finds (FOR KEY SHARE) until commit. A
// replica deleting that user, team, robot or namespace meanwhile then waits for the write, or
// the write finds it already gone: no membership or grant is written for a principal whose
// delete has dropped its grants (grants have no foreign key; the triggers only see committed ones).
enum class Hold { kNothing, kRow };

std::string held(std::string_view sql, Hold hold) {
  return hold == Hold::kRow ? std::string(sql) + " FOR KEY SHARE" : std::string(sql);
}

std::optional<std::int64_t> user_id(Connection& db, std::string_view name, Hold hold = Hold::kNothing) {
  return first_integer(db.query(held("SELECT id FROM users WHERE name = $1", hold), {name}));
}

std::optional<std::int64_t> namespace_id(Connection& db, std::string_view name, Hold hold = Hold::kNothing) {
  return first_integer(db.query(held("SELECT id FROM namespaces WHERE name = $1", hold), {name}));
}

std::optional<std::int64_t> organization_id(Connection& db, std::string_view name, Hold hold = Hold::kNothing) {
  return first_integer(db.query(held("SELECT id FROM namespaces WHERE name = $1 AND kind = 'org'", hold), {name}));
}

// The team named $2 of organization $1.
constexpr std::string_view kTeamId =
    "SELECT t.id FROM teams t JOIN namespaces n ON n.id = t.namespace_id "
    "WHERE n.name = $1 AND n.kind = 'org' AND t.name = $2";

std::optional<std::int64_t> team_id(Connection& db, std::string_view organization, std::string_view name,
                                    Hold hold = Hold::kNothing) {
  return first_integer(db.query(held(kTeamId, hold), {organization, name}));
}

bool subject_exists(Connection& db, Subject subject, Hold hold = Hold::kNothing) {
  const std::string_view sql = subject.kind == SubjectKind::kUser   ? "SELECT 1 FROM users WHERE id = $1"
                               : subject.kind == SubjectKind::kTeam ? "SELECT 1 FROM teams WHERE id = $1"
                                                                    : "SELECT 1 FROM robots WHERE id = $1";
  return !db.query(held(sql, hold), {subject.id}).empty();
}

constexpr std::string_view kInsertAuditEvent =
    "INSERT INTO audit_events (at, actor, actor_kind, client_address, action, namespace, repository, detail) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";

std::int64_t insert_audit_event(Connection& db, const AuditEvent& event) {
  return db
      .query(kInsertAuditEvent,
             {event.at, event.actor, to_text(kActorKinds, event.actor_kind), event.client_address, event.action,
              event.namespace_name, optional_param(event.repository), event.detail})
      .integer(0, 0);
}

// Fills superuser, disabled and owns_namespace of a user's grants; false if no such user.
template <class AnyGrants>
bool read_user_flags(Connection& db, std::int64_t id, std::string_view namespace_name, AnyGrants& grants) {
  auto user = db.query("SELECT superuser, disabled FROM users WHERE id = $1", {id});
  if (user.empty()) return false;
  grants.superuser = user.boolean(0, 0);
  grants.disabled = user.boolean(0, 1);
  grants.owns_namespace =
      !db.query("SELECT 1 FROM namespaces WHERE name = $1 AND kind = 'user' AND owner_user_id = $2", {namespace_name, id})
           .empty();
  return true;
}

// The name of the subject of a grant row (columns subject_kind and subject_id of alias g).
constexpr std::string_view kSubjectName =
    "CASE g.subject_kind "
    "WHEN 'user' THEN (SELECT name FROM users WHERE id = g.subject_id) "
    "WHEN 'team' THEN (SELECT name FROM teams WHERE id = g.subject_id) "
    "ELSE (SELECT n.name || '+' || r.name FROM robots r JOIN namespaces n ON n.id = r.namespace_id "
    "WHERE r.id = g.subject_id) END";

// Kinds and roles are not declared COLLATE "C"; ordered in byte order, as SQLite orders them.
constexpr std::string_view kBySubject = " ORDER BY g.subject_kind COLLATE \"C\", g.subject_id";

constexpr std::string_view kUserColumns =
    "SELECT id, name, email, password_hash, superuser, source, created_at, disabled FROM users ";

User user_row(const Rows& rows, int row) {
  return User{rows.integer(row, 0),
              rows.text(row, 1),
              rows.text(row, 2),
              rows.text(row, 3),
              rows.boolean(row, 4),
              from_text<UserSource>(kSources, rows.text(row, 5)),
              rows.integer(row, 6),
              rows.boolean(row, 7)};
}

constexpr std::string_view kOrganizationColumns = "SELECT id, name, created_at FROM namespaces ";

Organization organization_row(const Rows& rows, int row) {
  return Organization{rows.integer(row, 0), rows.text(row, 1), rows.integer(row, 2)};
}

constexpr std::string_view kTeamColumns =
    "SELECT t.id, n.name, t.name, t.role FROM teams t JOIN namespaces n ON n.id = t.namespace_id ";

Team team_row(const Rows& rows, int row) {
  return Team{rows.integer(row, 0), rows.text(row, 1), rows.text(row, 2),
              from_text<TeamRole>(kTeamRoles, rows.text(row, 3))};
}

Robot make_robot(std::int64_t id, std::string namespace_name, std::string name, std::string token_hash,
                 std::string description, std::int64_t created_at) {
  std::string full_name = namespace_name + "+" + name;
  return Robot{id,           std::move(namespace_name), std::move(name), std::move(full_name), std::move(token_hash),
               std::move(description), created_at};
}

constexpr std::string_view kRobotColumns =
    "SELECT r.id, n.name, r.name, r.token_hash, r.description, r.created_at "
    "FROM robots r JOIN namespaces n ON n.id = r.namespace_id ";

Robot robot_row(const Rows& rows, int row) {
  return make_robot(rows.integer(row, 0), rows.text(row, 1), rows.text(row, 2), rows.text(row, 3), rows.text(row, 4),
                    rows.integer(row, 5));
}

constexpr std::string_view kTokenColumns =
    "SELECT t.id, t.user_id, u.name, t.name, t.token_hash, t.scopes, t.expires_at, t.created_at, t.last_used_at "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id ";

ApiToken token_row(const Rows& rows, int row) {
  return ApiToken{rows.integer(row, 0),        rows.integer(row, 1), rows.text(row, 2),
                  rows.text(row, 3),           rows.text(row, 4),    rows.text(row, 5),
                  optional_integer(rows, row, 6), rows.integer(row, 7), optional_integer(rows, row, 8)};
}

// Columns subject_kind, subject_id, subject name, role.
Permission permission_row(const Rows& rows, int row) {
  return Permission{Subject{from_text<SubjectKind>(kSubjectKinds, rows.text(row, 0)), rows.integer(row, 1)},
                    rows.text(row, 2), from_text<RepositoryRole>(kRepositoryRoles, rows.text(row, 3))};
}

constexpr std::string_view kAuditColumns =
    "SELECT id, at, actor, actor_kind, client_address, action, namespace, repository, detail FROM audit_events ";

AuditEvent audit_row(const Rows& rows, int row) {
  return AuditEvent{rows.integer(row, 0),
                    rows.integer(row, 1),
                    rows.text(row, 2),
                    from_text<ActorKind>(kActorKinds, rows.text(row, 3)),
                    rows.text(row, 4),
                    rows.text(row, 5),
                    rows.text(row, 6),
                    rows.is_null(row, 7) ? std::nullopt : std::optional<std::string>(rows.text(row, 7)),
                    rows.text(row, 8)};
}

// Columns team id, organization, team name, team role; no permission or bindings yet.
TeamGrant team_grant_row(const Rows& rows, int row) {
  return TeamGrant{rows.integer(row, 0), rows.text(row, 1), rows.text(row, 2),
                   from_text<TeamRole>(kTeamRoles, rows.text(row, 3)), std::nullopt, {}};
}

std::vector<std::string> bound_roles(Connection& db, std::string_view namespace_name, SubjectKind kind,
                                     std::int64_t id) {
  return each_row(db.query("SELECT b.role FROM role_bindings b JOIN namespaces n ON n.id = b.namespace_id "
                           "WHERE n.name = $1 AND b.subject_kind = $2 AND b.subject_id = $3 ORDER BY b.role COLLATE \"C\"",
                           {namespace_name, to_text(kSubjectKinds, kind), id}),
                  first_text);
}

TeamBindings team_bindings_in(Connection& db, std::string_view namespace_name) {
  return TeamBindings([&db, namespace_name](std::int64_t team) {
    return bound_roles(db, namespace_name, SubjectKind::kTeam, team);
  });
}

std::optional<RepositoryRole> permission_of(Connection& db, std::string_view repository, SubjectKind kind,
                                            std::int64_t id) {
  auto rows = db.query(
      "SELECT role FROM repository_permissions WHERE repository = $1 AND subject_kind = $2 AND subject_id = $3",
      {repository, to_text(kSubjectKinds, kind), id});
  if (rows.empty()) return std::nullopt;
  return from_text<RepositoryRole>(kRepositoryRoles, rows.text(0, 0));
}

// What a subject holds in a namespace whatever the repository: its account's flags and its
// role bindings there. False when there is no such subject.
bool read_namespace_grants(Connection& db, SubjectKind kind, std::int64_t id, std::string_view namespace_name,
                           Grants& grants) {
  if (kind == SubjectKind::kUser) {
    if (!read_user_flags(db, id, namespace_name, grants)) return false;
  } else if (!subject_exists(db, Subject{kind, id})) {
    return false;
  }
  grants.exists = true;
  grants.role_bindings = bound_roles(db, namespace_name, kind, id);
  return true;
}

// Adds what the subject holds on one repository: its own permission and, for a user, its
// teams (those of the namespace, and any other with a permission on the repository).
void add_repository_grants(Connection& db, SubjectKind kind, std::int64_t id, std::string_view repository,
                           std::string_view namespace_name, Grants& grants) {
  grants.direct_role = permission_of(db, repository, kind, id);
  if (kind != SubjectKind::kUser) return;
  auto teams = db.query(
      "SELECT t.id, n.name, t.name, t.role, p.role FROM team_members m "
      "JOIN teams t ON t.id = m.team_id JOIN namespaces n ON n.id = t.namespace_id "
      "LEFT JOIN repository_permissions p ON p.repository = $1 AND p.subject_kind = 'team' AND p.subject_id = t.id "
      "WHERE m.user_id = $2 AND (n.name = $3 OR p.role IS NOT NULL) ORDER BY t.id",
      {repository, id, namespace_name});
  auto team_bindings = team_bindings_in(db, namespace_name);
  for (int i = 0; i < teams.size(); ++i) {
    auto& team = grants.teams.emplace_back(team_grant_row(teams, i));
    if (!teams.is_null(i, 4)) team.repository_role = from_text<RepositoryRole>(kRepositoryRoles, teams.text(i, 4));
    team.role_bindings = team_bindings.of(team.team_id);
  }
}

// add_repository_grants() for every repository of one namespace in a listing's batch: each
// kind of row is read once for the whole range of names rather than once per repository.
void add_grants_of_each(Connection& db, SubjectKind kind, std::int64_t id,
                        const std::vector<std::string>& repositories, std::string_view namespace_name,
                        std::vector<Grants>& each) {
  if (repositories.empty()) return;
  const auto [first, last] = std::minmax_element(repositories.begin(), repositories.end());
  std::map<std::string, RepositoryRole, std::less<>> own;
  auto own_rows = db.query(
      "SELECT repository, role FROM repository_permissions "
      "WHERE subject_kind = $1 AND subject_id = $2 AND repository BETWEEN $3 AND $4",
      {to_text(kSubjectKinds, kind), id, *first, *last});
  for (int i = 0; i < own_rows.size(); ++i) {
    own.emplace(own_rows.text(i, 0), from_text<RepositoryRole>(kRepositoryRoles, own_rows.text(i, 1)));
  }
  for (std::size_t i = 0; i < repositories.size(); ++i) {
    if (auto role = own.find(repositories[i]); role != own.end()) each[i].direct_role = role->second;
  }
  if (kind != SubjectKind::kUser) return;

  // The user's teams, in id order, and their permissions on the range.
  const auto teams = each_row(
      db.query("SELECT t.id, n.name, t.name, t.role FROM team_members m JOIN teams t ON t.id = m.team_id "
               "JOIN namespaces n ON n.id = t.namespace_id WHERE m.user_id = $1 ORDER BY t.id",
               {id}),
      team_grant_row);
  if (teams.empty()) return;
  std::map<std::pair<std::string, std::int64_t>, RepositoryRole, std::less<>> team_roles;
  auto team_role_rows = db.query(
      "SELECT p.repository, p.subject_id, p.role FROM repository_permissions p "
      "JOIN team_members m ON m.team_id = p.subject_id AND m.user_id = $1 "
      "WHERE p.subject_kind = 'team' AND p.repository BETWEEN $2 AND $3",
      {id, *first, *last});
  for (int i = 0; i < team_role_rows.size(); ++i) {
    team_roles.emplace(std::make_pair(team_role_rows.text(i, 0), team_role_rows.integer(i, 1)),
                       from_text<RepositoryRole>(kRepositoryRoles, team_role_rows.text(i, 2)));
  }
  auto team_bindings = team_bindings_in(db, namespace_name);
  for (std::size_t i = 0; i < repositories.size(); ++i) {
    for (const auto& team : teams) {
      // As add_repository_grants: the namespace's teams, and any other with a permission here.
      const auto role = team_roles.find(std::make_pair(repositories[i], team.team_id));
      if (team.organization != namespace_name && role == team_roles.end()) continue;
      auto& grant = each[i].teams.emplace_back(team);
      if (role != team_roles.end()) grant.repository_role = role->second;
      grant.role_bindings = team_bindings.of(team.team_id);
    }
  }
}

class PostgresAccountStore final : public AccountStore {
 public:
  explicit PostgresAccountStore(const std::string& url) : db_(url, {"account store", true}) {}

  // ---- users

  Result<User> create_user(const NewUser& user, std::int64_t now) override {
    return db_.write<User>([&](Connection& db) -> Result<User> {
      // ON CONFLICT waits for a replica creating the same name, then sees whether it won.
      auto inserted = db.query(
          "INSERT INTO users (name, email, password_hash, superuser, source, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING RETURNING id",
          {user.name, user.email, user.password_hash, user.superuser, to_text(kSources, user.source), now});
      if (inserted.empty()) return already_exists();
      const auto id = inserted.integer(0, 0);
      // An organization has the name: the error rolls the user back.
      if (db.query("INSERT INTO namespaces (name, kind, owner_user_id, created_at) VALUES ($1, 'user', $2, $3) "
                   "ON CONFLICT (name) DO NOTHING",
                   {user.name, id, now})
              .affected() == 0) {
        return already_exists();
      }
      return User{id, user.name, user.email, user.password_hash, user.superuser, user.source, now, false};
    });
  }

  Result<User> get_user(std::string_view name) override {
    return db_.read<User>([&](Connection& db) -> Result<User> {
      return found_row(db.query(std::string(kUserColumns) + "WHERE name = $1", {name}), user_row, "user");
    });
  }

  Result<std::vector<User>> list_users(std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<User>>([&](Connection& db) -> Result<std::vector<User>> {
      return each_row(
          db.query(std::string(kUserColumns) + "WHERE name > $1 ORDER BY name LIMIT $2", {after, std::uint64_t{limit}}),
          user_row);
    });
  }

  Result<void> delete_user(std::string_view name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      // Cascades: namespace (robots, teams, default permissions, role bindings in it), team
      // memberships, tokens, sessions; triggers drop the grants to the user, its robots and teams.
      return changed_or_unknown(db.query("DELETE FROM users WHERE name = $1", {name}), "user");
    });
  }

  Result<void> set_password_hash(std::string_view name, std::string_view password_hash,
                                 std::string_view kept_session_hash) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto id =
          first_integer(db.query("UPDATE users SET password_hash = $1 WHERE name = $2 RETURNING id", {password_hash, name}));
      if (!id) return unknown("user");
      db.query("DELETE FROM browser_sessions WHERE user_id = $1 AND session_hash <> $2", {*id, kept_session_hash});
      return {};
    });
  }

  Result<void> set_superuser(std::string_view name, bool superuser) override {
    return update_user("UPDATE users SET superuser = $1 WHERE name = $2", superuser, name);
  }

  Result<void> set_disabled(std::string_view name, bool disabled) override {
    return update_user("UPDATE users SET disabled = $1 WHERE name = $2", disabled, name);
  }

  // ---- organizations

  Result<Organization> create_organization(std::string_view name, std::int64_t now) override {
    return db_.write<Organization>([&](Connection& db) -> Result<Organization> {
      if (user_id(db, name)) return already_exists();
      // A user being created with the name meanwhile inserts its namespace: the conflict is here.
      const auto id = first_integer(db.query(
          "INSERT INTO namespaces (name, kind, created_at) VALUES ($1, 'org', $2) ON CONFLICT (name) DO NOTHING "
          "RETURNING id",
          {name, now}));
      if (!id) return already_exists();
      return Organization{*id, std::string(name), now};
    });
  }

  Result<Organization> get_organization(std::string_view name) override {
    return db_.read<Organization>([&](Connection& db) -> Result<Organization> {
      return found_row(db.query(std::string(kOrganizationColumns) + "WHERE name = $1 AND kind = 'org'", {name}),
                       organization_row, "organization");
    });
  }

  Result<std::vector<Organization>> list_organizations(std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<Organization>>([&](Connection& db) -> Result<std::vector<Organization>> {
      return each_row(db.query(std::string(kOrganizationColumns) + "WHERE kind = 'org' AND name > $1 ORDER BY name LIMIT $2",
                               {after, std::uint64_t{limit}}),
                      organization_row);
    });
  }

  Result<void> delete_organization(std::string_view name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      return changed_or_unknown(db.query("DELETE FROM namespaces WHERE name = $1 AND kind = 'org'", {name}),
                                "organization");
    });
  }

  // ---- teams

  Result<Team> create_team(std::string_view organization, std::string_view name, TeamRole role) override {
    return db_.write<Team>([&](Connection& db) -> Result<Team> {
      const auto org = organization_id(db, organization, Hold::kRow);
      if (!org) return unknown("organization");
      const auto id = first_integer(db.query(
          "INSERT INTO teams (namespace_id, name, role) VALUES ($1, $2, $3) "
          "ON CONFLICT (namespace_id, name) DO NOTHING RETURNING id",
          {*org, name, to_text(kTeamRoles, role)}));
      if (!id) return already_exists();
      return Team{*id, std::string(organization), std::string(name), role};
    });
  }

  Result<Team> get_team(std::string_view organization, std::string_view name) override {
    return db_.read<Team>([&](Connection& db) -> Result<Team> {
      return found_row(db.query(std::string(kTeamColumns) + "WHERE n.name = $1 AND n.kind = 'org' AND t.name = $2",
                                {organization, name}),
                       team_row, "team");
    });
  }

  Result<std::vector<Team>> list_teams(std::string_view organization) override {
    return db_.read<std::vector<Team>>([&](Connection& db) -> Result<std::vector<Team>> {
      if (!organization_id(db, organization)) return unknown("organization");
      return each_row(db.query(std::string(kTeamColumns) + "WHERE n.name = $1 ORDER BY t.name", {organization}),
                      team_row);
    });
  }

  Result<void> delete_team(std::string_view organization, std::string_view name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      // Cascades to memberships; the trigger drops the team's grants.
      return changed_or_unknown(
          db.query("DELETE FROM teams WHERE id = (" + std::string(kTeamId) + ")", {organization, name}), "team");
    });
  }

  Result<void> set_team_role(std::string_view organization, std::string_view name, TeamRole role) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      return changed_or_unknown(db.query("UPDATE teams SET role = $3 WHERE id = (" + std::string(kTeamId) + ")",
                                         {organization, name, to_text(kTeamRoles, role)}),
                                "team");
    });
  }

  Result<void> add_team_member(std::string_view organization, std::string_view team,
                               std::string_view user) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto t = team_id(db, organization, team, Hold::kRow);
      if (!t) return unknown("team");
      const auto u = user_id(db, user, Hold::kRow);
      if (!u) return unknown("user");
      db.query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", {*t, *u});
      return {};
    });
  }

  Result<bool> remove_team_member(std::string_view organization, std::string_view team,
                                  std::string_view user) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto t = team_id(db, organization, team);
      if (!t) return unknown("team");
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      return db.query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", {*t, *u}).affected() > 0;
    });
  }

  Result<std::vector<std::string>> list_team_members(std::string_view organization, std::string_view team) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      const auto t = team_id(db, organization, team);
      if (!t) return unknown("team");
      return each_row(db.query("SELECT u.name FROM team_members m JOIN users u ON u.id = m.user_id "
                               "WHERE m.team_id = $1 ORDER BY u.name",
                               {*t}),
                      first_text);
    });
  }

  Result<std::vector<Team>> teams_of_user(std::string_view user) override {
    return db_.read<std::vector<Team>>([&](Connection& db) -> Result<std::vector<Team>> {
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      return each_row(db.query(std::string(kTeamColumns) +
                                   "JOIN team_members m ON m.team_id = t.id WHERE m.user_id = $1 ORDER BY n.name, t.name",
                               {*u}),
                      team_row);
    });
  }

  // ---- robots

  Result<Robot> create_robot(std::string_view namespace_name, std::string_view name, std::string_view description,
                             std::string_view token_hash, std::int64_t now) override {
    return db_.write<Robot>([&](Connection& db) -> Result<Robot> {
      const auto ns = namespace_id(db, namespace_name, Hold::kRow);
      if (!ns) return unknown("namespace");
      const auto id = first_integer(db.query(
          "INSERT INTO robots (namespace_id, name, token_hash, description, created_at) VALUES ($1, $2, $3, $4, $5) "
          "ON CONFLICT (namespace_id, name) DO NOTHING RETURNING id",
          {*ns, name, token_hash, description, now}));
      if (!id) return already_exists();
      return make_robot(*id, std::string(namespace_name), std::string(name), std::string(token_hash),
                        std::string(description), now);
    });
  }

  Result<Robot> get_robot(std::string_view namespace_name, std::string_view name) override {
    return db_.read<Robot>([&](Connection& db) -> Result<Robot> {
      return found_row(db.query(std::string(kRobotColumns) + "WHERE n.name = $1 AND r.name = $2", {namespace_name, name}),
                       robot_row, "robot");
    });
  }

  Result<std::vector<Robot>> list_robots(std::string_view namespace_name) override {
    return db_.read<std::vector<Robot>>([&](Connection& db) -> Result<std::vector<Robot>> {
      if (!namespace_id(db, namespace_name)) return unknown("namespace");
      return each_row(db.query(std::string(kRobotColumns) + "WHERE n.name = $1 ORDER BY r.name", {namespace_name}),
                      robot_row);
    });
  }

  Result<void> delete_robot(std::string_view namespace_name, std::string_view name) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      return changed_or_unknown(
          db.query("DELETE FROM robots WHERE namespace_id = (SELECT id FROM namespaces WHERE name = $1) AND name = $2",
                   {namespace_name, name}),
          "robot");
    });
  }

  Result<void> set_robot_token_hash(std::string_view namespace_name, std::string_view name,
                                    std::string_view token_hash) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      return changed_or_unknown(db.query("UPDATE robots SET token_hash = $1 "
                                         "WHERE namespace_id = (SELECT id FROM namespaces WHERE name = $2) AND name = $3",
                                         {token_hash, namespace_name, name}),
                                "robot");
    });
  }

  Result<Robot> find_robot(std::string_view full_name) override {
    const auto plus = full_name.find('+');
    if (plus == std::string_view::npos) return unknown("robot");
    return get_robot(full_name.substr(0, plus), full_name.substr(plus + 1));
  }

  // ---- repository permissions

  Result<void> grant_permission(std::string_view repository, Subject subject, RepositoryRole role) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (!subject_exists(db, subject, Hold::kRow)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.query("INSERT INTO repository_permissions (repository, subject_kind, subject_id, role) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (repository, subject_kind, subject_id) DO UPDATE SET role = excluded.role",
               {repository, to_text(kSubjectKinds, subject.kind), subject.id, to_text(kRepositoryRoles, role)});
      return {};
    });
  }

  Result<bool> revoke_permission(std::string_view repository, Subject subject) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("DELETE FROM repository_permissions WHERE repository = $1 AND subject_kind = $2 AND subject_id = $3",
                      {repository, to_text(kSubjectKinds, subject.kind), subject.id})
                 .affected() > 0;
    });
  }

  Result<std::vector<Permission>> list_permissions(std::string_view repository) override {
    return db_.read<std::vector<Permission>>([&](Connection& db) -> Result<std::vector<Permission>> {
      return each_row(db.query("SELECT g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                                   ", g.role FROM repository_permissions g WHERE g.repository = $1" +
                                   std::string(kBySubject),
                               {repository}),
                      permission_row);
    });
  }

  // ---- default permissions

  Result<void> set_default_permission(std::string_view organization, Subject subject, RepositoryRole role) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto org = organization_id(db, organization, Hold::kRow);
      if (!org) return unknown("organization");
      if (!subject_exists(db, subject, Hold::kRow)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.query("INSERT INTO default_permissions (namespace_id, subject_kind, subject_id, role) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (namespace_id, subject_kind, subject_id) DO UPDATE SET role = excluded.role",
               {*org, to_text(kSubjectKinds, subject.kind), subject.id, to_text(kRepositoryRoles, role)});
      return {};
    });
  }

  Result<bool> remove_default_permission(std::string_view organization, Subject subject) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      return db.query("DELETE FROM default_permissions WHERE namespace_id = $1 AND subject_kind = $2 AND subject_id = $3",
                      {*org, to_text(kSubjectKinds, subject.kind), subject.id})
                 .affected() > 0;
    });
  }

  Result<std::vector<Permission>> list_default_permissions(std::string_view organization) override {
    return db_.read<std::vector<Permission>>([&](Connection& db) -> Result<std::vector<Permission>> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      return each_row(db.query("SELECT g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                                   ", g.role FROM default_permissions g WHERE g.namespace_id = $1" +
                                   std::string(kBySubject),
                               {*org}),
                      permission_row);
    });
  }

  // ---- role bindings

  Result<void> add_role_binding(std::string_view namespace_name, std::string_view role, Subject subject) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto ns = namespace_id(db, namespace_name, Hold::kRow);
      if (!ns) return unknown("namespace");
      if (!subject_exists(db, subject, Hold::kRow)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.query("INSERT INTO role_bindings (namespace_id, role, subject_kind, subject_id) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT DO NOTHING",
               {*ns, role, to_text(kSubjectKinds, subject.kind), subject.id});
      return {};
    });
  }

  Result<bool> remove_role_binding(std::string_view namespace_name, std::string_view role, Subject subject) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      return db.query("DELETE FROM role_bindings WHERE namespace_id = $1 AND role = $2 AND subject_kind = $3 "
                      "AND subject_id = $4",
                      {*ns, role, to_text(kSubjectKinds, subject.kind), subject.id})
                 .affected() > 0;
    });
  }

  Result<std::vector<RoleBinding>> list_role_bindings(std::string_view namespace_name) override {
    return db_.read<std::vector<RoleBinding>>([&](Connection& db) -> Result<std::vector<RoleBinding>> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      return each_row(db.query("SELECT g.role, g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                                   " FROM role_bindings g WHERE g.namespace_id = $1 "
                                   "ORDER BY g.role COLLATE \"C\", g.subject_kind COLLATE \"C\", g.subject_id",
                               {*ns}),
                      [](const Rows& rows, int row) {
                        return RoleBinding{
                            rows.text(row, 0),
                            Subject{from_text<SubjectKind>(kSubjectKinds, rows.text(row, 1)), rows.integer(row, 2)},
                            rows.text(row, 3)};
                      });
    });
  }

  // ---- visibility

  Result<void> set_repository_public(std::string_view repository, bool is_public) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("INSERT INTO repository_visibility (repository, public) VALUES ($1, $2) "
               "ON CONFLICT (repository) DO UPDATE SET public = excluded.public",
               {repository, is_public});
      return {};
    });
  }

  Result<bool> is_repository_public(std::string_view repository) override {
    return db_.read<bool>([&](Connection& db) -> Result<bool> {
      auto rows = db.query("SELECT public FROM repository_visibility WHERE repository = $1", {repository});
      return !rows.empty() && rows.boolean(0, 0);
    });
  }

  Result<std::vector<std::string>> public_repositories_between(std::string_view first,
                                                              std::string_view last) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return each_row(db.query("SELECT repository FROM repository_visibility "
                               "WHERE public AND repository >= $1 AND repository <= $2 ORDER BY repository",
                               {first, last}),
                      first_text);
    });
  }

  Result<bool> forget_repository(std::string_view repository) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto permissions =
          db.query("DELETE FROM repository_permissions WHERE repository = $1", {repository}).affected();
      const auto visibility = db.query("DELETE FROM repository_visibility WHERE repository = $1", {repository}).affected();
      return permissions + visibility > 0;
    });
  }

  // ---- API tokens

  Result<ApiToken> create_api_token(const NewApiToken& token, std::int64_t now) override {
    return db_.write<ApiToken>([&](Connection& db) -> Result<ApiToken> {
      const auto u = user_id(db, token.user, Hold::kRow);
      if (!u) return unknown("user");
      const auto id = first_integer(db.query(
          "INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_hash) DO NOTHING RETURNING id",
          {*u, token.name, token.token_hash, token.scopes, optional_param(token.expires_at), now}));
      if (!id) return already_exists();
      return ApiToken{*id, *u, token.user, token.name, token.token_hash, token.scopes, token.expires_at, now,
                      std::nullopt};
    });
  }

  Result<std::vector<ApiToken>> list_api_tokens(std::string_view user) override {
    return db_.read<std::vector<ApiToken>>([&](Connection& db) -> Result<std::vector<ApiToken>> {
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      return each_row(db.query(std::string(kTokenColumns) + "WHERE t.user_id = $1 ORDER BY t.id", {*u}), token_row);
    });
  }

  Result<bool> delete_api_token(std::int64_t id) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("DELETE FROM api_tokens WHERE id = $1", {id}).affected() > 0;
    });
  }

  Result<std::optional<ApiToken>> use_api_token(std::string_view token_hash, std::int64_t now) override {
    using Found = std::optional<ApiToken>;
    return db_.write<Found>([&](Connection& db) -> Result<Found> {
      db.query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2", {now, token_hash});
      auto rows = db.query(std::string(kTokenColumns) + "WHERE t.token_hash = $1", {token_hash});
      if (rows.empty()) return Found();
      return Found(token_row(rows, 0));
    });
  }

  // ---- browser sessions

  Result<void> create_browser_session(std::string_view session_hash, std::string_view user, std::int64_t now,
                                      std::int64_t expires_at) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto u = user_id(db, user, Hold::kRow);
      if (!u) return unknown("user");
      db.query("INSERT INTO browser_sessions (session_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
               {session_hash, *u, now, expires_at});
      return {};
    });
  }

  Result<std::optional<BrowserSession>> find_browser_session(std::string_view session_hash) override {
    using Found = std::optional<BrowserSession>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto rows = db.query(
          "SELECT u.name, s.created_at, s.expires_at FROM browser_sessions s JOIN users u ON u.id = s.user_id "
          "WHERE s.session_hash = $1",
          {session_hash});
      if (rows.empty()) return Found();
      return Found(BrowserSession{rows.text(0, 0), rows.integer(0, 1), rows.integer(0, 2)});
    });
  }

  Result<bool> delete_browser_session(std::string_view session_hash) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("DELETE FROM browser_sessions WHERE session_hash = $1", {session_hash}).affected() > 0;
    });
  }

  Result<std::uint64_t> expire_browser_sessions(std::int64_t now) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      return static_cast<std::uint64_t>(db.query("DELETE FROM browser_sessions WHERE expires_at <= $1", {now}).affected());
    });
  }

  // ---- sign-in failures

  Result<void> record_login_failure(const std::vector<std::string>& keys, std::int64_t at) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& key : keys) db.query("INSERT INTO login_failures (key, at) VALUES ($1, $2)", {key, at});
      return {};
    });
  }

  Result<std::uint64_t> count_login_failures(std::string_view key, std::int64_t since) override {
    return db_.read<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      return static_cast<std::uint64_t>(
          db.query("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at >= $2", {key, since}).integer(0, 0));
    });
  }

  Result<std::uint64_t> expire_login_failures(std::int64_t cutoff) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      return static_cast<std::uint64_t>(db.query("DELETE FROM login_failures WHERE at < $1", {cutoff}).affected());
    });
  }

  bool shared_with_other_processes() const override { return true; }

  // ---- audit

  Result<std::optional<std::string>> namespace_kind(std::string_view name) override {
    using Found = std::optional<std::string>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto rows = db.query("SELECT kind FROM namespaces WHERE name = $1", {name});
      if (rows.empty()) return Found();
      return Found(rows.text(0, 0));
    });
  }

  Result<std::int64_t> append_audit_event(const AuditEvent& event) override {
    return db_.write<std::int64_t>(
        [&](Connection& db) -> Result<std::int64_t> { return insert_audit_event(db, event); });
  }

  Result<void> append_audit_events(const std::vector<AuditEvent>& events) override {
    if (events.empty()) return {};
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& event : events) insert_audit_event(db, event);
      return {};
    });
  }

  Result<std::vector<AuditEvent>> query_audit_events(const AuditQuery& query) override {
    return db_.read<std::vector<AuditEvent>>([&](Connection& db) -> Result<std::vector<AuditEvent>> {
      return each_row(
          db.query(std::string(kAuditColumns) +
                       "WHERE ($1::text IS NULL OR namespace = $1) AND ($2::text IS NULL OR repository = $2) "
                       "AND ($3::text IS NULL OR actor = $3) AND ($4::bigint IS NULL OR at >= $4) "
                       "AND ($5::bigint IS NULL OR at < $5) AND ($6::bigint IS NULL OR id < $6) "
                       "ORDER BY id DESC LIMIT $7",
                   {optional_param(query.namespace_name), optional_param(query.repository), optional_param(query.actor),
                    optional_param(query.from), optional_param(query.to), optional_param(query.before_id),
                    std::uint64_t{query.limit}}),
          audit_row);
    });
  }

  Result<std::uint64_t> expire_audit_events(std::int64_t cutoff) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      return static_cast<std::uint64_t>(db.query("DELETE FROM audit_events WHERE at < $1", {cutoff}).affected());
    });
  }

  // ---- the authorizer's read

  Result<Grants> grants_for(SubjectKind kind, std::int64_t id, std::string_view repository,
                            std::string_view namespace_name) override {
    return db_.read<Grants>([&](Connection& db) -> Result<Grants> {
      Grants grants;
      if (!read_namespace_grants(db, kind, id, namespace_name, grants)) return grants;
      add_repository_grants(db, kind, id, repository, namespace_name, grants);
      return grants;
    });
  }

  Result<std::vector<Grants>> grants_for_each(SubjectKind kind, std::int64_t id,
                                              const std::vector<std::string>& repositories,
                                              std::string_view namespace_name) override {
    return db_.read<std::vector<Grants>>([&](Connection& db) -> Result<std::vector<Grants>> {
      Grants shared;
      if (!read_namespace_grants(db, kind, id, namespace_name, shared)) {
        return std::vector<Grants>(repositories.size());
      }
      std::vector<Grants> each(repositories.size(), shared);
      add_grants_of_each(db, kind, id, repositories, namespace_name, each);
      return each;
    });
  }

  Result<NamespaceGrants> namespace_grants_for(SubjectKind kind, std::int64_t id,
                                               std::string_view namespace_name) override {
    return db_.read<NamespaceGrants>([&](Connection& db) -> Result<NamespaceGrants> {
      NamespaceGrants grants;
      if (kind == SubjectKind::kUser) {
        if (!read_user_flags(db, id, namespace_name, grants)) return grants;
        grants.admin_team =
            !db.query("SELECT 1 FROM team_members m JOIN teams t ON t.id = m.team_id "
                      "JOIN namespaces n ON n.id = t.namespace_id "
                      "WHERE m.user_id = $1 AND n.name = $2 AND n.kind = 'org' AND t.role = 'admin' LIMIT 1",
                      {id, namespace_name})
                 .empty();
      } else if (!subject_exists(db, Subject{kind, id})) {
        return grants;
      }
      grants.exists = true;
      // The principal's own bindings and, for a user, those of its teams in this namespace.
      grants.role_bindings = each_row(
          db.query("SELECT DISTINCT b.role COLLATE \"C\" FROM role_bindings b JOIN namespaces n ON n.id = b.namespace_id "
                   "WHERE n.name = $1 AND ((b.subject_kind = $2::text AND b.subject_id = $3::bigint) OR "
                   "($2::text = 'user' AND b.subject_kind = 'team' AND "
                   "b.subject_id IN (SELECT team_id FROM team_members WHERE user_id = $3::bigint))) ORDER BY 1",
                   {namespace_name, to_text(kSubjectKinds, kind), id}),
          first_text);
      return grants;
    });
  }

 private:
  Result<void> update_user(std::string_view sql, bool value, std::string_view name) {
    return db_.write<void>(
        [&](Connection& db) -> Result<void> { return changed_or_unknown(db.query(sql, {value, name}), "user"); });
  }

  postgres::Database db_;
};

}  // namespace

std::unique_ptr<AccountStore> open_postgres_account_store(const std::string& url) {
  return std::make_unique<PostgresAccountStore>(url);
}

}  // namespace pier::meta
