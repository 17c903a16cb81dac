// meta/postgres/pg_store.h: MetadataStore on PostgreSQL, for replicas that share one database.
#pragma once

#include <memory>
#include <string>

#include "meta/metadata_store.h"

namespace pier::meta {

// Connects to the database at `url` (a libpq connection URI or key=value string) and applies
// pending migrations. Throws at start-up if it cannot connect or migrate.
std::unique_ptr<MetadataStore> open_postgres_store(const std::string& url);

// The schema version of the database at `url`, and the one this binary migrates to.
int postgres_schema_version(const std::string& url);
int postgres_latest_schema_version();

}  // namespace pier::meta
