#include "meta/copy_to_postgres.h"

#include <gtest/gtest.h>

#include "meta/postgres/pg_account_store.h"
#include "meta/postgres/pg_store.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "meta/sqlite/sqlite_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::meta {
namespace {

// An embedded installation with some of everything: accounts, grants, a token, an audit
// event, an image with two tag moves, a small blob kept in the database and an open upload.
void fill(const std::filesystem::path& db) {
  auto accounts = open_sqlite_account_store(db);
  auto alice = accounts->create_user(NewUser{"alice", "a@example.com", "$argon2id$hash", true, UserSource::kLocal}, 10);
  ASSERT_TRUE(alice);
  ASSERT_TRUE(accounts->create_organization("acme", 11));
  auto team = accounts->create_team("acme", "builders", TeamRole::kCreator);
  ASSERT_TRUE(team);
  ASSERT_TRUE(accounts->add_team_member("acme", "builders", "alice"));
  ASSERT_TRUE(accounts->create_robot("acme", "ci", "the CI", "robothash", 12));
  ASSERT_TRUE(accounts->grant_permission("acme/app", Subject{SubjectKind::kTeam, team->id}, RepositoryRole::kWrite));
  ASSERT_TRUE(accounts->set_repository_public("acme/app", true));
  ASSERT_TRUE(accounts->create_api_token(NewApiToken{"alice", "laptop", "tokenhash", "repo:read", std::nullopt}, 13));
  AuditEvent event;
  event.at = 14;
  event.actor = "alice";
  event.actor_kind = ActorKind::kUser;
  event.action = "push";
  event.namespace_name = "acme";
  event.repository = "acme/app";
  ASSERT_TRUE(accounts->append_audit_event(event));

  auto metadata = open_sqlite_store(db);
  const std::string config("{\"bytes\":\0\xff}", 13);
  ASSERT_TRUE(metadata->link_inline_blob("acme/app", digest_of(config), config, "u0", 20));
  for (const std::string content : {"{\"v\":1}", "{\"v\":2}"}) {
    ManifestRecord manifest{digest_of(content).str(), "application/vnd.oci.image.manifest.v1+json", content, "", "", "",
                            {{digest_of(config).str(), ReferenceKind::kBlob, config.size(), "config"}}};
    ASSERT_TRUE(metadata->put_manifest("acme/app", manifest, {"latest"}, 21));
  }
  ASSERT_TRUE(metadata->create_upload({"u1", "acme/app", 30, 31}));
}

TEST(CopyToPostgres, AnEmbeddedInstallationArrivesWhole) {
  testing::TempDir dir;
  const auto db = dir.path() / "pier.db";
  fill(db);
  const std::string url = testing::PostgresServer::shared().create_database();
  auto copied = copy_to_postgres(db, url);
  ASSERT_TRUE(copied) << copied.error().message << " " << copied.error().detail;
  std::uint64_t rows = 0;
  for (const auto& [table, count] : *copied) rows += count;
  EXPECT_GT(rows, 15u);

  auto accounts = open_postgres_account_store(url);
  auto alice = accounts->get_user("alice");
  ASSERT_TRUE(alice);
  EXPECT_TRUE(alice->superuser);
  EXPECT_EQ(alice->password_hash, "$argon2id$hash");
  EXPECT_EQ(accounts->list_team_members("acme", "builders").value(), std::vector<std::string>{"alice"});
  EXPECT_EQ(accounts->find_robot("acme+ci").value().token_hash, "robothash");
  EXPECT_TRUE(accounts->is_repository_public("acme/app").value());
  EXPECT_EQ(accounts->list_permissions("acme/app").value().at(0).role, RepositoryRole::kWrite);
  EXPECT_TRUE(accounts->use_api_token("tokenhash", 40).value());
  EXPECT_EQ(accounts->query_audit_events(AuditQuery{}).value().at(0).action, "push");
  // New rows take ids after the copied ones.
  auto bob = accounts->create_user(NewUser{"bob", "", "", false, UserSource::kLocal}, 50);
  ASSERT_TRUE(bob) << bob.error().message;
  EXPECT_GT(bob->id, alice->id);

  auto metadata = open_postgres_store(url);
  EXPECT_EQ(metadata->get_tagged_manifest("acme/app", "latest").value()->content, "{\"v\":2}");
  EXPECT_EQ(metadata->tag_history("acme/app", "latest").value().size(), 2u);
  const std::string config("{\"bytes\":\0\xff}", 13);
  EXPECT_EQ(metadata->inline_blob(digest_of(config)).value(), config);
  EXPECT_TRUE(metadata->get_upload("u1").value());
  EXPECT_TRUE(metadata->create_repository("acme/new", 60).value());
}

TEST(CopyToPostgres, ADatabaseThatHoldsDataIsLeftAlone) {
  testing::TempDir dir;
  const auto db = dir.path() / "pier.db";
  fill(db);
  const std::string url = testing::PostgresServer::shared().create_database();
  ASSERT_TRUE(open_postgres_account_store(url)->create_user(NewUser{"admin", "", "", true, UserSource::kLocal}, 1));
  auto refused = copy_to_postgres(db, url);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kBadRequest);
  EXPECT_FALSE(open_postgres_account_store(url)->get_user("alice"));
}

}  // namespace
}  // namespace pier::meta
