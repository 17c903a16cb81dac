#include "services/blob_service.h"

namespace pier::services {

namespace {
Error unknown_blob() { return make_error(ErrorCode::kBlobUnknown, "blob unknown to registry"); }
}  // namespace

namespace {
// Forgetting every recorded use only makes the next look-ups write again.
constexpr std::size_t kMaxRecordedUses = 100'000;
}  // namespace

BlobService::BlobService(storage::BlobStore& blobs, meta::MetadataStore& metadata, meta::LifecycleStore& lifecycle,
                         Clock& clock, std::chrono::seconds use_interval)
    : blobs_(blobs),
      metadata_(metadata),
      lifecycle_(lifecycle),
      clock_(clock),
      use_interval_(use_interval.count()),
      linked_sizes_(lookup_cache_entries(metadata)) {}

bool BlobService::use_due(const Digest& digest) {
  const auto now = clock_.unix_seconds();
  std::lock_guard lock(uses_mutex_);
  auto it = recorded_uses_.find(digest.str());
  return it == recorded_uses_.end() || now - it->second >= use_interval_;
}

Result<std::uint64_t> BlobService::look_up(std::string_view repository, const Digest& digest) {
  if (!use_due(digest)) return stat(repository, digest);
  const auto now = clock_.unix_seconds();
  // A store that cannot be written (a full disk) still serves reads; the use is recorded by a
  // later look-up, and a collection cannot write either meanwhile.
  if (lifecycle_.record_blob_use({digest.str()}, now)) {
    std::lock_guard lock(uses_mutex_);
    if (recorded_uses_.size() >= kMaxRecordedUses) recorded_uses_.clear();
    recorded_uses_[digest.str()] = now;
  }
  auto size = metadata_.linked_blob_size(repository, digest);
  if (!size) return size.error();
  if (!*size) return unknown_blob();
  return **size;
}

Result<std::uint64_t> BlobService::stat(std::string_view repository, const Digest& digest) {
  if (auto cached = linked_sizes_.get(repository, digest.str())) return *cached;
  const auto generation = linked_sizes_.generation();
  auto size = metadata_.linked_blob_size(repository, digest);
  if (!size) return size.error();
  if (!*size) return unknown_blob();
  linked_sizes_.put_if_current(repository, digest.str(), **size, generation);
  return **size;
}

// The bytes of a blob the blob store does not have: those kept in the metadata store, or
// kBlobUnknown. Asked second, so pulls of large blobs never read the database for bytes.
Result<std::string> BlobService::kept_bytes(const Digest& digest) {
  auto kept = metadata_.inline_blob(digest);
  if (!kept) return kept.error();
  if (!*kept) return unknown_blob();
  return std::move(**kept);
}

Result<BlobBytes> BlobService::open(const Digest& digest, std::uint64_t offset, std::uint64_t length) {
  auto file = blobs_.open(digest, offset, length);
  if (file) return BlobBytes{std::move(*file), {}};
  if (file.error().code != ErrorCode::kBlobUnknown) return file.error();
  auto kept = kept_bytes(digest);
  if (!kept) return kept.error();
  if (offset > kept->size()) return make_error(ErrorCode::kInternal, "range beyond a stored blob");
  return BlobBytes{nullptr, kept->substr(offset, length)};
}

Result<std::string> BlobService::read_whole(const Digest& digest, std::uint64_t max_bytes) {
  const auto too_large = [] { return make_error(ErrorCode::kPayloadTooLarge, "blob too large to read whole"); };
  auto size = blobs_.stat(digest);
  if (!size && size.error().code != ErrorCode::kBlobUnknown) return size.error();
  if (!size) {
    auto kept = kept_bytes(digest);
    if (kept && kept->size() > max_bytes) return too_large();
    return kept;
  }
  if (*size > max_bytes) return too_large();
  auto region = blobs_.open(digest, 0, *size);
  if (!region) return region.error();
  std::string bytes((*region)->length(), '\0');
  if (!(*region)->read_into(bytes.data())) return make_error(ErrorCode::kInternal, "cannot read a stored blob");
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
