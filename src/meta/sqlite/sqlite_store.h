// meta/sqlite/sqlite_store.h: MetadataStore on an embedded SQLite database (WAL mode).
#pragma once

#include <filesystem>
#include <memory>

#include "meta/metadata_store.h"

namespace pier::meta {

// Opens (creating if missing) the database at `path` and applies pending migrations.
// Throws at start-up if the file cannot be opened or migrated.
std::unique_ptr<MetadataStore> open_sqlite_store(const std::filesystem::path& path);

// The schema version the database at `path` is at after migration.
int sqlite_schema_version(const std::filesystem::path& path);
// The schema version this binary migrates databases to.
int sqlite_latest_schema_version();

}  // namespace pier::meta
