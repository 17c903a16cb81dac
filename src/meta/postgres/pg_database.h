// meta/postgres/pg_database.h: what every PostgreSQL-backed store shares.
//
// A pool of connections to one database (shared by every store opened on the same URL in
// the process), the migrations applied once at open, and the one conversion of PostgreSQL
// failures into Errors, so no exception leaves a store. A write is one transaction at READ
// COMMITTED; where a read decides what is written, the store takes a row or advisory lock
// first. A transaction that loses a serialization race or a deadlock is run again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "meta/postgres/pg_connection.h"

namespace pier::meta::postgres {

struct DatabaseOptions {
  std::string_view name;  // for messages: "metadata store", "account store"
  // A uniqueness violation is the client's "already exists" (kBadRequest) rather than a bug.
  bool unique_means_exists = false;
};

Error to_error(const PgError& e, const DatabaseOptions& options);

class Database {
 public:
  // Connects to `url` and applies pending migrations. Throws PgError.
  Database(const std::string& url, DatabaseOptions options);

  // f(Connection&) -> Result<T>, on a pooled connection, outside any transaction.
  template <class T, class F>
  Result<T> read(F&& f) {
    return guarded<T>([&]() -> Result<T> {
      auto db = pool_->lease();
      return f(*db);
    });
  }

  // A connection of the pool for the caller alone, outside any transaction, until the lease
  // is dropped (for session-level advisory locks).
  Result<std::unique_ptr<ConnectionPool::Lease>> lease() {
    return guarded<std::unique_ptr<ConnectionPool::Lease>>(
        [&]() -> Result<std::unique_ptr<ConnectionPool::Lease>> {
          // A lease cannot move: built in place from the pool's prvalue.
          return std::unique_ptr<ConnectionPool::Lease>(new ConnectionPool::Lease(pool_->lease()));
        });
  }

  // f(Connection&) -> Result<T>, in one transaction; an error result rolls it back.
  template <class T, class F>
  Result<T> write(F&& f) {
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      try {
        auto db = pool_->lease();
        Transaction transaction(*db);
        Result<T> result = f(*db);
        if (result) transaction.commit();
        return result;
      } catch (const PgError& e) {
        if (!e.retryable() || attempt == kAttempts) return to_error(e, options_);
      }
    }
  }

 private:
  template <class T, class F>
  Result<T> guarded(F&& f) {
    try {
      return f();
    } catch (const PgError& e) {
      return to_error(e, options_);
    }
  }

  static std::shared_ptr<ConnectionPool> open_pool(const std::string& url);

  const DatabaseOptions options_;
  const std::shared_ptr<ConnectionPool> pool_;
};

}  // namespace pier::meta::postgres
