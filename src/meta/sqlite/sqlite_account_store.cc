#include "meta/sqlite/sqlite_account_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "meta/account_columns.h"
#include "meta/sqlite/database.h"
#include "meta/sqlite/sqlite_db.h"

namespace pier::meta {

namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::SqliteError;
using sqlite::Statement;

template <class E, std::size_t N>
E from_text(const std::array<std::string_view, N>& names, std::string_view text) {
  if (auto value = enum_of<E>(names, text)) return *value;
  throw SqliteError(SQLITE_CORRUPT, "unexpected value in account tables: " + std::string(text));
}


std::optional<std::int64_t> first_integer(Statement& stmt) {
  if (!stmt.step()) return std::nullopt;
  return stmt.integer(0);
}

std::optional<std::int64_t> optional_integer(const Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  return stmt.integer(column);
}

void bind_optional_integer(Statement& stmt, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind_null(index);
  }
}

void bind_optional_text(Statement& stmt, int index, const std::optional<std::string>& value) {
  if (value) {
    stmt.bind(index, *value);
  } else {
    stmt.bind_null(index);
  }
}

std::optional<std::int64_t> user_id(Connection& db, std::string_view name) {
  auto stmt = db.prepare("SELECT id FROM users WHERE name = ?");
  stmt.bind(1, name);
  return first_integer(stmt);
}

std::optional<std::int64_t> namespace_id(Connection& db, std::string_view name) {
  auto stmt = db.prepare("SELECT id FROM namespaces WHERE name = ?");
  stmt.bind(1, name);
  return first_integer(stmt);
}

std::optional<std::int64_t> organization_id(Connection& db, std::string_view name) {
  auto stmt = db.prepare("SELECT id FROM namespaces WHERE name = ? AND kind = 'org'");
  stmt.bind(1, name);
  return first_integer(stmt);
}

std::optional<std::int64_t> team_id(Connection& db, std::string_view organization, std::string_view name) {
  auto stmt = db.prepare(
      "SELECT t.id FROM teams t JOIN namespaces n ON n.id = t.namespace_id "
      "WHERE n.name = ? AND n.kind = 'org' AND t.name = ?");
  stmt.bind(1, organization).bind(2, name);
  return first_integer(stmt);
}

constexpr std::string_view kInsertAuditEvent =
    "INSERT INTO audit_events (at, actor, actor_kind, client_address, action, namespace, repository, detail) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

Statement& bind_audit_event(Statement& insert, const AuditEvent& event) {
  insert.bind(1, event.at).bind(2, event.actor).bind(3, to_text(kActorKinds, event.actor_kind))
      .bind(4, event.client_address).bind(5, event.action).bind(6, event.namespace_name);
  bind_optional_text(insert, 7, event.repository);
  insert.bind(8, event.detail);
  return insert;
}

// Fills superuser, disabled and owns_namespace of a user's grants; false if no such user.
template <class AnyGrants>
bool read_user_flags(Connection& db, std::int64_t id, std::string_view namespace_name, AnyGrants& grants) {
  auto user = db.prepare("SELECT superuser, disabled FROM users WHERE id = ?");
  user.bind(1, id);
  if (!user.step()) return false;
  grants.superuser = user.integer(0) != 0;
  grants.disabled = user.integer(1) != 0;
  auto owns = db.prepare("SELECT 1 FROM namespaces WHERE name = ? AND kind = 'user' AND owner_user_id = ?");
  owns.bind(1, namespace_name).bind(2, id);
  grants.owns_namespace = owns.step();
  return true;
}

bool subject_exists(Connection& db, Subject subject) {
  auto stmt = db.prepare(subject.kind == SubjectKind::kUser   ? "SELECT 1 FROM users WHERE id = ?"
                         : subject.kind == SubjectKind::kTeam ? "SELECT 1 FROM teams WHERE id = ?"
                                                              : "SELECT 1 FROM robots WHERE id = ?");
  stmt.bind(1, subject.id);
  return stmt.step();
}

// The name of the subject of a grant row (columns subject_kind and subject_id of alias g).
constexpr std::string_view kSubjectName =
    "CASE g.subject_kind "
    "WHEN 'user' THEN (SELECT name FROM users WHERE id = g.subject_id) "
    "WHEN 'team' THEN (SELECT name FROM teams WHERE id = g.subject_id) "
    "ELSE (SELECT n.name || '+' || r.name FROM robots r JOIN namespaces n ON n.id = r.namespace_id "
    "WHERE r.id = g.subject_id) END";

constexpr std::string_view kUserColumns =
    "SELECT id, name, email, password_hash, superuser, source, created_at, disabled FROM users ";

User user_row(const Statement& stmt) {
  return User{stmt.integer(0),
              stmt.text(1),
              stmt.text(2),
              stmt.text(3),
              stmt.integer(4) != 0,
              from_text<UserSource>(kSources, stmt.text(5)),
              stmt.integer(6),
              stmt.integer(7) != 0};
}

constexpr std::string_view kTeamColumns =
    "SELECT t.id, n.name, t.name, t.role FROM teams t JOIN namespaces n ON n.id = t.namespace_id ";

Team team_row(const Statement& stmt) {
  return Team{stmt.integer(0), stmt.text(1), stmt.text(2), from_text<TeamRole>(kTeamRoles, stmt.text(3))};
}

constexpr std::string_view kRobotColumns =
    "SELECT r.id, n.name, r.name, r.token_hash, r.description, r.created_at "
    "FROM robots r JOIN namespaces n ON n.id = r.namespace_id ";

Robot robot_row(const Statement& stmt) {
  Robot robot{stmt.integer(0), stmt.text(1), stmt.text(2), "", stmt.text(3), stmt.text(4), stmt.integer(5)};
  robot.full_name = robot.namespace_name + "+" + robot.name;
  return robot;
}

constexpr std::string_view kTokenColumns =
    "SELECT t.id, t.user_id, u.name, t.name, t.token_hash, t.scopes, t.expires_at, t.created_at, t.last_used_at "
    "FROM api_tokens t JOIN users u ON u.id = t.user_id ";

ApiToken token_row(const Statement& stmt) {
  return ApiToken{stmt.integer(0), stmt.integer(1), stmt.text(2), stmt.text(3), stmt.text(4), stmt.text(5),
                  optional_integer(stmt, 6), stmt.integer(7), optional_integer(stmt, 8)};
}

std::vector<Permission> permission_rows(Statement& stmt) {
  std::vector<Permission> permissions;
  while (stmt.step()) {
    permissions.push_back(Permission{
        Subject{from_text<SubjectKind>(kSubjectKinds, stmt.text(0)), stmt.integer(1)}, stmt.text(2),
        from_text<RepositoryRole>(kRepositoryRoles, stmt.text(3))});
  }
  return permissions;
}

std::vector<std::string> bound_roles(Connection& db, std::string_view namespace_name, SubjectKind kind,
                                     std::int64_t id) {
  auto stmt = db.prepare(
      "SELECT b.role FROM role_bindings b JOIN namespaces n ON n.id = b.namespace_id "
      "WHERE n.name = ? AND b.subject_kind = ? AND b.subject_id = ? ORDER BY b.role");
  stmt.bind(1, namespace_name).bind(2, to_text(kSubjectKinds, kind)).bind(3, id);
  std::vector<std::string> roles;
  while (stmt.step()) roles.push_back(stmt.text(0));
  return roles;
}

TeamBindings team_bindings_in(Connection& db, std::string_view namespace_name) {
  return TeamBindings([&db, namespace_name](std::int64_t team) {
    return bound_roles(db, namespace_name, SubjectKind::kTeam, team);
  });
}

std::optional<RepositoryRole> permission_of(Connection& db, std::string_view repository, SubjectKind kind,
                                            std::int64_t id) {
  auto stmt = db.prepare(
      "SELECT role FROM repository_permissions WHERE repository = ? AND subject_kind = ? AND subject_id = ?");
  stmt.bind(1, repository).bind(2, to_text(kSubjectKinds, kind)).bind(3, id);
  if (!stmt.step()) return std::nullopt;
  return from_text<RepositoryRole>(kRepositoryRoles, stmt.text(0));
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
  auto teams = db.prepare(
      "SELECT t.id, n.name, t.name, t.role, p.role FROM team_members m "
      "JOIN teams t ON t.id = m.team_id JOIN namespaces n ON n.id = t.namespace_id "
      "LEFT JOIN repository_permissions p ON p.repository = ? AND p.subject_kind = 'team' AND p.subject_id = t.id "
      "WHERE m.user_id = ? AND (n.name = ? OR p.role IS NOT NULL) ORDER BY t.id");
  teams.bind(1, repository).bind(2, id).bind(3, namespace_name);
  while (teams.step()) {
    TeamGrant team{teams.integer(0), teams.text(1), teams.text(2), from_text<TeamRole>(kTeamRoles, teams.text(3)),
                   std::nullopt, {}};
    if (!teams.is_null(4)) team.repository_role = from_text<RepositoryRole>(kRepositoryRoles, teams.text(4));
    grants.teams.push_back(std::move(team));
  }
  auto team_bindings = team_bindings_in(db, namespace_name);
  for (auto& team : grants.teams) team.role_bindings = team_bindings.of(team.team_id);
}

// add_repository_grants() for every repository of one namespace in a listing's batch: each
// kind of row is read once for the whole range of names rather than once per repository.
void add_grants_of_each(Connection& db, SubjectKind kind, std::int64_t id,
                        const std::vector<std::string>& repositories, std::string_view namespace_name,
                        std::vector<Grants>& each) {
  if (repositories.empty()) return;
  const auto [first, last] = std::minmax_element(repositories.begin(), repositories.end());
  std::map<std::string, RepositoryRole, std::less<>> own;
  auto own_rows = db.prepare(
      "SELECT repository, role FROM repository_permissions "
      "WHERE subject_kind = ? AND subject_id = ? AND repository BETWEEN ? AND ?");
  own_rows.bind(1, to_text(kSubjectKinds, kind)).bind(2, id).bind(3, *first).bind(4, *last);
  while (own_rows.step()) own.emplace(own_rows.text(0), from_text<RepositoryRole>(kRepositoryRoles, own_rows.text(1)));
  for (std::size_t i = 0; i < repositories.size(); ++i) {
    if (auto role = own.find(repositories[i]); role != own.end()) each[i].direct_role = role->second;
  }
  if (kind != SubjectKind::kUser) return;

  // The user's teams, in id order, and their permissions on the range.
  std::vector<TeamGrant> teams;
  auto team_rows = db.prepare(
      "SELECT t.id, n.name, t.name, t.role FROM team_members m "
      "JOIN teams t ON t.id = m.team_id JOIN namespaces n ON n.id = t.namespace_id WHERE m.user_id = ? ORDER BY t.id");
  team_rows.bind(1, id);
  while (team_rows.step()) {
    teams.push_back(TeamGrant{team_rows.integer(0), team_rows.text(1), team_rows.text(2),
                              from_text<TeamRole>(kTeamRoles, team_rows.text(3)), std::nullopt, {}});
  }
  if (teams.empty()) return;
  std::map<std::pair<std::string, std::int64_t>, RepositoryRole, std::less<>> team_roles;
  auto team_role_rows = db.prepare(
      "SELECT p.repository, p.subject_id, p.role FROM repository_permissions p "
      "JOIN team_members m ON m.team_id = p.subject_id AND m.user_id = ? "
      "WHERE p.subject_kind = 'team' AND p.repository BETWEEN ? AND ?");
  team_role_rows.bind(1, id).bind(2, *first).bind(3, *last);
  while (team_role_rows.step()) {
    team_roles.emplace(std::make_pair(team_role_rows.text(0), team_role_rows.integer(1)),
                       from_text<RepositoryRole>(kRepositoryRoles, team_role_rows.text(2)));
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

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(const std::string& path) : db_(path, {"account store", true}) {}

  // ---- users

  Result<User> create_user(const NewUser& user, std::int64_t now) override {
    return write<User>([&](Connection& db) -> Result<User> {
      if (namespace_id(db, user.name) || user_id(db, user.name)) return already_exists();
      auto insert = db.prepare(
          "INSERT INTO users (name, email, password_hash, superuser, source, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
      insert.bind(1, user.name).bind(2, user.email).bind(3, user.password_hash)
          .bind(4, std::int64_t{user.superuser}).bind(5, to_text(kSources, user.source)).bind(6, now);
      const auto id = *first_integer(insert);
      db.prepare("INSERT INTO namespaces (name, kind, owner_user_id, created_at) VALUES (?, 'user', ?, ?)")
          .bind(1, user.name).bind(2, id).bind(3, now).run();
      return User{id, user.name, user.email, user.password_hash, user.superuser, user.source, now, false};
    });
  }

  Result<User> get_user(std::string_view name) override {
    return read<User>([&](Connection& db) -> Result<User> {
      auto stmt = db.prepare(std::string(kUserColumns) + "WHERE name = ?");
      stmt.bind(1, name);
      if (!stmt.step()) return unknown("user");
      return user_row(stmt);
    });
  }

  Result<std::vector<User>> list_users(std::string_view after, std::size_t limit) override {
    return read<std::vector<User>>([&](Connection& db) -> Result<std::vector<User>> {
      auto stmt = db.prepare(std::string(kUserColumns) + "WHERE name > ? ORDER BY name LIMIT ?");
      stmt.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
      std::vector<User> users;
      while (stmt.step()) users.push_back(user_row(stmt));
      return users;
    });
  }

  Result<void> delete_user(std::string_view name) override {
    return write<void>([&](Connection& db) -> Result<void> {
      // Cascades: namespace (robots, teams, default permissions, role bindings in it), team
      // memberships, tokens; triggers drop the grants to the user, its robots and teams.
      db.prepare("DELETE FROM users WHERE name = ?").bind(1, name).run();
      if (db.changes() == 0) return unknown("user");
      return {};
    });
  }

  Result<void> set_password_hash(std::string_view name, std::string_view password_hash,
                                 std::string_view kept_session_hash) override {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare("UPDATE users SET password_hash = ? WHERE name = ?").bind(1, password_hash).bind(2, name).run();
      if (db.changes() == 0) return unknown("user");
      db.prepare(
            "DELETE FROM browser_sessions WHERE user_id = (SELECT id FROM users WHERE name = ?) AND session_hash <> ?")
          .bind(1, name)
          .bind(2, kept_session_hash)
          .run();
      return {};
    });
  }

  Result<void> set_superuser(std::string_view name, bool superuser) override {
    return update_user("UPDATE users SET superuser = ? WHERE name = ?", std::int64_t{superuser}, name);
  }

  Result<void> set_disabled(std::string_view name, bool disabled) override {
    return update_user("UPDATE users SET disabled = ? WHERE name = ?", std::int64_t{disabled}, name);
  }

  // ---- organizations

  Result<Organization> create_organization(std::string_view name, std::int64_t now) override {
    return write<Organization>([&](Connection& db) -> Result<Organization> {
      if (namespace_id(db, name) || user_id(db, name)) return already_exists();
      auto insert = db.prepare("INSERT INTO namespaces (name, kind, created_at) VALUES (?, 'org', ?) RETURNING id");
      insert.bind(1, name).bind(2, now);
      return Organization{*first_integer(insert), std::string(name), now};
    });
  }

  Result<Organization> get_organization(std::string_view name) override {
    return read<Organization>([&](Connection& db) -> Result<Organization> {
      auto stmt = db.prepare("SELECT id, name, created_at FROM namespaces WHERE name = ? AND kind = 'org'");
      stmt.bind(1, name);
      if (!stmt.step()) return unknown("organization");
      return Organization{stmt.integer(0), stmt.text(1), stmt.integer(2)};
    });
  }

  Result<std::vector<Organization>> list_organizations(std::string_view after, std::size_t limit) override {
    return read<std::vector<Organization>>([&](Connection& db) -> Result<std::vector<Organization>> {
      auto stmt = db.prepare(
          "SELECT id, name, created_at FROM namespaces WHERE kind = 'org' AND name > ? ORDER BY name LIMIT ?");
      stmt.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
      std::vector<Organization> organizations;
      while (stmt.step()) organizations.push_back(Organization{stmt.integer(0), stmt.text(1), stmt.integer(2)});
      return organizations;
    });
  }

  Result<void> delete_organization(std::string_view name) override {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM namespaces WHERE name = ? AND kind = 'org'").bind(1, name).run();
      if (db.changes() == 0) return unknown("organization");
      return {};
    });
  }

  // ---- teams

  Result<Team> create_team(std::string_view organization, std::string_view name, TeamRole role) override {
    return write<Team>([&](Connection& db) -> Result<Team> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      if (team_id(db, organization, name)) return already_exists();
      auto insert = db.prepare("INSERT INTO teams (namespace_id, name, role) VALUES (?, ?, ?) RETURNING id");
      insert.bind(1, *org).bind(2, name).bind(3, to_text(kTeamRoles, role));
      return Team{*first_integer(insert), std::string(organization), std::string(name), role};
    });
  }

  Result<Team> get_team(std::string_view organization, std::string_view name) override {
    return read<Team>([&](Connection& db) -> Result<Team> {
      auto stmt = db.prepare(std::string(kTeamColumns) + "WHERE n.name = ? AND n.kind = 'org' AND t.name = ?");
      stmt.bind(1, organization).bind(2, name);
      if (!stmt.step()) return unknown("team");
      return team_row(stmt);
    });
  }

  Result<std::vector<Team>> list_teams(std::string_view organization) override {
    return read<std::vector<Team>>([&](Connection& db) -> Result<std::vector<Team>> {
      if (!organization_id(db, organization)) return unknown("organization");
      auto stmt = db.prepare(std::string(kTeamColumns) + "WHERE n.name = ? ORDER BY t.name");
      stmt.bind(1, organization);
      std::vector<Team> teams;
      while (stmt.step()) teams.push_back(team_row(stmt));
      return teams;
    });
  }

  Result<void> delete_team(std::string_view organization, std::string_view name) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto team = team_id(db, organization, name);
      if (!team) return unknown("team");
      // Cascades to memberships; the trigger drops the team's grants.
      db.prepare("DELETE FROM teams WHERE id = ?").bind(1, *team).run();
      return {};
    });
  }

  Result<void> set_team_role(std::string_view organization, std::string_view name, TeamRole role) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto team = team_id(db, organization, name);
      if (!team) return unknown("team");
      db.prepare("UPDATE teams SET role = ? WHERE id = ?").bind(1, to_text(kTeamRoles, role)).bind(2, *team).run();
      return {};
    });
  }

  Result<void> add_team_member(std::string_view organization, std::string_view team,
                               std::string_view user) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto t = team_id(db, organization, team);
      if (!t) return unknown("team");
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      db.prepare("INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?, ?)").bind(1, *t).bind(2, *u).run();
      return {};
    });
  }

  Result<bool> remove_team_member(std::string_view organization, std::string_view team,
                                  std::string_view user) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      const auto t = team_id(db, organization, team);
      if (!t) return unknown("team");
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      db.prepare("DELETE FROM team_members WHERE team_id = ? AND user_id = ?").bind(1, *t).bind(2, *u).run();
      return db.changes() > 0;
    });
  }

  Result<std::vector<std::string>> list_team_members(std::string_view organization, std::string_view team) override {
    return read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      const auto t = team_id(db, organization, team);
      if (!t) return unknown("team");
      auto stmt = db.prepare(
          "SELECT u.name FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.name");
      stmt.bind(1, *t);
      std::vector<std::string> members;
      while (stmt.step()) members.push_back(stmt.text(0));
      return members;
    });
  }

  Result<std::vector<Team>> teams_of_user(std::string_view user) override {
    return read<std::vector<Team>>([&](Connection& db) -> Result<std::vector<Team>> {
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      auto stmt = db.prepare(std::string(kTeamColumns) +
                             "JOIN team_members m ON m.team_id = t.id WHERE m.user_id = ? ORDER BY n.name, t.name");
      stmt.bind(1, *u);
      std::vector<Team> teams;
      while (stmt.step()) teams.push_back(team_row(stmt));
      return teams;
    });
  }

  // ---- robots

  Result<Robot> create_robot(std::string_view namespace_name, std::string_view name, std::string_view description,
                             std::string_view token_hash, std::int64_t now) override {
    return write<Robot>([&](Connection& db) -> Result<Robot> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      {
        auto existing = db.prepare("SELECT 1 FROM robots WHERE namespace_id = ? AND name = ?");
        existing.bind(1, *ns).bind(2, name);
        if (existing.step()) return already_exists();
      }
      auto insert = db.prepare(
          "INSERT INTO robots (namespace_id, name, token_hash, description, created_at) VALUES (?, ?, ?, ?, ?) "
          "RETURNING id");
      insert.bind(1, *ns).bind(2, name).bind(3, token_hash).bind(4, description).bind(5, now);
      const auto id = *first_integer(insert);
      return Robot{id,
                   std::string(namespace_name),
                   std::string(name),
                   std::string(namespace_name) + "+" + std::string(name),
                   std::string(token_hash),
                   std::string(description),
                   now};
    });
  }

  Result<Robot> get_robot(std::string_view namespace_name, std::string_view name) override {
    return read<Robot>([&](Connection& db) -> Result<Robot> {
      auto stmt = db.prepare(std::string(kRobotColumns) + "WHERE n.name = ? AND r.name = ?");
      stmt.bind(1, namespace_name).bind(2, name);
      if (!stmt.step()) return unknown("robot");
      return robot_row(stmt);
    });
  }

  Result<std::vector<Robot>> list_robots(std::string_view namespace_name) override {
    return read<std::vector<Robot>>([&](Connection& db) -> Result<std::vector<Robot>> {
      if (!namespace_id(db, namespace_name)) return unknown("namespace");
      auto stmt = db.prepare(std::string(kRobotColumns) + "WHERE n.name = ? ORDER BY r.name");
      stmt.bind(1, namespace_name);
      std::vector<Robot> robots;
      while (stmt.step()) robots.push_back(robot_row(stmt));
      return robots;
    });
  }

  Result<void> delete_robot(std::string_view namespace_name, std::string_view name) override {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM robots WHERE namespace_id = (SELECT id FROM namespaces WHERE name = ?) AND name = ?")
          .bind(1, namespace_name).bind(2, name).run();
      if (db.changes() == 0) return unknown("robot");
      return {};
    });
  }

  Result<void> set_robot_token_hash(std::string_view namespace_name, std::string_view name,
                                    std::string_view token_hash) override {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare("UPDATE robots SET token_hash = ? "
                 "WHERE namespace_id = (SELECT id FROM namespaces WHERE name = ?) AND name = ?")
          .bind(1, token_hash).bind(2, namespace_name).bind(3, name).run();
      if (db.changes() == 0) return unknown("robot");
      return {};
    });
  }

  Result<Robot> find_robot(std::string_view full_name) override {
    const auto plus = full_name.find('+');
    if (plus == std::string_view::npos) return unknown("robot");
    return get_robot(full_name.substr(0, plus), full_name.substr(plus + 1));
  }

  // ---- repository permissions

  Result<void> grant_permission(std::string_view repository, Subject subject, RepositoryRole role) override {
    return write<void>([&](Connection& db) -> Result<void> {
      if (!subject_exists(db, subject)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.prepare("INSERT INTO repository_permissions (repository, subject_kind, subject_id, role) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (repository, subject_kind, subject_id) DO UPDATE SET role = excluded.role")
          .bind(1, repository).bind(2, to_text(kSubjectKinds, subject.kind)).bind(3, subject.id)
          .bind(4, to_text(kRepositoryRoles, role)).run();
      return {};
    });
  }

  Result<bool> revoke_permission(std::string_view repository, Subject subject) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM repository_permissions WHERE repository = ? AND subject_kind = ? AND subject_id = ?")
          .bind(1, repository).bind(2, to_text(kSubjectKinds, subject.kind)).bind(3, subject.id).run();
      return db.changes() > 0;
    });
  }

  Result<std::vector<Permission>> list_permissions(std::string_view repository) override {
    return read<std::vector<Permission>>([&](Connection& db) -> Result<std::vector<Permission>> {
      auto stmt = db.prepare("SELECT g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                             ", g.role FROM repository_permissions g WHERE g.repository = ? "
                             "ORDER BY g.subject_kind, g.subject_id");
      stmt.bind(1, repository);
      return permission_rows(stmt);
    });
  }

  // ---- default permissions

  Result<void> set_default_permission(std::string_view organization, Subject subject, RepositoryRole role) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      if (!subject_exists(db, subject)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.prepare("INSERT INTO default_permissions (namespace_id, subject_kind, subject_id, role) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (namespace_id, subject_kind, subject_id) DO UPDATE SET role = excluded.role")
          .bind(1, *org).bind(2, to_text(kSubjectKinds, subject.kind)).bind(3, subject.id)
          .bind(4, to_text(kRepositoryRoles, role)).run();
      return {};
    });
  }

  Result<bool> remove_default_permission(std::string_view organization, Subject subject) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      db.prepare("DELETE FROM default_permissions WHERE namespace_id = ? AND subject_kind = ? AND subject_id = ?")
          .bind(1, *org).bind(2, to_text(kSubjectKinds, subject.kind)).bind(3, subject.id).run();
      return db.changes() > 0;
    });
  }

  Result<std::vector<Permission>> list_default_permissions(std::string_view organization) override {
    return read<std::vector<Permission>>([&](Connection& db) -> Result<std::vector<Permission>> {
      const auto org = organization_id(db, organization);
      if (!org) return unknown("organization");
      auto stmt = db.prepare("SELECT g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                             ", g.role FROM default_permissions g WHERE g.namespace_id = ? "
                             "ORDER BY g.subject_kind, g.subject_id");
      stmt.bind(1, *org);
      return permission_rows(stmt);
    });
  }

  // ---- role bindings

  Result<void> add_role_binding(std::string_view namespace_name, std::string_view role, Subject subject) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      if (!subject_exists(db, subject)) return unknown(to_text(kSubjectKinds, subject.kind));
      db.prepare("INSERT OR IGNORE INTO role_bindings (namespace_id, role, subject_kind, subject_id) "
                 "VALUES (?, ?, ?, ?)")
          .bind(1, *ns).bind(2, role).bind(3, to_text(kSubjectKinds, subject.kind)).bind(4, subject.id).run();
      return {};
    });
  }

  Result<bool> remove_role_binding(std::string_view namespace_name, std::string_view role, Subject subject) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      db.prepare("DELETE FROM role_bindings WHERE namespace_id = ? AND role = ? AND subject_kind = ? AND subject_id = ?")
          .bind(1, *ns).bind(2, role).bind(3, to_text(kSubjectKinds, subject.kind)).bind(4, subject.id).run();
      return db.changes() > 0;
    });
  }

  Result<std::vector<RoleBinding>> list_role_bindings(std::string_view namespace_name) override {
    return read<std::vector<RoleBinding>>([&](Connection& db) -> Result<std::vector<RoleBinding>> {
      const auto ns = namespace_id(db, namespace_name);
      if (!ns) return unknown("namespace");
      auto stmt = db.prepare("SELECT g.role, g.subject_kind, g.subject_id, " + std::string(kSubjectName) +
                             " FROM role_bindings g WHERE g.namespace_id = ? "
                             "ORDER BY g.role, g.subject_kind, g.subject_id");
      stmt.bind(1, *ns);
      std::vector<RoleBinding> bindings;
      while (stmt.step()) {
        bindings.push_back(RoleBinding{
            stmt.text(0), Subject{from_text<SubjectKind>(kSubjectKinds, stmt.text(1)), stmt.integer(2)},
            stmt.text(3)});
      }
      return bindings;
    });
  }

  // ---- visibility

  Result<void> set_repository_public(std::string_view repository, bool is_public) override {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare("INSERT INTO repository_visibility (repository, public) VALUES (?, ?) "
                 "ON CONFLICT (repository) DO UPDATE SET public = excluded.public")
          .bind(1, repository).bind(2, std::int64_t{is_public}).run();
      return {};
    });
  }

  Result<bool> is_repository_public(std::string_view repository) override {
    return read<bool>([&](Connection& db) -> Result<bool> {
      auto stmt = db.prepare("SELECT public FROM repository_visibility WHERE repository = ?");
      stmt.bind(1, repository);
      return stmt.step() && stmt.integer(0) != 0;
    });
  }

  Result<std::vector<std::string>> public_repositories_between(std::string_view first,
                                                              std::string_view last) override {
    return read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare(
          "SELECT repository FROM repository_visibility WHERE public != 0 AND repository >= ? AND repository <= ? "
          "ORDER BY repository");
      stmt.bind(1, first).bind(2, last);
      std::vector<std::string> names;
      while (stmt.step()) names.push_back(stmt.text(0));
      return names;
    });
  }

  Result<bool> forget_repository(std::string_view repository) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM repository_permissions WHERE repository = ?").bind(1, repository).run();
      const int permissions = db.changes();
      db.prepare("DELETE FROM repository_visibility WHERE repository = ?").bind(1, repository).run();
      return permissions + db.changes() > 0;
    });
  }

  // ---- API tokens

  Result<ApiToken> create_api_token(const NewApiToken& token, std::int64_t now) override {
    return write<ApiToken>([&](Connection& db) -> Result<ApiToken> {
      const auto u = user_id(db, token.user);
      if (!u) return unknown("user");
      {
        auto existing = db.prepare("SELECT 1 FROM api_tokens WHERE token_hash = ?");
        existing.bind(1, token.token_hash);
        if (existing.step()) return already_exists();
      }
      auto insert = db.prepare(
          "INSERT INTO api_tokens (user_id, name, token_hash, scopes, expires_at, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
      insert.bind(1, *u).bind(2, token.name).bind(3, token.token_hash).bind(4, token.scopes);
      bind_optional_integer(insert, 5, token.expires_at);
      insert.bind(6, now);
      const auto id = *first_integer(insert);
      return ApiToken{id, *u, token.user, token.name, token.token_hash, token.scopes, token.expires_at, now,
                      std::nullopt};
    });
  }

  Result<std::vector<ApiToken>> list_api_tokens(std::string_view user) override {
    return read<std::vector<ApiToken>>([&](Connection& db) -> Result<std::vector<ApiToken>> {
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      auto stmt = db.prepare(std::string(kTokenColumns) + "WHERE t.user_id = ? ORDER BY t.id");
      stmt.bind(1, *u);
      std::vector<ApiToken> tokens;
      while (stmt.step()) tokens.push_back(token_row(stmt));
      return tokens;
    });
  }

  Result<bool> delete_api_token(std::int64_t id) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM api_tokens WHERE id = ?").bind(1, id).run();
      return db.changes() > 0;
    });
  }

  Result<std::optional<ApiToken>> use_api_token(std::string_view token_hash, std::int64_t now) override {
    return write<std::optional<ApiToken>>([&](Connection& db) -> Result<std::optional<ApiToken>> {
      db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ?").bind(1, now).bind(2, token_hash).run();
      auto stmt = db.prepare(std::string(kTokenColumns) + "WHERE t.token_hash = ?");
      stmt.bind(1, token_hash);
      if (!stmt.step()) return std::optional<ApiToken>();
      return std::optional<ApiToken>(token_row(stmt));
    });
  }

  // ---- browser sessions

  Result<void> create_browser_session(std::string_view session_hash, std::string_view user, std::int64_t now,
                                      std::int64_t expires_at) override {
    return write<void>([&](Connection& db) -> Result<void> {
      const auto u = user_id(db, user);
      if (!u) return unknown("user");
      db.prepare("INSERT INTO browser_sessions (session_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
          .bind(1, session_hash)
          .bind(2, *u)
          .bind(3, now)
          .bind(4, expires_at)
          .run();
      return {};
    });
  }

  Result<std::optional<BrowserSession>> find_browser_session(std::string_view session_hash) override {
    return read<std::optional<BrowserSession>>([&](Connection& db) -> Result<std::optional<BrowserSession>> {
      auto stmt = db.prepare(
          "SELECT u.name, s.created_at, s.expires_at FROM browser_sessions s JOIN users u ON u.id = s.user_id "
          "WHERE s.session_hash = ?");
      stmt.bind(1, session_hash);
      if (!stmt.step()) return std::optional<BrowserSession>();
      return std::optional<BrowserSession>(BrowserSession{stmt.text(0), stmt.integer(1), stmt.integer(2)});
    });
  }

  Result<bool> delete_browser_session(std::string_view session_hash) override {
    return write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM browser_sessions WHERE session_hash = ?").bind(1, session_hash).run();
      return db.changes() > 0;
    });
  }

  Result<std::uint64_t> expire_browser_sessions(std::int64_t now) override {
    return write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      db.prepare("DELETE FROM browser_sessions WHERE expires_at <= ?").bind(1, now).run();
      return static_cast<std::uint64_t>(db.changes());
    });
  }

  // ---- sign-in failures

  Result<void> record_login_failure(const std::vector<std::string>& keys, std::int64_t at) override {
    return write<void>([&](Connection& db) -> Result<void> {
      for (const auto& key : keys) {
        db.prepare("INSERT INTO login_failures (key, at) VALUES (?, ?)").bind(1, key).bind(2, at).run();
      }
      return {};
    });
  }

  Result<std::uint64_t> count_login_failures(std::string_view key, std::int64_t since) override {
    return read<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      auto stmt = db.prepare("SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?");
      stmt.bind(1, key).bind(2, since);
      stmt.step();
      return static_cast<std::uint64_t>(stmt.integer(0));
    });
  }

  Result<std::uint64_t> expire_login_failures(std::int64_t cutoff) override {
    return write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      db.prepare("DELETE FROM login_failures WHERE at < ?").bind(1, cutoff).run();
      return static_cast<std::uint64_t>(db.changes());
    });
  }

  // ---- audit

  Result<std::optional<std::string>> namespace_kind(std::string_view name) override {
    return read<std::optional<std::string>>([&](Connection& db) -> Result<std::optional<std::string>> {
      auto stmt = db.prepare("SELECT kind FROM namespaces WHERE name = ?");
      stmt.bind(1, name);
      if (!stmt.step()) return std::optional<std::string>();
      return std::optional<std::string>(stmt.text(0));
    });
  }

  Result<std::int64_t> append_audit_event(const AuditEvent& event) override {
    return write<std::int64_t>([&](Connection& db) -> Result<std::int64_t> {
      auto insert = db.prepare(kInsertAuditEvent);
      return *first_integer(bind_audit_event(insert, event));
    });
  }

  Result<void> append_audit_events(const std::vector<AuditEvent>& events) override {
    if (events.empty()) return {};
    return write<void>([&](Connection& db) -> Result<void> {
      for (const auto& event : events) {
        auto insert = db.prepare(kInsertAuditEvent);
        bind_audit_event(insert, event).run();
      }
      return {};
    });
  }

  Result<std::vector<AuditEvent>> query_audit_events(const AuditQuery& query) override {
    return read<std::vector<AuditEvent>>([&](Connection& db) -> Result<std::vector<AuditEvent>> {
      auto stmt = db.prepare(
          "SELECT id, at, actor, actor_kind, client_address, action, namespace, repository, detail "
          "FROM audit_events WHERE (?1 IS NULL OR namespace = ?1) AND (?2 IS NULL OR repository = ?2) "
          "AND (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5) "
          "AND (?6 IS NULL OR id < ?6) ORDER BY id DESC LIMIT ?7");
      bind_optional_text(stmt, 1, query.namespace_name);
      bind_optional_text(stmt, 2, query.repository);
      bind_optional_text(stmt, 3, query.actor);
      bind_optional_integer(stmt, 4, query.from);
      bind_optional_integer(stmt, 5, query.to);
      bind_optional_integer(stmt, 6, query.before_id);
      stmt.bind(7, static_cast<std::int64_t>(query.limit));
      std::vector<AuditEvent> events;
      while (stmt.step()) {
        events.push_back(AuditEvent{stmt.integer(0), stmt.integer(1), stmt.text(2),
                                    from_text<ActorKind>(kActorKinds, stmt.text(3)), stmt.text(4), stmt.text(5),
                                    stmt.text(6),
                                    stmt.is_null(7) ? std::nullopt : std::optional<std::string>(stmt.text(7)),
                                    stmt.text(8)});
      }
      return events;
    });
  }

  Result<std::uint64_t> expire_audit_events(std::int64_t cutoff) override {
    return write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      db.prepare("DELETE FROM audit_events WHERE at < ?").bind(1, cutoff).run();
      return static_cast<std::uint64_t>(db.changes());
    });
  }

  // ---- the authorizer's read

  Result<Grants> grants_for(SubjectKind kind, std::int64_t id, std::string_view repository,
                            std::string_view namespace_name) override {
    return read<Grants>([&](Connection& db) -> Result<Grants> {
      Grants grants;
      if (!read_namespace_grants(db, kind, id, namespace_name, grants)) return grants;
      add_repository_grants(db, kind, id, repository, namespace_name, grants);
      return grants;
    });
  }

  Result<std::vector<Grants>> grants_for_each(SubjectKind kind, std::int64_t id,
                                              const std::vector<std::string>& repositories,
                                              std::string_view namespace_name) override {
    return read<std::vector<Grants>>([&](Connection& db) -> Result<std::vector<Grants>> {
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
    return read<NamespaceGrants>([&](Connection& db) -> Result<NamespaceGrants> {
      NamespaceGrants grants;
      if (kind == SubjectKind::kUser) {
        if (!read_user_flags(db, id, namespace_name, grants)) return grants;
        auto admin = db.prepare(
            "SELECT 1 FROM team_members m JOIN teams t ON t.id = m.team_id JOIN namespaces n ON n.id = t.namespace_id "
            "WHERE m.user_id = ? AND n.name = ? AND n.kind = 'org' AND t.role = 'admin' LIMIT 1");
        admin.bind(1, id).bind(2, namespace_name);
        grants.admin_team = admin.step();
      } else if (!subject_exists(db, Subject{kind, id})) {
        return grants;
      }
      grants.exists = true;
      // The principal's own bindings and, for a user, those of its teams in this namespace.
      auto bindings = db.prepare(
          "SELECT DISTINCT b.role FROM role_bindings b JOIN namespaces n ON n.id = b.namespace_id "
          "WHERE n.name = ?1 AND ((b.subject_kind = ?2 AND b.subject_id = ?3) OR (?2 = 'user' AND "
          "b.subject_kind = 'team' AND b.subject_id IN (SELECT team_id FROM team_members WHERE user_id = ?3))) "
          "ORDER BY b.role");
      bindings.bind(1, namespace_name).bind(2, to_text(kSubjectKinds, kind)).bind(3, id);
      while (bindings.step()) grants.role_bindings.push_back(bindings.text(0));
      return grants;
    });
  }

 private:
  template <class V>
  Result<void> update_user(std::string_view sql, const V& value, std::string_view name) {
    return write<void>([&](Connection& db) -> Result<void> {
      db.prepare(sql).bind(1, value).bind(2, name).run();
      if (db.changes() == 0) return unknown("user");
      return {};
    });
  }

  template <class T, class F>
  Result<T> read(F&& f) {
    return db_.read<T>(std::forward<F>(f));
  }

  template <class T, class F>
  Result<T> write(F&& f) {
    return db_.write<T>(std::forward<F>(f));
  }

  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteAccountStore>(path.string());
}

}  // namespace pier::meta
