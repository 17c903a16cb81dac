#include "services/blob_service.h"

#include <unistd.h>

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

Result<BlobBytes> BlobService::open(const Digest& digest, std::uint64_t offset, std::uint64_t length) {
  auto kept = metadata_.inline_blob(digest);
  if (!kept) return kept.error();
  if (*kept) {
    if (offset > (*kept)->size()) return make_error(ErrorCode::kInternal, "range beyond a stored blob");
    return BlobBytes{nullptr, (*kept)->substr(offset, length)};
  }
  auto file = blobs_.open(digest, offset, length);
  if (!file) return file.error();
  return BlobBytes{std::move(*file), {}};
}

Result<std::string> BlobService::read_whole(const Digest& digest, std::uint64_t max_bytes) {
  auto kept = metadata_.inline_blob(digest);
  if (!kept) return kept.error();
  const auto too_large = [] { return make_error(ErrorCode::kPayloadTooLarge, "blob too large to read whole"); };
  if (*kept) return (*kept)->size() <= max_bytes ? Result<std::string>(std::move(**kept)) : too_large();
  auto size = blobs_.stat(digest);
  if (!size) return size.error();
  if (*size > max_bytes) return too_large();
  auto region = blobs_.open(digest, 0, *size);
  if (!region) return region.error();
  std::string bytes((*region)->length(), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::pread((*region)->fd(), bytes.data() + done, bytes.size() - done,
                           static_cast<off_t>((*region)->offset() + done));
    if (n <= 0) return make_error(ErrorCode::kInternal, "cannot read a stored blob");
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

Result<void> BlobService::unlink(std::string_view repository, const Digest& digest) {
  auto removed = metadata_.unlink_blob(repository, digest);
  linked_sizes_.invalidate(repository);
  if (!removed) return removed.error();
  if (!*removed) return unknown_blob();
  return {};
}

}  // namespace pier::services
