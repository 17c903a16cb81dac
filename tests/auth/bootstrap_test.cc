#include "auth/bootstrap.h"

#include <gtest/gtest.h>

#include <thread>

#include "auth/password_hash.h"
#include "meta/postgres/pg_account_store.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "pg_server.h"
#include "test_dirs.h"

namespace pier::auth {
namespace {

class BootstrapTest : public ::testing::Test {
 protected:
  pier::testing::TempDir dir_;
  std::unique_ptr<meta::AccountStore> accounts_ = meta::open_sqlite_account_store(dir_.path() / "pier.db");
};

TEST_F(BootstrapTest, GeneratesAPasswordOnce) {
  const auto generated = ensure_admin(*accounts_, std::nullopt, 42).value();
  ASSERT_TRUE(generated);
  EXPECT_GE(generated->size(), 43u);
  const auto admin = accounts_->get_user("admin").value();
  EXPECT_TRUE(admin.superuser);
  EXPECT_FALSE(admin.disabled);
  EXPECT_EQ(admin.source, meta::UserSource::kLocal);
  EXPECT_EQ(admin.created_at, 42);
  EXPECT_TRUE(verify_password(*generated, admin.password_hash));
  EXPECT_FALSE(verify_password(*generated + "x", admin.password_hash));

  // A second start does nothing: no new password, the old one still works.
  EXPECT_FALSE(ensure_admin(*accounts_, std::nullopt, 43).value());
  EXPECT_FALSE(ensure_admin(*accounts_, std::string("other"), 43).value());
  EXPECT_TRUE(verify_password(*generated, accounts_->get_user("admin").value().password_hash));
  EXPECT_EQ(accounts_->list_users("", 10).value().size(), 1u);
}

TEST_F(BootstrapTest, UsesTheConfiguredPasswordWithoutReturningIt) {
  EXPECT_FALSE(ensure_admin(*accounts_, std::string("s3cret-admin"), 1).value());
  const auto admin = accounts_->get_user("admin").value();
  EXPECT_TRUE(admin.superuser);
  EXPECT_TRUE(verify_password("s3cret-admin", admin.password_hash));
}

TEST_F(BootstrapTest, AnEmptyConfiguredPasswordIsGenerated) {
  const auto generated = ensure_admin(*accounts_, std::string(), 1).value();
  ASSERT_TRUE(generated);
  EXPECT_TRUE(verify_password(*generated, accounts_->get_user("admin").value().password_hash));
}

TEST_F(BootstrapTest, DoesNothingWhenAnyUserExists) {
  accounts_->create_user(meta::NewUser{"alice", "", "", false, meta::UserSource::kLdap}, 1).value();
  EXPECT_FALSE(ensure_admin(*accounts_, std::nullopt, 2).value());
  EXPECT_EQ(accounts_->get_user("admin").error().code, ErrorCode::kNameUnknown);
}

// Replicas started together on a new database each find no user and create admin at once:
// one of them makes it, and none fails to start.
TEST(Bootstrap, ReplicasStartingTogetherAllStart) {
  const auto url = pier::testing::PostgresServer::shared().create_database();
  std::vector<std::unique_ptr<meta::AccountStore>> replicas;
  for (int i = 0; i < 4; ++i) replicas.push_back(meta::open_postgres_account_store(url));
  std::vector<std::thread> starts;
  std::atomic<int> started{0};
  for (auto& replica : replicas) {
    starts.emplace_back([&, store = replica.get()] {
      if (ensure_admin(*store, std::string("shared-password"), 1)) ++started;
    });
  }
  for (auto& start : starts) start.join();
  EXPECT_EQ(started.load(), 4);
  EXPECT_EQ(replicas[0]->list_users("", 10).value().size(), 1u);
  EXPECT_TRUE(verify_password("shared-password", replicas[1]->get_user("admin").value().password_hash));
}

}  // namespace
}  // namespace pier::auth
