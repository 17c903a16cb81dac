#include "meta/postgres/pg_database.h"

#include <map>
#include <mutex>

#include "meta/postgres/pg_migrate.h"

namespace pier::meta::postgres {

Error to_error(const PgError& e, const DatabaseOptions& options) {
  const std::string name(options.name);
  const std::string_view state = e.sqlstate;
  // No answer from the server, or it is out of connections, memory or disk: try again later.
  if (state.empty() || state.starts_with("08") || state.starts_with("53") || state.starts_with("57P")) {
    return make_error(ErrorCode::kUnavailable, name + " unavailable", e.what());
  }
  if (e.retryable()) return make_error(ErrorCode::kUnavailable, name + " busy", e.what());
  if (e.unique_violation() && options.unique_means_exists) return make_error(ErrorCode::kBadRequest, "already exists");
  return make_error(ErrorCode::kInternal, name + " failure", e.what());
}

std::shared_ptr<ConnectionPool> Database::open_pool(const std::string& url) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<ConnectionPool>> open;
  std::lock_guard lock(mutex);
  std::erase_if(open, [](const auto& entry) { return entry.second.expired(); });
  if (auto pool = open[url].lock()) return pool;
  auto pool = std::make_shared<ConnectionPool>(url);
  {
    auto db = pool->lease();
    migrate(*db);
  }
  open[url] = pool;
  return pool;
}

Database::Database(const std::string& url, DatabaseOptions options) : options_(options), pool_(open_pool(url)) {}

}  // namespace pier::meta::postgres
