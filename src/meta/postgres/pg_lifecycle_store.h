// meta/postgres/pg_lifecycle_store.h: LifecycleStore on PostgreSQL, shared by every replica.
#pragma once

#include <memory>
#include <string>

#include "meta/lifecycle_store.h"

namespace pier::meta {

// Connects to `url` (migrating the database, as every store does). Blob locks are
// session-level advisory locks, so they exclude every replica, and die with a dead one.
std::unique_ptr<LifecycleStore> open_postgres_lifecycle_store(const std::string& url);

}  // namespace pier::meta
