// meta/postgres/pg_migrate.h: the migration runner of the PostgreSQL stores.
//
// Migrations are meta/migrations/postgres/NNNN_name.sql, embedded at configure time and
// applied in order with their entries in schema_version, all pending ones in one
// transaction. Replicas that start together take a transaction-scoped advisory lock first
// and read the version again under it, so each migration is applied exactly once.
#pragma once

#include "meta/postgres/pg_connection.h"

namespace pier::meta::postgres {

// The highest migration applied to the database (0 for a new one).
int current_version(Connection& db);

// The version of the newest migration this binary holds.
int latest_version();

// Applies every pending migration. Throws PgError; a migration that fails leaves no trace.
void migrate(Connection& db);

}  // namespace pier::meta::postgres
