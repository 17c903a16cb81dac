#include "meta/sqlite/migrate.h"

#include <cstdint>
#include <iterator>

#include "meta/migration.h"

namespace pier::meta::sqlite {

namespace {

constexpr Migration kMigrations[] = {
#include "sqlite_migrations.inc"
};

int read_version(Connection& db) {
  auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  stmt.step();
  return static_cast<int>(stmt.integer(0));
}

}  // namespace

int current_version(Connection& db) {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  return read_version(db);
}

int latest_version() { return std::end(kMigrations)[-1].version; }

void migrate(Connection& db) {
  for (const auto& migration : kMigrations) {
    if (migration.version <= current_version(db)) continue;
    Transaction txn(db);
    // Another connection may have applied it between the check and BEGIN IMMEDIATE.
    if (migration.version <= read_version(db)) continue;
    db.exec(migration.sql);
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").bind(1, std::int64_t{migration.version}).run();
    txn.commit();
  }
}

}  // namespace pier::meta::sqlite
