#include "meta/sqlite/database.h"

#include <gtest/gtest.h>

#include "test_dirs.h"

namespace pier::meta::sqlite {
namespace {

const Connection* writer_of(Database& db) {
  const Connection* seen = nullptr;
  auto r = db.write<bool>([&](Connection& c) -> Result<bool> {
    seen = &c;
    return true;
  });
  EXPECT_TRUE(r.has_value());
  return seen;
}

TEST(Database, StoresOnOneFileShareOneWriter) {
  testing::TempDir dir;
  const auto path = (dir.path() / "pier.db").string();
  Database metadata(path, {"metadata store", false});
  Database accounts(dir.path().string() + "/./pier.db", {"account store", true});
  EXPECT_EQ(writer_of(metadata), writer_of(accounts));
}

TEST(Database, DifferentFilesHaveTheirOwnWriters) {
  testing::TempDir dir;
  Database one((dir.path() / "one.db").string(), {"one", false});
  Database two((dir.path() / "two.db").string(), {"two", false});
  EXPECT_NE(writer_of(one), writer_of(two));
}

TEST(Database, ReopeningAfterTheLastCloseOpensTheFileAgain) {
  testing::TempDir dir;
  const auto path = (dir.path() / "pier.db").string();
  {
    Database first(path, {"first", false});
    ASSERT_TRUE(first.write<bool>([](Connection& c) -> Result<bool> {
      c.exec("CREATE TABLE kept (x INTEGER)");
      c.exec("INSERT INTO kept VALUES (7)");
      return true;
    }));
  }
  Database again(path, {"again", false});
  auto x = again.read<std::int64_t>([](Connection& c) -> Result<std::int64_t> {
    auto s = c.prepare("SELECT x FROM kept");
    if (!s.step()) return make_error(ErrorCode::kInternal, "no row");
    return s.integer(0);
  });
  ASSERT_TRUE(x.has_value());
  EXPECT_EQ(*x, 7);
}

}  // namespace
}  // namespace pier::meta::sqlite
