// storage/memory/memory_blob_store.h: BlobStore held in process memory, for tests.
#pragma once

#include <memory>

#include "storage/blob_store.h"

namespace pier::storage {

std::unique_ptr<BlobStore> make_memory_blob_store();

}  // namespace pier::storage
