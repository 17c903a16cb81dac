#include "meta/sqlite/database.h"

#include <sqlite3.h>

#include "meta/sqlite/migrate.h"

namespace pier::meta::sqlite {

namespace {
Connection& migrated(Connection& db) {
  migrate(db);
  return db;
}
}  // namespace

Error to_error(const SqliteError& e, const DatabaseOptions& options) {
  const int primary = e.code & 0xff;
  const std::string name(options.name);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return make_error(ErrorCode::kUnavailable, name + " busy");
  if (primary == SQLITE_FULL) return make_error(ErrorCode::kUnavailable, name + " is full");
  // A uniqueness race lost to another process; the stores' explicit checks catch the rest.
  if (primary == SQLITE_CONSTRAINT && options.constraint_means_exists) {
    return make_error(ErrorCode::kBadRequest, "already exists");
  }
  return make_error(ErrorCode::kInternal, name + " failure", e.what());
}

Database::Database(const std::string& path, DatabaseOptions options)
    : options_(options), pool_(path), writer_(path), committer_(migrated(writer_)) {}

}  // namespace pier::meta::sqlite
