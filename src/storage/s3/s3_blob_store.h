// storage/s3/s3_blob_store.h: BlobStore over an S3-compatible bucket.
//
// A blob is one object at blob_key(digest). An upload is one S3 multipart upload at
// "uploads/<id>/data" plus, between requests, an "uploads/<id>/tail-<size>" object holding
// the bytes that do not fill a part yet (every part but the last must be at least 5 MiB). What the
// upload needs to continue (its multipart id, part ETags and sizes, the tail's size) is
// saved in the UploadJournal when each request ends, so another replica can take the next
// request; S3's ListParts is never needed. Committing completes the multipart upload and
// copies the object to its digest's key inside the bucket.
#pragma once

#include <cstdint>
#include <memory>

#include "common/clock.h"
#include "storage/blob_store.h"
#include "storage/s3/s3_client.h"
#include "storage/upload_journal.h"

namespace pier::storage {

struct S3StoreOptions {
  s3::S3Options bucket;
  std::uint64_t part_size = 10ull << 20;
  // Blob GETs answer with a redirect to a URL presigned for this long; 0: Pier sends the bytes.
  std::int64_t redirect_seconds = 0;
};

// The store creates no bucket: it must exist. `journal` and `clock` outlive the store.
std::unique_ptr<BlobStore> make_s3_blob_store(S3StoreOptions options, UploadJournal& journal, Clock& clock);

}  // namespace pier::storage
