// storage/fs/fs_blob_store.h: BlobStore on a local POSIX filesystem.
//
// Uploads and blobs share one filesystem so a commit is fsync + rename: a blob file is
// either absent or complete, whatever the moment of a crash.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/blob_store.h"

namespace pier::storage {

// Creates the root and its folders if missing. Throws at start-up if it cannot.
std::unique_ptr<BlobStore> make_filesystem_blob_store(const std::filesystem::path& root);

}  // namespace pier::storage
