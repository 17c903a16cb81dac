// One suite for every AccountStore implementation.
#include "meta/account_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "meta/postgres/pg_account_store.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

struct Backend {
  std::string name;
  std::function<std::unique_ptr<AccountStore>(const std::filesystem::path&)> make;
};

void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

class AccountStoreSuite : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { store_ = GetParam().make(dir_.path()); }

  User user(const std::string& name, bool superuser = false) {
    return store_->create_user(NewUser{name, name + "@example.com", "$argon2id$x", superuser, UserSource::kLocal}, 10)
        .value();
  }

  static Subject of(const User& u) { return {SubjectKind::kUser, u.id}; }
  static Subject of(const Team& t) { return {SubjectKind::kTeam, t.id}; }
  static Subject of(const Robot& r) { return {SubjectKind::kRobot, r.id}; }

  testing::TempDir dir_;
  std::unique_ptr<AccountStore> store_;
};

std::vector<std::string> names(const std::vector<User>& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u.name);
  return out;
}

TEST_P(AccountStoreSuite, UsersAndTheirNamespaces) {
  const auto alice = user("alice", true);
  EXPECT_GT(alice.id, 0);
  ASSERT_TRUE(store_->create_user(NewUser{"bob", "", "", false, UserSource::kLdap}, 20));
  const auto got = store_->get_user("alice").value();
  EXPECT_EQ(got.id, alice.id);
  EXPECT_EQ(got.email, "alice@example.com");
  EXPECT_EQ(got.password_hash, "$argon2id$x");
  EXPECT_TRUE(got.superuser);
  EXPECT_EQ(got.source, UserSource::kLocal);
  EXPECT_EQ(got.created_at, 10);
  EXPECT_FALSE(got.disabled);
  EXPECT_EQ(store_->get_user("bob").value().source, UserSource::kLdap);
  EXPECT_EQ(store_->get_user("nobody").error().code, ErrorCode::kNameUnknown);

  const auto dup = store_->create_user(NewUser{"alice", "", "", false, UserSource::kLocal}, 30);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(dup.error().message, "already exists");
  // Users and organizations share names.
  EXPECT_EQ(store_->create_organization("alice", 30).error().code, ErrorCode::kBadRequest);

  EXPECT_EQ(names(store_->list_users("", 10).value()), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(names(store_->list_users("alice", 10).value()), (std::vector<std::string>{"bob"}));
  EXPECT_EQ(names(store_->list_users("", 1).value()), (std::vector<std::string>{"alice"}));

  ASSERT_TRUE(store_->set_password_hash("bob", "$argon2id$new", ""));
  ASSERT_TRUE(store_->set_superuser("alice", false));
  ASSERT_TRUE(store_->set_disabled("bob", true));
  EXPECT_EQ(store_->get_user("bob").value().password_hash, "$argon2id$new");
  EXPECT_FALSE(store_->get_user("alice").value().superuser);
  EXPECT_TRUE(store_->get_user("bob").value().disabled);
  EXPECT_EQ(store_->set_password_hash("nobody", "x", "").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->set_superuser("nobody", true).error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->set_disabled("nobody", true).error().code, ErrorCode::kNameUnknown);

  // A user's namespace holds robots.
  ASSERT_TRUE(store_->create_robot("alice", "ci", "", "h", 1));
  ASSERT_TRUE(store_->delete_user("alice"));
  EXPECT_EQ(store_->get_user("alice").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->find_robot("alice+ci").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->delete_user("alice").error().code, ErrorCode::kNameUnknown);
  // The name is free again.
  EXPECT_TRUE(store_->create_organization("alice", 40));
}

TEST_P(AccountStoreSuite, Organizations) {
  const auto org = store_->create_organization("acme", 5).value();
  ASSERT_TRUE(store_->create_organization("beta", 6));
  EXPECT_EQ(store_->get_organization("acme").value().id, org.id);
  EXPECT_EQ(store_->get_organization("acme").value().created_at, 5);
  EXPECT_EQ(store_->get_organization("nope").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->create_organization("acme", 7).error().message, "already exists");
  EXPECT_EQ(store_->create_user(NewUser{"acme", "", "", false, UserSource::kLocal}, 7).error().code, ErrorCode::kBadRequest);
  user("carol");
  EXPECT_EQ(store_->get_organization("carol").error().code, ErrorCode::kNameUnknown);  // a user, not an org
  const auto orgs = store_->list_organizations("", 10).value();
  ASSERT_EQ(orgs.size(), 2u);
  EXPECT_EQ(orgs[0].name, "acme");
  EXPECT_EQ(store_->list_organizations("acme", 10).value().size(), 1u);
  EXPECT_EQ(store_->delete_organization("carol").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->delete_organization("acme"));
  EXPECT_EQ(store_->delete_organization("acme").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->list_organizations("", 10).value().size(), 1u);
}

TEST_P(AccountStoreSuite, TeamsAndMembers) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  ASSERT_TRUE(store_->create_organization("beta", 1));
  user("alice");
  user("bob");
  const auto devs = store_->create_team("acme", "devs", TeamRole::kMember).value();
  EXPECT_EQ(devs.organization, "acme");
  ASSERT_TRUE(store_->create_team("acme", "owners", TeamRole::kAdmin));
  ASSERT_TRUE(store_->create_team("beta", "devs", TeamRole::kCreator));  // same name, other org
  EXPECT_EQ(store_->create_team("acme", "devs", TeamRole::kAdmin).error().message, "already exists");
  EXPECT_EQ(store_->create_team("nope", "devs", TeamRole::kAdmin).error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->create_team("alice", "devs", TeamRole::kAdmin).error().code, ErrorCode::kNameUnknown);

  EXPECT_EQ(store_->get_team("acme", "devs").value().id, devs.id);
  EXPECT_EQ(store_->get_team("acme", "nope").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->set_team_role("acme", "devs", TeamRole::kCreator));
  EXPECT_EQ(store_->get_team("acme", "devs").value().role, TeamRole::kCreator);
  EXPECT_EQ(store_->set_team_role("acme", "nope", TeamRole::kCreator).error().code, ErrorCode::kNameUnknown);
  const auto teams = store_->list_teams("acme").value();
  ASSERT_EQ(teams.size(), 2u);
  EXPECT_EQ(teams[0].name, "devs");
  EXPECT_EQ(teams[1].role, TeamRole::kAdmin);
  EXPECT_EQ(store_->list_teams("nope").error().code, ErrorCode::kNameUnknown);

  ASSERT_TRUE(store_->add_team_member("acme", "devs", "bob"));
  ASSERT_TRUE(store_->add_team_member("acme", "devs", "alice"));
  ASSERT_TRUE(store_->add_team_member("acme", "devs", "alice"));  // idempotent
  ASSERT_TRUE(store_->add_team_member("beta", "devs", "alice"));
  EXPECT_EQ(store_->add_team_member("acme", "devs", "nobody").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->add_team_member("acme", "nope", "alice").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->list_team_members("acme", "devs").value(), (std::vector<std::string>{"alice", "bob"}));
  const auto of_alice = store_->teams_of_user("alice").value();
  ASSERT_EQ(of_alice.size(), 2u);
  EXPECT_EQ(of_alice[0].organization, "acme");
  EXPECT_EQ(of_alice[1].organization, "beta");
  EXPECT_EQ(store_->teams_of_user("nobody").error().code, ErrorCode::kNameUnknown);

  EXPECT_TRUE(store_->remove_team_member("acme", "devs", "bob").value());
  EXPECT_FALSE(store_->remove_team_member("acme", "devs", "bob").value());
  EXPECT_EQ(store_->list_team_members("acme", "devs").value(), (std::vector<std::string>{"alice"}));

  ASSERT_TRUE(store_->delete_team("acme", "devs"));
  EXPECT_EQ(store_->delete_team("acme", "devs").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->list_team_members("acme", "devs").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->teams_of_user("alice").value().size(), 1u);
  // Deleting an organization deletes its teams.
  ASSERT_TRUE(store_->delete_organization("beta"));
  EXPECT_TRUE(store_->teams_of_user("alice").value().empty());
  // Deleting a user removes its memberships.
  ASSERT_TRUE(store_->add_team_member("acme", "owners", "bob"));
  ASSERT_TRUE(store_->delete_user("bob"));
  EXPECT_TRUE(store_->list_team_members("acme", "owners").value().empty());
}

TEST_P(AccountStoreSuite, Robots) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  const auto robot = store_->create_robot("acme", "deployer", "pushes releases", "aa11", 7).value();
  EXPECT_EQ(robot.full_name, "acme+deployer");
  EXPECT_EQ(store_->create_robot("acme", "deployer", "", "", 8).error().message, "already exists");
  EXPECT_EQ(store_->create_robot("nope", "deployer", "", "", 8).error().code, ErrorCode::kNameUnknown);
  const auto got = store_->get_robot("acme", "deployer").value();
  EXPECT_EQ(got.id, robot.id);
  EXPECT_EQ(got.description, "pushes releases");
  EXPECT_EQ(got.token_hash, "aa11");
  EXPECT_EQ(got.created_at, 7);
  EXPECT_EQ(got.full_name, "acme+deployer");
  ASSERT_TRUE(store_->set_robot_token_hash("acme", "deployer", "bb22"));
  EXPECT_EQ(store_->find_robot("acme+deployer").value().token_hash, "bb22");
  EXPECT_EQ(store_->set_robot_token_hash("acme", "nope", "x").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->find_robot("acme-deployer").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->find_robot("acme+nope").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->create_robot("acme", "builder", "", "", 9));
  const auto robots = store_->list_robots("acme").value();
  ASSERT_EQ(robots.size(), 2u);
  EXPECT_EQ(robots[0].name, "builder");
  EXPECT_EQ(store_->list_robots("nope").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->delete_robot("acme", "deployer"));
  EXPECT_EQ(store_->delete_robot("acme", "deployer").error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->get_robot("acme", "deployer").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->delete_organization("acme"));
  EXPECT_EQ(store_->find_robot("acme+builder").error().code, ErrorCode::kNameUnknown);
}

TEST_P(AccountStoreSuite, RepositoryPermissions) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  const auto alice = user("alice");
  const auto team = store_->create_team("acme", "devs", TeamRole::kMember).value();
  const auto robot = store_->create_robot("acme", "ci", "", "", 1).value();
  ASSERT_TRUE(store_->grant_permission("acme/app", of(alice), RepositoryRole::kRead));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(alice), RepositoryRole::kAdmin));  // replaces
  ASSERT_TRUE(store_->grant_permission("acme/app", of(team), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(robot), RepositoryRole::kRead));
  ASSERT_TRUE(store_->grant_permission("acme/other", of(alice), RepositoryRole::kRead));
  EXPECT_EQ(store_->grant_permission("acme/app", Subject{SubjectKind::kUser, 9999}, RepositoryRole::kRead)
                .error().code,
            ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->grant_permission("acme/app", Subject{SubjectKind::kRobot, 9999}, RepositoryRole::kRead)
                .error().code,
            ErrorCode::kNameUnknown);
  const auto permissions = store_->list_permissions("acme/app").value();
  ASSERT_EQ(permissions.size(), 3u);
  // Ordered by kind text: robot, team, user.
  EXPECT_EQ(permissions[0].subject, of(robot));
  EXPECT_EQ(permissions[0].subject_name, "acme+ci");
  EXPECT_EQ(permissions[1].subject_name, "devs");
  EXPECT_EQ(permissions[1].role, RepositoryRole::kWrite);
  EXPECT_EQ(permissions[2].subject_name, "alice");
  EXPECT_EQ(permissions[2].role, RepositoryRole::kAdmin);
  EXPECT_TRUE(store_->revoke_permission("acme/app", of(robot)).value());
  EXPECT_FALSE(store_->revoke_permission("acme/app", of(robot)).value());
  EXPECT_EQ(store_->list_permissions("acme/app").value().size(), 2u);
  EXPECT_TRUE(store_->list_permissions("nothing").value().empty());
}

TEST_P(AccountStoreSuite, DefaultPermissions) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  const auto alice = user("alice");
  const auto team = store_->create_team("acme", "devs", TeamRole::kMember).value();
  ASSERT_TRUE(store_->set_default_permission("acme", of(team), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->set_default_permission("acme", of(alice), RepositoryRole::kRead));
  ASSERT_TRUE(store_->set_default_permission("acme", of(alice), RepositoryRole::kAdmin));
  EXPECT_EQ(store_->set_default_permission("alice", of(alice), RepositoryRole::kRead).error().code,
            ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->set_default_permission("acme", Subject{SubjectKind::kTeam, 999}, RepositoryRole::kRead)
                .error().code,
            ErrorCode::kNameUnknown);
  auto defaults = store_->list_default_permissions("acme").value();
  ASSERT_EQ(defaults.size(), 2u);
  EXPECT_EQ(defaults[0].subject_name, "devs");
  EXPECT_EQ(defaults[1].role, RepositoryRole::kAdmin);
  EXPECT_TRUE(store_->remove_default_permission("acme", of(alice)).value());
  EXPECT_FALSE(store_->remove_default_permission("acme", of(alice)).value());
  EXPECT_EQ(store_->list_default_permissions("nope").error().code, ErrorCode::kNameUnknown);
  ASSERT_TRUE(store_->delete_team("acme", "devs"));
  EXPECT_TRUE(store_->list_default_permissions("acme").value().empty());
}

TEST_P(AccountStoreSuite, RoleBindings) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  const auto alice = user("alice");
  const auto robot = store_->create_robot("alice", "bot", "", "", 1).value();
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(alice)));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(alice)));  // idempotent
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-pusher", of(robot)));
  ASSERT_TRUE(store_->add_role_binding("alice", "admin", of(robot)));
  EXPECT_EQ(store_->add_role_binding("nope", "admin", of(alice)).error().code, ErrorCode::kNameUnknown);
  EXPECT_EQ(store_->add_role_binding("acme", "admin", Subject{SubjectKind::kUser, 999}).error().code,
            ErrorCode::kNameUnknown);
  const auto bindings = store_->list_role_bindings("acme").value();
  ASSERT_EQ(bindings.size(), 2u);
  EXPECT_EQ(bindings[0].role, "system:image-puller");
  EXPECT_EQ(bindings[0].subject_name, "alice");
  EXPECT_EQ(bindings[1].subject_name, "alice+bot");
  EXPECT_TRUE(store_->remove_role_binding("acme", "system:image-puller", of(alice)).value());
  EXPECT_FALSE(store_->remove_role_binding("acme", "system:image-puller", of(alice)).value());
  EXPECT_EQ(store_->list_role_bindings("nope").error().code, ErrorCode::kNameUnknown);
  // Deleting alice deletes her namespace and robot, and so every binding of either.
  ASSERT_TRUE(store_->delete_user("alice"));
  EXPECT_TRUE(store_->list_role_bindings("acme").value().empty());
}

TEST_P(AccountStoreSuite, RepositoryVisibility) {
  EXPECT_FALSE(store_->is_repository_public("acme/app").value());
  ASSERT_TRUE(store_->set_repository_public("acme/app", true));
  EXPECT_TRUE(store_->is_repository_public("acme/app").value());
  ASSERT_TRUE(store_->set_repository_public("acme/app", false));
  EXPECT_FALSE(store_->is_repository_public("acme/app").value());
  for (const char* name : {"acme/a", "acme/b", "acme/c", "beta/x"}) ASSERT_TRUE(store_->set_repository_public(name, true));
  ASSERT_TRUE(store_->set_repository_public("acme/b", false));
  EXPECT_EQ(store_->public_repositories_between("acme/a", "acme/c").value(), (std::vector<std::string>{"acme/a", "acme/c"}));
  EXPECT_EQ(store_->public_repositories_between("acme/b", "beta/x").value(), (std::vector<std::string>{"acme/c", "beta/x"}));
  EXPECT_TRUE(store_->public_repositories_between("c", "d").value().empty());
}

TEST_P(AccountStoreSuite, ForgettingARepositoryRemovesItsPermissionsAndVisibilityOnly) {
  const auto alice = user("alice");
  ASSERT_TRUE(store_->grant_permission("acme/app", of(alice), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->grant_permission("acme/other", of(alice), RepositoryRole::kRead));
  ASSERT_TRUE(store_->set_repository_public("acme/app", true));
  EXPECT_TRUE(store_->forget_repository("acme/app").value());
  EXPECT_TRUE(store_->list_permissions("acme/app").value().empty());
  EXPECT_FALSE(store_->is_repository_public("acme/app").value());
  EXPECT_EQ(store_->list_permissions("acme/other").value().size(), 1u);
  EXPECT_FALSE(store_->forget_repository("acme/app").value());
  ASSERT_TRUE(store_->set_repository_public("acme/private", false));
  EXPECT_TRUE(store_->forget_repository("acme/private").value());  // a visibility row alone counts
}

TEST_P(AccountStoreSuite, ApiTokens) {
  user("alice");
  const auto token = store_->create_api_token({"alice", "laptop", "hash1", "repo:read repo:write", 500}, 10).value();
  EXPECT_GT(token.id, 0);
  EXPECT_EQ(token.user, "alice");
  ASSERT_TRUE(store_->create_api_token({"alice", "ci", "hash2", "", std::nullopt}, 11));
  EXPECT_EQ(store_->create_api_token({"alice", "again", "hash1", "", std::nullopt}, 12).error().message,
            "already exists");
  EXPECT_EQ(store_->create_api_token({"nobody", "x", "hash3", "", std::nullopt}, 12).error().code,
            ErrorCode::kNameUnknown);
  auto tokens = store_->list_api_tokens("alice").value();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].name, "laptop");
  EXPECT_EQ(tokens[0].scopes, "repo:read repo:write");
  EXPECT_EQ(tokens[0].expires_at, 500);
  EXPECT_EQ(tokens[0].created_at, 10);
  EXPECT_FALSE(tokens[0].last_used_at);
  EXPECT_FALSE(tokens[1].expires_at);
  EXPECT_EQ(store_->list_api_tokens("nobody").error().code, ErrorCode::kNameUnknown);

  const auto used = store_->use_api_token("hash1", 42).value();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->id, token.id);
  EXPECT_EQ(used->last_used_at, 42);
  EXPECT_EQ(store_->list_api_tokens("alice").value()[0].last_used_at, 42);
  EXPECT_FALSE(store_->use_api_token("unknown", 42).value());

  EXPECT_TRUE(store_->delete_api_token(token.id).value());
  EXPECT_FALSE(store_->delete_api_token(token.id).value());
  EXPECT_FALSE(store_->use_api_token("hash1", 43).value());
  ASSERT_TRUE(store_->delete_user("alice"));
  EXPECT_FALSE(store_->use_api_token("hash2", 44).value());
}

TEST_P(AccountStoreSuite, AuditQueriesFiltersAndPages) {
  auto event = [](std::int64_t at, std::string actor, std::string ns, std::optional<std::string> repo,
                  std::string action) {
    return AuditEvent{0, at, std::move(actor), ActorKind::kUser, "10.0.0.1", std::move(action), std::move(ns),
                      std::move(repo), "{\"tag\":\"latest\"}"};
  };
  std::vector<std::int64_t> ids;
  ids.push_back(store_->append_audit_event(event(100, "alice", "acme", "acme/app", "push")).value());
  ids.push_back(store_->append_audit_event(event(200, "bob", "acme", "acme/app", "pull")).value());
  ids.push_back(store_->append_audit_event(event(300, "alice", "acme", "acme/web", "delete")).value());
  ids.push_back(store_->append_audit_event(event(400, "alice", "beta", std::nullopt, "login")).value());
  auto anonymous = event(500, "", "acme", "acme/app", "pull");
  anonymous.actor_kind = ActorKind::kAnonymous;
  ids.push_back(store_->append_audit_event(anonymous).value());
  EXPECT_LT(ids[0], ids[4]);

  auto all = store_->query_audit_events({}).value();
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].id, ids[4]);  // newest first
  EXPECT_EQ(all[0].actor_kind, ActorKind::kAnonymous);
  EXPECT_EQ(all[1].namespace_name, "beta");
  EXPECT_FALSE(all[1].repository);
  EXPECT_EQ(all[4].detail, "{\"tag\":\"latest\"}");
  EXPECT_EQ(all[4].client_address, "10.0.0.1");
  EXPECT_EQ(all[4].action, "push");

  AuditQuery q;
  q.namespace_name = "acme";
  EXPECT_EQ(store_->query_audit_events(q).value().size(), 4u);
  q.repository = "acme/app";
  EXPECT_EQ(store_->query_audit_events(q).value().size(), 3u);
  q.actor = "alice";
  ASSERT_EQ(store_->query_audit_events(q).value().size(), 1u);
  EXPECT_EQ(store_->query_audit_events(q).value()[0].action, "push");

  AuditQuery range;
  range.from = 200;
  range.to = 400;  // [200, 400)
  const auto in_range = store_->query_audit_events(range).value();
  ASSERT_EQ(in_range.size(), 2u);
  EXPECT_EQ(in_range[0].at, 300);
  EXPECT_EQ(in_range[1].at, 200);

  AuditQuery page;
  page.limit = 2;
  auto first = store_->query_audit_events(page).value();
  ASSERT_EQ(first.size(), 2u);
  page.before_id = first.back().id;
  auto second = store_->query_audit_events(page).value();
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].at, 300);
  page.before_id = second.back().id;
  auto third = store_->query_audit_events(page).value();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].at, 100);

  EXPECT_EQ(store_->expire_audit_events(300).value(), 2u);
  EXPECT_EQ(store_->expire_audit_events(300).value(), 0u);
  const auto left = store_->query_audit_events({}).value();
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left.back().at, 300);
}

TEST_P(AccountStoreSuite, GrantsForAUserGatherEverySource) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  ASSERT_TRUE(store_->create_organization("beta", 1));
  const auto alice = user("alice");
  const auto root = user("root", true);
  const auto devs = store_->create_team("acme", "devs", TeamRole::kCreator).value();
  const auto ops = store_->create_team("acme", "ops", TeamRole::kMember).value();
  const auto outsiders = store_->create_team("beta", "outsiders", TeamRole::kAdmin).value();
  const auto unrelated = store_->create_team("beta", "unrelated", TeamRole::kAdmin).value();
  for (const char* team : {"devs", "ops"}) ASSERT_TRUE(store_->add_team_member("acme", team, "alice"));
  for (const char* team : {"outsiders", "unrelated"}) ASSERT_TRUE(store_->add_team_member("beta", team, "alice"));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(alice), RepositoryRole::kRead));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(devs), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(outsiders), RepositoryRole::kRead));
  ASSERT_TRUE(store_->grant_permission("acme/other", of(ops), RepositoryRole::kAdmin));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(alice)));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-pusher", of(ops)));
  ASSERT_TRUE(store_->add_role_binding("beta", "admin", of(alice)));

  auto g = store_->grants_for(SubjectKind::kUser, alice.id, "acme/app", "acme").value();
  EXPECT_TRUE(g.exists);
  EXPECT_FALSE(g.superuser);
  EXPECT_FALSE(g.owns_namespace);
  EXPECT_EQ(g.direct_role, RepositoryRole::kRead);
  EXPECT_EQ(g.role_bindings, (std::vector<std::string>{"system:image-puller"}));
  ASSERT_EQ(g.teams.size(), 3u);  // devs and ops of acme; outsiders has a permission here
  EXPECT_EQ(g.teams[0].team_id, devs.id);
  EXPECT_EQ(g.teams[0].role, TeamRole::kCreator);
  EXPECT_EQ(g.teams[0].repository_role, RepositoryRole::kWrite);
  EXPECT_TRUE(g.teams[0].role_bindings.empty());
  EXPECT_EQ(g.teams[1].team_id, ops.id);
  EXPECT_FALSE(g.teams[1].repository_role);
  EXPECT_EQ(g.teams[1].role_bindings, (std::vector<std::string>{"system:image-pusher"}));
  EXPECT_EQ(g.teams[2].team_id, outsiders.id);
  EXPECT_EQ(g.teams[2].organization, "beta");
  EXPECT_EQ(g.teams[2].repository_role, RepositoryRole::kRead);
  (void)unrelated;

  auto own = store_->grants_for(SubjectKind::kUser, alice.id, "alice/private", "alice").value();
  EXPECT_TRUE(own.owns_namespace);
  EXPECT_FALSE(own.direct_role);
  EXPECT_TRUE(own.teams.empty());
  EXPECT_FALSE(store_->grants_for(SubjectKind::kUser, root.id, "alice/private", "alice").value().owns_namespace);
  EXPECT_TRUE(store_->grants_for(SubjectKind::kUser, root.id, "alice/private", "alice").value().superuser);
  ASSERT_TRUE(store_->set_disabled("alice", true));
  EXPECT_TRUE(store_->grants_for(SubjectKind::kUser, alice.id, "acme/app", "acme").value().disabled);

  // Teams and robots as principals.
  auto team = store_->grants_for(SubjectKind::kTeam, ops.id, "acme/other", "acme").value();
  EXPECT_TRUE(team.exists);
  EXPECT_EQ(team.direct_role, RepositoryRole::kAdmin);
  EXPECT_EQ(team.role_bindings, (std::vector<std::string>{"system:image-pusher"}));
  const auto robot = store_->create_robot("acme", "ci", "", "", 1).value();
  ASSERT_TRUE(store_->grant_permission("acme/app", of(robot), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-builder", of(robot)));
  auto r = store_->grants_for(SubjectKind::kRobot, robot.id, "acme/app", "acme").value();
  EXPECT_TRUE(r.exists);
  EXPECT_EQ(r.direct_role, RepositoryRole::kWrite);
  EXPECT_EQ(r.role_bindings, (std::vector<std::string>{"system:image-builder"}));
  EXPECT_FALSE(store_->grants_for(SubjectKind::kRobot, 9999, "acme/app", "acme").value().exists);

  // Read together for a listing, each repository's grants are the ones read alone.
  const std::vector<std::string> batch = {"acme/other", "acme/app", "acme/b", "acme/zz"};
  for (const Subject subject : {of(alice), of(ops), of(devs), of(robot), Subject{SubjectKind::kUser, 9999}}) {
    const auto each = store_->grants_for_each(subject.kind, subject.id, batch, "acme").value();
    ASSERT_EQ(each.size(), batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto alone = store_->grants_for(subject.kind, subject.id, batch[i], "acme").value();
      SCOPED_TRACE(batch[i] + " for subject " + std::to_string(subject.id));
      EXPECT_EQ(each[i].exists, alone.exists);
      EXPECT_EQ(each[i].disabled, alone.disabled);
      EXPECT_EQ(each[i].direct_role, alone.direct_role);
      EXPECT_EQ(each[i].role_bindings, alone.role_bindings);
      ASSERT_EQ(each[i].teams.size(), alone.teams.size());
      for (std::size_t t = 0; t < alone.teams.size(); ++t) {
        EXPECT_EQ(each[i].teams[t].team_id, alone.teams[t].team_id);
        EXPECT_EQ(each[i].teams[t].organization, alone.teams[t].organization);
        EXPECT_EQ(each[i].teams[t].name, alone.teams[t].name);
        EXPECT_EQ(each[i].teams[t].role, alone.teams[t].role);
        EXPECT_EQ(each[i].teams[t].repository_role, alone.teams[t].repository_role);
        EXPECT_EQ(each[i].teams[t].role_bindings, alone.teams[t].role_bindings);
      }
    }
  }
}

TEST_P(AccountStoreSuite, NamespaceGrantsGatherOwnershipAdminTeamsAndBindings) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  ASSERT_TRUE(store_->create_organization("beta", 1));
  const auto alice = user("alice");
  const auto bob = user("bob");
  const auto root = user("root", true);
  ASSERT_TRUE(store_->create_team("acme", "owners", TeamRole::kAdmin));
  const auto devs = store_->create_team("acme", "devs", TeamRole::kCreator).value();
  const auto ops = store_->create_team("beta", "ops", TeamRole::kMember).value();
  ASSERT_TRUE(store_->add_team_member("acme", "owners", "alice"));
  ASSERT_TRUE(store_->add_team_member("acme", "devs", "bob"));
  ASSERT_TRUE(store_->add_team_member("beta", "ops", "bob"));
  ASSERT_TRUE(store_->add_role_binding("acme", "registry-viewer", of(bob)));
  ASSERT_TRUE(store_->add_role_binding("acme", "registry-admin", of(devs)));
  ASSERT_TRUE(store_->add_role_binding("acme", "registry-viewer", of(devs)));  // the same role twice
  ASSERT_TRUE(store_->add_role_binding("beta", "registry-admin", of(alice)));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(ops)));  // a foreign team, bound here

  const auto a = store_->namespace_grants_for(SubjectKind::kUser, alice.id, "acme").value();
  EXPECT_TRUE(a.exists);
  EXPECT_FALSE(a.disabled);
  EXPECT_FALSE(a.superuser);
  EXPECT_FALSE(a.owns_namespace);
  EXPECT_TRUE(a.admin_team);
  EXPECT_TRUE(a.role_bindings.empty());  // her binding is in beta

  const auto b = store_->namespace_grants_for(SubjectKind::kUser, bob.id, "acme").value();
  EXPECT_FALSE(b.admin_team);  // devs is a creator team
  EXPECT_EQ(b.role_bindings, (std::vector<std::string>{"registry-admin", "registry-viewer", "system:image-puller"}));
  const auto b_beta = store_->namespace_grants_for(SubjectKind::kUser, bob.id, "beta").value();
  EXPECT_FALSE(b_beta.admin_team);
  EXPECT_TRUE(b_beta.role_bindings.empty());

  // The user's own namespace; admin teams count only in organizations.
  const auto own = store_->namespace_grants_for(SubjectKind::kUser, alice.id, "alice").value();
  EXPECT_TRUE(own.owns_namespace);
  EXPECT_FALSE(own.admin_team);
  EXPECT_FALSE(store_->namespace_grants_for(SubjectKind::kUser, bob.id, "alice").value().owns_namespace);

  const auto r = store_->namespace_grants_for(SubjectKind::kUser, root.id, "nowhere").value();
  EXPECT_TRUE(r.exists);
  EXPECT_TRUE(r.superuser);
  EXPECT_FALSE(r.owns_namespace);
  EXPECT_TRUE(r.role_bindings.empty());

  ASSERT_TRUE(store_->set_disabled("alice", true));
  EXPECT_TRUE(store_->namespace_grants_for(SubjectKind::kUser, alice.id, "acme").value().disabled);

  // Robots and teams have their own bindings only.
  const auto robot = store_->create_robot("acme", "ci", "", "", 1).value();
  ASSERT_TRUE(store_->add_role_binding("acme", "registry-admin", of(robot)));
  const auto rb = store_->namespace_grants_for(SubjectKind::kRobot, robot.id, "acme").value();
  EXPECT_TRUE(rb.exists);
  EXPECT_FALSE(rb.admin_team);
  EXPECT_EQ(rb.role_bindings, (std::vector<std::string>{"registry-admin"}));
  EXPECT_EQ(store_->namespace_grants_for(SubjectKind::kTeam, devs.id, "acme").value().role_bindings,
            (std::vector<std::string>{"registry-admin", "registry-viewer"}));

  // Principals that do not exist, and grants that go with a deleted team.
  EXPECT_FALSE(store_->namespace_grants_for(SubjectKind::kUser, 9999, "acme").value().exists);
  EXPECT_FALSE(store_->namespace_grants_for(SubjectKind::kRobot, 9999, "acme").value().exists);
  ASSERT_TRUE(store_->delete_team("acme", "owners"));
  ASSERT_TRUE(store_->delete_team("acme", "devs"));
  EXPECT_FALSE(store_->namespace_grants_for(SubjectKind::kUser, alice.id, "acme").value().admin_team);
  EXPECT_EQ(store_->namespace_grants_for(SubjectKind::kUser, bob.id, "acme").value().role_bindings,
            (std::vector<std::string>{"registry-viewer", "system:image-puller"}));
}

TEST_P(AccountStoreSuite, DeletingPrincipalsRemovesTheirGrantsAtOnce) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  const auto alice = user("alice");
  const auto devs = store_->create_team("acme", "devs", TeamRole::kAdmin).value();
  ASSERT_TRUE(store_->add_team_member("acme", "devs", "alice"));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(devs), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(devs)));
  ASSERT_TRUE(store_->set_default_permission("acme", of(devs), RepositoryRole::kRead));

  ASSERT_TRUE(store_->delete_team("acme", "devs"));
  auto g = store_->grants_for(SubjectKind::kUser, alice.id, "acme/app", "acme").value();
  EXPECT_TRUE(g.teams.empty());
  EXPECT_FALSE(store_->grants_for(SubjectKind::kTeam, devs.id, "acme/app", "acme").value().exists);
  EXPECT_TRUE(store_->list_permissions("acme/app").value().empty());
  EXPECT_TRUE(store_->list_role_bindings("acme").value().empty());
  EXPECT_TRUE(store_->list_default_permissions("acme").value().empty());

  const auto robot = store_->create_robot("alice", "bot", "", "", 1).value();
  ASSERT_TRUE(store_->grant_permission("acme/app", of(alice), RepositoryRole::kAdmin));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(robot), RepositoryRole::kRead));
  ASSERT_TRUE(store_->add_role_binding("acme", "system:image-puller", of(alice)));
  ASSERT_TRUE(store_->set_default_permission("acme", of(robot), RepositoryRole::kRead));
  ASSERT_TRUE(store_->delete_user("alice"));
  auto gone = store_->grants_for(SubjectKind::kUser, alice.id, "acme/app", "acme").value();
  EXPECT_FALSE(gone.exists);
  EXPECT_FALSE(gone.direct_role);
  EXPECT_TRUE(gone.role_bindings.empty());
  EXPECT_FALSE(store_->grants_for(SubjectKind::kRobot, robot.id, "acme/app", "acme").value().exists);
  EXPECT_TRUE(store_->list_permissions("acme/app").value().empty());
  EXPECT_TRUE(store_->list_role_bindings("acme").value().empty());
  EXPECT_TRUE(store_->list_default_permissions("acme").value().empty());

  // An organization takes its robots' and teams' grants with it.
  const auto ci = store_->create_robot("acme", "ci", "", "", 1).value();
  const auto ops = store_->create_team("acme", "ops", TeamRole::kMember).value();
  ASSERT_TRUE(store_->grant_permission("acme/app", of(ci), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->grant_permission("acme/app", of(ops), RepositoryRole::kWrite));
  ASSERT_TRUE(store_->delete_organization("acme"));
  EXPECT_TRUE(store_->list_permissions("acme/app").value().empty());
}

TEST_P(AccountStoreSuite, LoginFailuresAreCountedPerKeySinceATimeAndExpire) {
  ASSERT_TRUE(store_->record_login_failure({"pair", "address"}, 100));
  ASSERT_TRUE(store_->record_login_failure({"address"}, 150));
  ASSERT_TRUE(store_->record_login_failure({}, 160));  // nothing to count under
  EXPECT_EQ(store_->count_login_failures("address", 0).value(), 2u);
  EXPECT_EQ(store_->count_login_failures("address", 150).value(), 1u);
  EXPECT_EQ(store_->count_login_failures("pair", 100).value(), 1u);
  EXPECT_EQ(store_->count_login_failures("pair", 101).value(), 0u);
  EXPECT_EQ(store_->count_login_failures("other", 0).value(), 0u);
  EXPECT_EQ(store_->expire_login_failures(150).value(), 2u);
  EXPECT_EQ(store_->count_login_failures("address", 0).value(), 1u);
  EXPECT_EQ(store_->shared_with_other_processes(), GetParam().name == "postgres");
}

TEST_P(AccountStoreSuite, BrowserSessions) {
  user("alice");
  ASSERT_TRUE(store_->create_browser_session("s1", "alice", 10, 100));
  ASSERT_TRUE(store_->create_browser_session("s2", "alice", 11, 200));
  ASSERT_TRUE(store_->create_browser_session("s3", "alice", 12, 300));
  EXPECT_EQ(store_->create_browser_session("s1", "alice", 13, 400).error().message, "already exists");
  EXPECT_EQ(store_->create_browser_session("s4", "nobody", 13, 400).error().code, ErrorCode::kNameUnknown);
  const auto found = store_->find_browser_session("s2").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->user, "alice");
  EXPECT_EQ(found->created_at, 11);
  EXPECT_EQ(found->expires_at, 200);
  EXPECT_FALSE(store_->find_browser_session("nope").value());

  EXPECT_EQ(store_->expire_browser_sessions(100).value(), 1u);  // expires_at <= now
  EXPECT_FALSE(store_->find_browser_session("s1").value());
  EXPECT_TRUE(store_->delete_browser_session("s2").value());
  EXPECT_FALSE(store_->delete_browser_session("s2").value());

  // A new password ends every session but the one that set it.
  ASSERT_TRUE(store_->create_browser_session("s4", "alice", 13, 400));
  ASSERT_TRUE(store_->set_password_hash("alice", "$argon2id$new", "s4"));
  EXPECT_FALSE(store_->find_browser_session("s3").value());
  EXPECT_TRUE(store_->find_browser_session("s4").value());
  ASSERT_TRUE(store_->set_password_hash("alice", "$argon2id$newer", ""));
  EXPECT_FALSE(store_->find_browser_session("s4").value());

  ASSERT_TRUE(store_->create_browser_session("s5", "alice", 14, 500));
  ASSERT_TRUE(store_->delete_user("alice"));
  EXPECT_FALSE(store_->find_browser_session("s5").value());
}

TEST_P(AccountStoreSuite, ConcurrentCreatorsOfOneNameHaveOneWinner) {
  constexpr int kThreads = 8;
  constexpr int kNames = 10;
  std::atomic<int> created{0};
  std::atomic<int> refused{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < kNames; ++n) {
        const auto name = "name" + std::to_string(n);
        // Half the threads want the name for a user, half for an organization.
        std::optional<Error> error;
        if (t % 2 == 0) {
          if (auto u = store_->create_user(NewUser{name, "", "", false, UserSource::kLocal}, 1); !u) error = u.error();
        } else if (auto org = store_->create_organization(name, 1); !org) {
          error = org.error();
        }
        if (!error) {
          ++created;
        } else if (error->code == ErrorCode::kBadRequest && error->message == "already exists") {
          ++refused;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(created, kNames);
  EXPECT_EQ(refused, (kThreads - 1) * kNames);
  for (int n = 0; n < kNames; ++n) {
    const auto name = "name" + std::to_string(n);
    // Exactly one of the two holds the name, and a user always has its namespace.
    EXPECT_NE(store_->get_user(name).has_value(), store_->get_organization(name).has_value()) << name;
    EXPECT_TRUE(store_->namespace_kind(name).value()) << name;
  }
}

TEST_P(AccountStoreSuite, GrantsRacingTheDeleteOfTheirSubjectLeaveNothingBehind) {
  ASSERT_TRUE(store_->create_organization("acme", 1));
  constexpr int kUsers = 40;
  std::vector<User> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(user("u" + std::to_string(i)));
  std::atomic<int> failed{0};
  std::thread granter([&] {
    for (const auto& u : users) {
      for (const char* repository : {"acme/a", "acme/b", "acme/c"}) {
        // Lands before the delete (which then drops it) or finds the user gone.
        auto granted = store_->grant_permission(repository, of(u), RepositoryRole::kRead);
        auto bound = store_->add_role_binding("acme", "registry-viewer", of(u));
        for (const auto* result : {&granted, &bound}) {
          if (!*result && result->error().code != ErrorCode::kNameUnknown) ++failed;
        }
      }
    }
  });
  std::thread deleter([&] {
    for (const auto& u : users) {
      if (!store_->delete_user(u.name)) ++failed;
    }
  });
  granter.join();
  deleter.join();
  EXPECT_EQ(failed, 0);
  for (const char* repository : {"acme/a", "acme/b", "acme/c"}) {
    EXPECT_TRUE(store_->list_permissions(repository).value().empty()) << repository;
  }
  EXPECT_TRUE(store_->list_role_bindings("acme").value().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, AccountStoreSuite,
    ::testing::Values(Backend{"sqlite", [](const auto& dir) { return open_sqlite_account_store(dir / "pier.db"); }},
                      Backend{"postgres",
                              [](const auto&) {
                                return open_postgres_account_store(
                                    testing::PostgresServer::shared().create_database());
                              }}),
    [](const auto& info) { return info.param.name; });

TEST(SqliteAccountStore, SharesTheDatabaseWithTheMetadataStoreInEitherOrder) {
  for (const bool accounts_first : {true, false}) {
    testing::TempDir dir;
    const auto path = dir.path() / "pier.db";
    std::unique_ptr<AccountStore> accounts;
    std::unique_ptr<MetadataStore> metadata;
    if (accounts_first) {
      accounts = open_sqlite_account_store(path);
      metadata = open_sqlite_store(path);
    } else {
      metadata = open_sqlite_store(path);
      accounts = open_sqlite_account_store(path);
    }
    EXPECT_EQ(sqlite_schema_version(path), sqlite_latest_schema_version());
    // Both write to the one file at once.
    ASSERT_TRUE(accounts->create_organization("acme", 1));
    ASSERT_TRUE(metadata->link_blob("acme/app", digest_of("x"), 1, 1));
    ASSERT_TRUE(accounts->set_repository_public("acme/app", true));
    accounts.reset();
    metadata.reset();
    auto reopened = open_sqlite_account_store(path);
    EXPECT_EQ(reopened->get_organization("acme").value().name, "acme");
    EXPECT_TRUE(open_sqlite_store(path)->repository_exists("acme/app").value());
    EXPECT_EQ(sqlite_schema_version(path), sqlite_latest_schema_version());
  }
}

}  // namespace
}  // namespace pier::meta
