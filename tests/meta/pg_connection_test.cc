#include "meta/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include "pg_server.h"

namespace pier::meta::postgres {
namespace {

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = pier::testing::PostgresServer::shared().create_database();
    connection_ = std::make_unique<Connection>(url_);
    connection_->exec("CREATE TABLE items (name TEXT PRIMARY KEY, size BIGINT, data BYTEA)");
  }
  std::string url_;
  std::unique_ptr<Connection> connection_;
};

TEST_F(PgConnectionTest, ParametersAreValuesNeverSql) {
  const std::string sneaky = "x'); DROP TABLE items; --";
  ASSERT_EQ(connection_->query("INSERT INTO items (name, size) VALUES ($1, $2)", {sneaky, std::int64_t{7}}).affected(),
            1);
  auto rows = connection_->query("SELECT name, size, data FROM items WHERE name = $1", {sneaky});
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.text(0, 0), sneaky);
  EXPECT_EQ(rows.integer(0, 1), 7);
  EXPECT_TRUE(rows.is_null(0, 2));
}

TEST_F(PgConnectionTest, BytesComeBackExactlyNulsIncluded) {
  const std::string bytes("a\0b\xff\x00z", 6);
  connection_->query("INSERT INTO items (name, data) VALUES ($1, $2)", {"b", Param::bytes(bytes)});
  auto rows = connection_->query("SELECT data, size FROM items WHERE name = $1", {"b"});
  EXPECT_EQ(rows.bytes(0, 0), bytes);
  EXPECT_TRUE(rows.is_null(0, 1));
}

TEST_F(PgConnectionTest, AUniqueViolationIsNamedAsSuch) {
  connection_->query("INSERT INTO items (name) VALUES ($1)", {"dup"});
  try {
    connection_->query("INSERT INTO items (name) VALUES ($1)", {"dup"});
    FAIL() << "a second row with the same key was inserted";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.unique_violation()) << e.sqlstate << " " << e.what();
    EXPECT_FALSE(e.retryable());
  }
}

TEST_F(PgConnectionTest, ATransactionNotCommittedIsRolledBack) {
  {
    Transaction transaction(*connection_);
    connection_->query("INSERT INTO items (name) VALUES ($1)", {"gone"});
  }
  EXPECT_TRUE(connection_->query("SELECT 1 FROM items WHERE name = $1", {"gone"}).empty());
  {
    Transaction transaction(*connection_, Transaction::Isolation::kSerializable);
    connection_->query("INSERT INTO items (name) VALUES ($1)", {"kept"});
    transaction.commit();
  }
  EXPECT_EQ(connection_->query("SELECT 1 FROM items WHERE name = $1", {"kept"}).size(), 1);
  EXPECT_TRUE(connection_->healthy());
}

TEST_F(PgConnectionTest, APoolReusesConnectionsAndDropsOnesLeftInATransaction) {
  ConnectionPool pool(url_);
  // The server's process for a connection tells connections apart (an address may be reused).
  const auto backend = [](Connection& c) { return c.query("SELECT pg_backend_pid()").integer(0, 0); };
  std::int64_t first = 0;
  {
    auto lease = pool.lease();
    first = backend(*lease);
  }
  {
    auto lease = pool.lease();
    EXPECT_EQ(backend(*lease), first);
    lease->exec("BEGIN");  // given back mid-transaction: not reused
  }
  auto lease = pool.lease();
  EXPECT_NE(backend(*lease), first);
  EXPECT_TRUE(lease->healthy());
}

TEST_F(PgConnectionTest, AnUnreachableServerIsAnError) {
  EXPECT_THROW(Connection("host=/nonexistent-folder user=pier dbname=x connect_timeout=2"), PgError);
}

}  // namespace
}  // namespace pier::meta::postgres
