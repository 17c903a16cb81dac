// storage/s3/copy_to_bucket.h: the blobs of a filesystem store copied into an S3 bucket, for an
// installation that moves from one machine to replicas (`pier migrate --blobs-from`).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "common/error.h"
#include "storage/s3/s3_client.h"

namespace pier::storage {

struct BucketCopyReport {
  std::uint64_t copied = 0;
  std::uint64_t already_there = 0;  // an object of the same size was at the key
  std::uint64_t bytes = 0;          // copied
};

// Copies every blob under `root` (a filesystem store's folder) to its key in the bucket,
// checking each file's bytes against its digest on the way: a damaged file is not copied and
// fails the copy. Blobs the bucket has already are passed over, so a copy cut short is run
// again. `progress` is told of each blob copied.
Result<BucketCopyReport> copy_blobs_to_bucket(const std::filesystem::path& root, const s3::S3Options& bucket,
                                              std::uint64_t part_size,
                                              const std::function<void(const std::string& digest)>& progress);

}  // namespace pier::storage
