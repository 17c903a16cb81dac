// meta/sqlite/sqlite_job_store.h: JobStore on the SQLite database the metadata store uses.
#pragma once

#include <filesystem>
#include <memory>

#include "meta/job_store.h"

namespace pier::meta {

// Opens (creating if missing) the database at `path` and applies pending migrations (the same
// runner, writer and group committer as the other stores on the file). Throws at start-up if
// the file cannot be opened or migrated.
std::unique_ptr<JobStore> open_sqlite_job_store(const std::filesystem::path& path);

}  // namespace pier::meta
