// services/blob_service.h: reading and unlinking the blobs of a repository.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "common/error.h"
#include "common/message.h"
#include "common/clock.h"
#include "meta/lifecycle_store.h"
#include "meta/metadata_store.h"
#include "services/lookup_cache.h"
#include "storage/blob_store.h"

namespace pier::services {

// The bytes of a blob as http/ sends them: a region of a file in the blob store, or the
// bytes themselves for a small blob kept in the metadata store.
struct BlobBytes {
  std::shared_ptr<FileRegion> file;  // when null, `bytes` is the content
  std::string bytes;
};

class BlobService {
 public:
  // A look-up of a blob is recorded for garbage collection (a blob looked up within
  // gc.blob_grace is kept) at most once per `use_interval` per blob in this process.
  BlobService(storage::BlobStore& blobs, meta::MetadataStore& metadata, meta::LifecycleStore& lifecycle, Clock& clock,
              std::chrono::seconds use_interval);

  // Size of a blob linked to `repository`; kBlobUnknown if it is not. Links found are
  // cached; unlink() invalidates them.
  Result<std::uint64_t> stat(std::string_view repository, const Digest& digest);
  // stat() for a client that may go on to reference the blob (HEAD and GET): the look-up is
  // recorded first when it is due, and the link then read from the store, so a collection
  // either sees the look-up or has removed the link before it is read. A record that cannot be
  // written does not fail the read.
  Result<std::uint64_t> look_up(std::string_view repository, const Digest& digest);
  // Whether look_up() of the blob would write (a request that would is sent off the I/O threads).
  bool use_due(const Digest& digest);
  // Bytes [offset, offset + length) of a blob; the caller has checked the link with stat().
  Result<BlobBytes> open(const Digest& digest, std::uint64_t offset, std::uint64_t length);
  // Where the client may fetch a blob in the blob store itself, when the store hands reads off.
  std::optional<std::string> redirect_url(const Digest& digest) { return blobs_.redirect_url(digest); }
  // The whole of a blob no larger than `max_bytes`, wherever it is kept; kBlobUnknown if it
  // is absent, kPayloadTooLarge if it is larger.
  Result<std::string> read_whole(const Digest& digest, std::uint64_t max_bytes);
  // Unlinks the blob from `repository` (its bytes stay until garbage collection);
  // kBlobUnknown if it was not linked.
  Result<void> unlink(std::string_view repository, const Digest& digest);
  // Drops the links cached for `repository`, after they changed around this service (the
  // repository deleted).
  void invalidate(std::string_view repository) { linked_sizes_.invalidate(repository); }

 private:
  Result<std::string> kept_bytes(const Digest& digest);

  storage::BlobStore& blobs_;
  meta::MetadataStore& metadata_;
  meta::LifecycleStore& lifecycle_;
  Clock& clock_;
  const std::int64_t use_interval_;
  LookupCache<std::uint64_t> linked_sizes_;
  std::mutex uses_mutex_;
  std::unordered_map<std::string, std::int64_t> recorded_uses_;  // guarded by uses_mutex_
};

}  // namespace pier::services
