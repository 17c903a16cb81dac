// meta/sqlite/sqlite_lifecycle_store.h: LifecycleStore on the embedded SQLite database.
#pragma once

#include <filesystem>
#include <memory>

#include "meta/lifecycle_store.h"

namespace pier::meta {

// Opens the metadata database at `path` (migrating it, as every store on the file does).
// Blob locks are mutexes of this process, which is the only one an embedded database serves.
std::unique_ptr<LifecycleStore> open_sqlite_lifecycle_store(const std::filesystem::path& path);

}  // namespace pier::meta
