// services/blob_service.h: reading and unlinking the blobs of a repository.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/digest.h"
#include "common/error.h"
#include "common/message.h"
#include "meta/metadata_store.h"
#include "services/lookup_cache.h"
#include "storage/blob_store.h"

namespace pier::services {

class BlobService {
 public:
  BlobService(storage::BlobStore& blobs, meta::MetadataStore& metadata);

  // Size of a blob linked to `repository`; kBlobUnknown if it is not. Links found are
  // cached; unlink() invalidates them.
  Result<std::uint64_t> stat(std::string_view repository, const Digest& digest);
  // Bytes [offset, offset + length) of a blob; the caller has checked the link with stat().
  Result<std::shared_ptr<FileRegion>> open(const Digest& digest, std::uint64_t offset,
                                           std::uint64_t length);
  // Unlinks the blob from `repository` (its bytes stay until garbage collection);
  // kBlobUnknown if it was not linked.
  Result<void> unlink(std::string_view repository, const Digest& digest);
  // Drops the links cached for `repository`, after they changed around this service (the
  // repository deleted).
  void invalidate(std::string_view repository) { linked_sizes_.invalidate(repository); }

 private:
  storage::BlobStore& blobs_;
  meta::MetadataStore& metadata_;
  LookupCache<std::uint64_t> linked_sizes_{100000};
};

}  // namespace pier::services
