// services/repository_content.h: what a repository holds, as the management API shows and
// changes it: summaries, tags with their sizes and platforms, manifests read in detail.
//
// Tag moves and deletions go through ManifestService, exactly as pushes and registry deletes
// do, and deleting a repository drops what ManifestService and BlobService cache of it, so the
// registry never serves what the API removed. Names, tags and digests passed in are validated.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/digest.h"
#include "common/error.h"
#include "meta/metadata_store.h"
#include "services/blob_service.h"
#include "services/manifest_parser.h"
#include "services/manifest_service.h"

namespace pier::services {

struct TagInfo {
  std::string name;
  std::string digest;
  std::string media_type;
  std::uint64_t size = 0;  // an image: config and layers; an index: the sum over its images
  std::vector<Platform> platforms;
  std::int64_t last_modified = 0;
  std::optional<std::int64_t> expires_at;
};

struct ManifestInfo {
  std::string digest;
  std::uint64_t size = 0;        // of the manifest's own bytes
  std::uint64_t total_size = 0;  // as TagInfo::size
  ManifestDocument document;
  std::vector<Platform> platforms;
  std::vector<std::string> tags;
};

class RepositoryContent {
 public:
  RepositoryContent(meta::MetadataStore& metadata, ManifestService& manifests,
                    BlobService& blob_links, Clock& clock)
      : metadata_(metadata), manifests_(manifests), blob_links_(blob_links), clock_(clock) {}

  Result<std::vector<meta::RepositorySummary>> list(const meta::RepositoryQuery& query) {
    return metadata_.list_repository_summaries(query);
  }
  Result<std::optional<meta::RepositorySummary>> summary(std::string_view repository) {
    return metadata_.repository_summary(repository);
  }
  // False if it exists already.
  Result<bool> create(std::string_view repository) {
    return metadata_.create_repository(repository, clock_.unix_seconds());
  }
  // False if it did not exist.
  Result<bool> remove(std::string_view repository);

  // kNameUnknown if the repository does not exist.
  Result<std::vector<TagInfo>> tags(std::string_view repository, std::string_view substring, std::string_view after,
                                    std::size_t limit);
  // `tag` now points at `digest`; kManifestUnknown if the repository does not hold it.
  // `actor` names who did it in the event the change writes.
  Result<TagInfo> put_tag(std::string_view repository, std::string_view tag, const Digest& digest,
                          std::string_view actor = {});
  // kManifestUnknown if there is no such tag.
  Result<TagInfo> tag(std::string_view repository, std::string_view tag);
  // kManifestUnknown if there is no such tag.
  Result<void> delete_tag(std::string_view repository, std::string_view tag, std::string_view actor = {}) {
    return manifests_.remove(repository, tag, actor);
  }
  // Newest first.
  Result<std::vector<meta::TagEvent>> history(std::string_view repository, std::string_view tag);
  // kManifestUnknown if the repository does not hold it.
  Result<ManifestInfo> manifest(std::string_view repository, const Digest& digest);

 private:
  struct Content {
    std::uint64_t total_size = 0;
    std::vector<Platform> platforms;
  };
  // Sizes and platforms of a manifest of `repository` from its bytes, and its images'.
  Result<Content> content_of(std::string_view repository, const ManifestDocument& manifest);
  std::optional<Platform> image_platform(const Descriptor& config);
  Result<TagInfo> tag_info(std::string_view repository, const meta::TagDetail& tag);

  meta::MetadataStore& metadata_;
  ManifestService& manifests_;
  BlobService& blob_links_;
  Clock& clock_;

  // Image platforms by config digest. A config never changes under its digest, so entries
  // never go stale; the bound only limits memory.
  std::mutex platforms_mutex_;
  std::unordered_map<std::string, std::optional<Platform>> platforms_;  // guarded by platforms_mutex_
};

}  // namespace pier::services
