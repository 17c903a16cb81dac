// meta/postgres/pg_job_store.h: JobStore on PostgreSQL, for replicas that share one database.
#pragma once

#include <memory>
#include <string>

#include "meta/job_store.h"

namespace pier::meta {

// Connects to the database at `url` (a libpq connection URI or key=value string) and applies
// pending migrations (the same runner and pool as the other PostgreSQL stores). Throws at
// start-up if it cannot connect or migrate.
std::unique_ptr<JobStore> open_postgres_job_store(const std::string& url);

}  // namespace pier::meta
