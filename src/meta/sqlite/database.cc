#include "meta/sqlite/database.h"

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <mutex>

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

Database::File::File(const std::string& path)
    : pool(path), writer(path), committer(migrated(writer), path) {}

std::shared_ptr<Database::File> Database::open_file(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<File>> open;  // by absolute path
  const auto key = std::filesystem::absolute(path).lexically_normal().string();
  std::lock_guard lock(mutex);
  std::erase_if(open, [](const auto& entry) { return entry.second.expired(); });
  if (auto file = open[key].lock()) return file;
  auto file = std::make_shared<File>(path);
  open[key] = file;
  return file;
}

Database::Database(const std::string& path, DatabaseOptions options)
    : options_(options), file_(open_file(path)), pool_(file_->pool), committer_(file_->committer) {}

}  // namespace pier::meta::sqlite
