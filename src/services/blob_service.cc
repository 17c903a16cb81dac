#include "services/blob_service.h"

namespace pier::services {

namespace {
Error unknown_blob() { return make_error(ErrorCode::kBlobUnknown, "blob unknown to registry"); }
}  // namespace

BlobService::BlobService(storage::BlobStore& blobs, meta::MetadataStore& metadata)
    : blobs_(blobs), metadata_(metadata) {}

Result<std::uint64_t> BlobService::stat(std::string_view repository, const Digest& digest) {
  if (auto cached = linked_sizes_.get(repository, digest.str())) return *cached;
  const auto generation = linked_sizes_.generation();
  auto size = metadata_.linked_blob_size(repository, digest);
  if (!size) return size.error();
  if (!*size) return unknown_blob();
  linked_sizes_.put_if_current(repository, digest.str(), **size, generation);
  return **size;
}

Result<std::shared_ptr<FileRegion>> BlobService::open(const Digest& digest, std::uint64_t offset,
                                                      std::uint64_t length) {
  return blobs_.open(digest, offset, length);
}

Result<void> BlobService::unlink(std::string_view repository, const Digest& digest) {
  auto removed = metadata_.unlink_blob(repository, digest);
  linked_sizes_.invalidate(repository);
  if (!removed) return removed.error();
  if (!*removed) return unknown_blob();
  return {};
}

}  // namespace pier::services
