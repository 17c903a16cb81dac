// meta/postgres/pg_signature_store.h: SignatureStore on PostgreSQL, shared by every replica.
#pragma once

#include <memory>
#include <string>

#include "meta/signature_store.h"

namespace pier::meta {

// Connects to `url` (migrating the database, as every store does).
std::unique_ptr<SignatureStore> open_postgres_signature_store(const std::string& url);

}  // namespace pier::meta
