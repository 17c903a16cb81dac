#include "meta/sqlite/group_commit.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>
#include <vector>

#include "test_dirs.h"

namespace pier::meta::sqlite {
namespace {

std::int64_t count_rows(Connection& db) {
  auto s = db.prepare("SELECT count(*) FROM t");
  s.step();
  return s.integer(0);
}

TEST(GroupCommitter, EveryWriteFromManyThreadsLandsOrRollsBackAlone) {
  testing::TempDir dir;
  const auto path = (dir.path() / "db").string();
  Connection writer(path);
  writer.exec("CREATE TABLE t (v INTEGER)");
  {
    GroupCommitter committer(writer, path);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&committer, t] {
        for (int i = 0; i < 50; ++i) {
          committer.run([&](Connection& db) {
            db.prepare("INSERT INTO t VALUES (?)").bind(1, std::int64_t{t * 1000 + i}).run();
            return i % 10 != 0;  // one write in ten asks to be rolled back
          });
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_THROW(committer.run([](Connection&) -> bool { throw SqliteError(1, "refused"); }), SqliteError);
  }
  Connection reader(path);
  EXPECT_EQ(count_rows(reader), 8 * 45);
}

TEST(GroupCommitter, CopiesTheWalIntoTheDatabaseFilePastTheThreshold) {
  testing::TempDir dir;
  const auto path = (dir.path() / "db").string();
  Connection writer(path);
  writer.exec("CREATE TABLE t (v BLOB)");
  const auto before = std::filesystem::file_size(path);
  {
    GroupCommitter committer(writer, path, /*checkpoint_pages=*/8);
    for (int i = 0; i < 40; ++i) {
      committer.run([](Connection& db) {
        db.prepare("INSERT INTO t VALUES (zeroblob(3000))").run();
        return true;
      });
    }
    // Checkpointed while the committer runs, not only when the last connection closes.
    EXPECT_GT(std::filesystem::file_size(path), before + 20 * 4096);
  }
  Connection reader(path);
  EXPECT_EQ(count_rows(reader), 40);
}

TEST(GroupCommitter, LeavesTheWriterSyncingFullyWhenItStops) {
  testing::TempDir dir;
  const auto path = (dir.path() / "db").string();
  Connection writer(path);
  { GroupCommitter committer(writer, path); }
  auto s = writer.prepare("PRAGMA synchronous");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.integer(0), 2);  // FULL
}

}  // namespace
}  // namespace pier::meta::sqlite
