// meta/postgres/pg_account_store.h: AccountStore on PostgreSQL, for replicas that share one database.
#pragma once

#include <memory>
#include <string>

#include "meta/account_store.h"

namespace pier::meta {

// Connects to the database at `url` (a libpq connection URI or key=value string) and applies
// pending migrations (the same runner and pool as open_postgres_store, so either may be opened
// first). Throws at start-up if it cannot connect or migrate.
std::unique_ptr<AccountStore> open_postgres_account_store(const std::string& url);

}  // namespace pier::meta
