// meta/sqlite/migrate.h: the one migration runner, shared by every store on the database file.
//
// Migrations are meta/migrations/sqlite/NNNN_name.sql, embedded at configure time and applied
// in order. Several stores (and processes) may open one file at once: each migration is applied
// inside BEGIN IMMEDIATE after re-reading the version, so it runs exactly once.
#pragma once

#include "meta/sqlite/sqlite_db.h"

namespace pier::meta::sqlite {

// The highest migration applied to the database (0 for a new file).
int current_version(Connection& db);

// The version of the newest migration this binary holds.
int latest_version();

// Applies every pending migration, each in its own transaction. Throws SqliteError.
void migrate(Connection& db);

}  // namespace pier::meta::sqlite
