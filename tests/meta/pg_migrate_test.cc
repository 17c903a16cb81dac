#include "meta/postgres/pg_migrate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pg_server.h"

namespace pier::meta::postgres {
namespace {

TEST(PgMigrate, ANewDatabaseReachesTheLatestVersionOnceAndStaysThere) {
  Connection db(pier::testing::PostgresServer::shared().create_database());
  EXPECT_EQ(current_version(db), 0);
  migrate(db);
  EXPECT_EQ(current_version(db), latest_version());
  migrate(db);
  EXPECT_EQ(db.query("SELECT count(*) FROM schema_version").integer(0, 0), latest_version());
  // The schema is there: the grants of a deleted user go with it (a trigger).
  db.exec("INSERT INTO users (id, name, source, created_at) VALUES (7, 'u', 'local', 1)");
  db.exec("INSERT INTO repository_permissions VALUES ('a/b', 'user', 7, 'read')");
  db.exec("DELETE FROM users WHERE id = 7");
  EXPECT_EQ(db.query("SELECT count(*) FROM repository_permissions").integer(0, 0), 0);
}

TEST(PgMigrate, ReplicasStartingTogetherApplyEachMigrationOnce) {
  const std::string url = pier::testing::PostgresServer::shared().create_database();
  std::vector<std::thread> replicas;
  std::atomic<int> failures{0};
  for (int i = 0; i < 3; ++i) {
    replicas.emplace_back([&] {
      try {
        Connection db(url);
        migrate(db);
      } catch (const PgError& e) {
        ++failures;
        ADD_FAILURE() << e.what();
      }
    });
  }
  for (auto& replica : replicas) replica.join();
  EXPECT_EQ(failures.load(), 0);
  Connection db(url);
  EXPECT_EQ(current_version(db), latest_version());
  EXPECT_EQ(db.query("SELECT count(*) FROM schema_version").integer(0, 0), latest_version());
}

}  // namespace
}  // namespace pier::meta::postgres
