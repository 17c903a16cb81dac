// meta/sqlite/sqlite_signature_store.h: SignatureStore on the embedded SQLite database.
#pragma once

#include <filesystem>
#include <memory>

#include "meta/signature_store.h"

namespace pier::meta {

// Opens the metadata database at `path` (migrating it, as every store on the file does).
std::unique_ptr<SignatureStore> open_sqlite_signature_store(const std::filesystem::path& path);

}  // namespace pier::meta
