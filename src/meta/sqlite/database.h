// meta/sqlite/database.h: what every SQLite-backed store shares.
//
// One migrated writer connection behind a group committer (group_commit.h), reader
// connections from a pool, and the one conversion of SQLite failures into Errors, so no
// exception leaves a store. Stores opened on the same file in one process share its writer
// and committer: two writers would wait on each other's locks (SQLite's busy handler sleeps
// in steps of up to 100 ms) instead of committing in one group.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "meta/sqlite/group_commit.h"
#include "meta/sqlite/sqlite_db.h"

namespace pier::meta::sqlite {

struct DatabaseOptions {
  std::string_view name;  // for messages: "metadata store", "account store"
  // A uniqueness violation is the client's "already exists" (kBadRequest) rather than a bug.
  bool constraint_means_exists = false;
};

Error to_error(const SqliteError& e, const DatabaseOptions& options);

class Database {
 public:
  // Opens `path` (creating it) and applies pending migrations. Throws SqliteError.
  Database(const std::string& path, DatabaseOptions options);

  // f(Connection&) -> Result<T>, on a pooled reader.
  template <class T, class F>
  Result<T> read(F&& f) {
    return guarded<T>([&]() -> Result<T> {
      auto db = pool_.reader();
      return f(*db);
    });
  }

  // f(Connection&) -> Result<T>, as one write of the next group commit; an error result
  // rolls the write back.
  template <class T, class F>
  Result<T> write(F&& f) {
    return guarded<T>([&]() -> Result<T> {
      std::optional<Result<T>> result;
      committer_.run([&](Connection& db) {
        result.emplace(f(db));
        return result->has_value();
      });
      return std::move(*result);
    });
  }

 private:
  template <class T, class F>
  Result<T> guarded(F&& f) {
    try {
      return f();
    } catch (const SqliteError& e) {
      return to_error(e, options_);
    }
  }

  // The connections of one database file, shared by every Database open on it.
  struct File {
    explicit File(const std::string& path);
    ConnectionPool pool;
    Connection writer;
    GroupCommitter committer;  // uses writer; declared after it so it stops first
  };
  static std::shared_ptr<File> open_file(const std::string& path);

  const DatabaseOptions options_;
  const std::shared_ptr<File> file_;
  ConnectionPool& pool_;
  GroupCommitter& committer_;
};

}  // namespace pier::meta::sqlite
