// storage/fs/fs_blob_store.h: BlobStore on a local POSIX filesystem.
//
// Uploads and blobs share one filesystem so a commit is sync + rename + sync: a blob file is
// either absent or complete, whatever the moment of a crash. The syncs of concurrent commits
// are shared (sync_group.h).
#pragma once

#include <filesystem>
#include <memory>

#include "storage/blob_store.h"

namespace pier::storage {

// How a commit reaches the disk. kGroup: concurrent commits share syncfs(2) rounds
// (sync_group.h): fewer device flushes, but each round flushes everything dirty on that
// filesystem, so it suits a filesystem Pier has to itself. kEachFile: fsync of the file, then of
// its folder after the rename, per commit.
enum class DurabilityMode { kGroup, kEachFile };

// Creates the root and its folders if missing. Throws at start-up if it cannot.
std::unique_ptr<BlobStore> make_filesystem_blob_store(const std::filesystem::path& root,
                                                      DurabilityMode durability = DurabilityMode::kGroup);

}  // namespace pier::storage
