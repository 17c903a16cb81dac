// services/manifest_service.h: manifests, tags, referrers and the catalog of a registry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "meta/metadata_store.h"
#include "services/lookup_cache.h"

namespace pier::services {

struct PushedManifest {
  std::string digest;
  std::string subject;            // empty when the manifest has none
  std::vector<std::string> tags;  // tags now pointing at it
};

class ManifestService {
 public:
  ManifestService(meta::MetadataStore& metadata, Clock& clock, std::size_t max_manifest_bytes);

  // Stores `content` under `reference` (a tag, or the digest the content must hash to) and
  // points `extra_tags` at it too. kManifestInvalid, kDigestInvalid, kManifestTooLarge,
  // kManifestBlobUnknown; nothing is stored on error.
  // `pushed_by` names the account in the push event; empty: the registry itself.
  Result<PushedManifest> put(std::string_view repository, std::string_view reference,
                             std::string_view content, std::string_view content_type,
                             const std::vector<std::string_view>& extra_tags, std::string_view pushed_by = {});
  // kManifestUnknown if the reference does not resolve in `repository`. Served from a
  // cache that every write through this service invalidates.
  Result<std::shared_ptr<const meta::StoredManifest>> get(std::string_view repository, std::string_view reference);
  // By digest: the manifest and its tags. By tag: only the tag. kManifestUnknown if absent.
  // `actor` names who did it in the delete event; empty: the registry.
  Result<void> remove(std::string_view repository, std::string_view reference, std::string_view actor = {});

  // Points `tag` at manifest `digest`, stored in `repository` already, as a push of it would:
  // the move is recorded and the cache invalidated. kManifestUnknown if it is not stored there.
  Result<void> tag(std::string_view repository, std::string_view tag, const Digest& digest,
                   std::string_view actor = {});
  // Drops what is cached of `repository`, after a change made around this service (the
  // repository deleted).
  void invalidate(std::string_view repository) { cache_.invalidate(repository); }

  // kNameUnknown if the repository does not exist.
  Result<std::vector<std::string>> tags(std::string_view repository, std::string_view after, std::size_t limit);
  Result<std::vector<meta::Referrer>> referrers(std::string_view repository, std::string_view subject,
                                                std::optional<std::string_view> artifact_type);
  Result<std::vector<std::string>> repositories(std::string_view after, std::size_t limit);

  std::size_t max_manifest_bytes() const { return max_manifest_bytes_; }

  // Told of each manifest stored, with the tags now pointing at it, after it committed (the
  // expiry a label asks for is applied here). Set before serving.
  using PushObserver = std::function<void(std::string_view repository, const meta::ManifestRecord& manifest,
                                          const std::vector<std::string>& tags)>;
  void observe_pushes(PushObserver observer) { push_observer_ = std::move(observer); }
  // Told after each change that wrote an event to the outbox (a push, a deletion, a tag).
  void observe_events(std::function<void()> written) { events_written_ = std::move(written); }

 private:
  meta::MetadataStore& metadata_;
  Clock& clock_;
  const std::size_t max_manifest_bytes_;
  LookupCache<std::shared_ptr<const meta::StoredManifest>> cache_;
  PushObserver push_observer_;
  std::function<void()> events_written_;
};

}  // namespace pier::services
