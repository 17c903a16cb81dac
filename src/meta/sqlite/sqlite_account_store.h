// meta/sqlite/sqlite_account_store.h: AccountStore on the SQLite database the metadata store uses.
#pragma once

#include <filesystem>
#include <memory>

#include "meta/account_store.h"

namespace pier::meta {

// Opens (creating if missing) the database at `path` and applies pending migrations (the same
// runner as open_sqlite_store, so either may be opened first). Throws at start-up if the file
// cannot be opened or migrated.
std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& path);

}  // namespace pier::meta
