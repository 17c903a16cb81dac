// meta/copy_to_postgres.h: moving an embedded installation's metadata into PostgreSQL
// (`pier migrate --to <url>`), so a registry started with SQLite keeps everything it holds
// when it grows into replicas.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace pier::meta {

// Copies every row of every table of the SQLite database at `sqlite_path` (migrated first) into
// the PostgreSQL database at `url` (migrated first), ids included, in one transaction. The
// PostgreSQL database must hold no rows yet: kBadRequest otherwise, and nothing is written.
// Returns each table with the rows copied, in the order they were copied.
Result<std::vector<std::pair<std::string, std::uint64_t>>> copy_to_postgres(const std::filesystem::path& sqlite_path,
                                                                           const std::string& url);

}  // namespace pier::meta
