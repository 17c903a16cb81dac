#include "meta/postgres/pg_migrate.h"

#include <iterator>

#include "meta/migration.h"

namespace pier::meta::postgres {
namespace {

constexpr Migration kMigrations[] = {
#include "postgres_migrations.inc"
};

// Any number, the same in every replica: the lock that serializes their migrations.
constexpr std::int64_t kMigrationLock = 0x7069657230303031;  // "pier0001"

int read_version(Connection& db) {
  return static_cast<int>(db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").integer(0, 0));
}

}  // namespace

int current_version(Connection& db) {
  if (db.query("SELECT to_regclass('schema_version') IS NULL").boolean(0, 0)) return 0;
  return read_version(db);
}

int latest_version() { return std::end(kMigrations)[-1].version; }

void migrate(Connection& db) {
  if (current_version(db) >= latest_version()) return;
  // All pending migrations in one transaction (PostgreSQL's DDL is transactional), under a
  // lock every replica takes; the version is read again once it is held.
  Transaction transaction(db);
  db.query("SELECT pg_advisory_xact_lock($1)", {kMigrationLock});
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
          "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  const int applied = read_version(db);
  for (const auto& migration : kMigrations) {
    if (migration.version <= applied) continue;
    db.exec(migration.sql);
    db.query("INSERT INTO schema_version (version, name) VALUES ($1, $2)", {migration.version, migration.name});
  }
  transaction.commit();
}

}  // namespace pier::meta::postgres
