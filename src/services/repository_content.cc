#include "services/repository_content.h"

#include <unistd.h>

#include <algorithm>

namespace pier::services {

namespace {

// Larger "configs" are not image configs worth reading for a platform.
constexpr std::uint64_t kMaxConfigBytes = 1024 * 1024;
constexpr std::size_t kMaxCachedPlatforms = 100000;

std::uint64_t image_size(const ManifestDocument& image) {
  std::uint64_t size = image.config ? image.config->size : 0;
  for (const auto& layer : image.layers) size += layer.size;
  return size;
}

}  // namespace

Result<bool> RepositoryContent::remove(std::string_view repository) {
  auto removed = metadata_.delete_repository(repository);
  manifests_.invalidate(repository);
  blob_links_.invalidate(repository);
  return removed;
}

// The platform of an image is in its config blob, read here when a tag list or a manifest is
// shown rather than recorded when the manifest is pushed: the push stays a pure metadata
// write (no blob read while tags move), images pushed before this view existed show their
// platform too, and a config is small and immutable under its digest, so it is read once and
// cached.
std::optional<Platform> RepositoryContent::image_platform(const Descriptor& config) {
  {
    std::lock_guard lock(platforms_mutex_);
    if (auto found = platforms_.find(config.digest); found != platforms_.end()) return found->second;
  }
  std::optional<Platform> platform;
  auto digest = Digest::parse(config.digest);
  auto bytes = digest ? blob_links_.read_whole(*digest, kMaxConfigBytes) : Result<std::string>(digest.error());
  if (bytes) platform = read_config_platform(*bytes);
  // A blob that cannot be read now is not remembered as having no platform.
  if (!bytes && bytes.error().code != ErrorCode::kPayloadTooLarge) return std::nullopt;
  std::lock_guard lock(platforms_mutex_);
  if (platforms_.size() >= kMaxCachedPlatforms) platforms_.clear();
  platforms_.emplace(config.digest, platform);
  return platform;
}

Result<RepositoryContent::Content> RepositoryContent::content_of(std::string_view repository,
                                                                 const ManifestDocument& manifest) {
  Content content;
  if (manifest.config) {
    content.total_size = image_size(manifest);
    if (auto platform = image_platform(*manifest.config)) content.platforms.push_back(std::move(*platform));
    return content;
  }
  for (const auto& child : manifest.manifests) {
    if (child.platform) content.platforms.push_back(*child.platform);
    auto digest = Digest::parse(child.digest);
    if (!digest) continue;
    auto stored = metadata_.get_manifest(repository, *digest);
    if (!stored) return stored.error();
    if (!*stored) continue;
    // Only images count: an index inside an index is rare, and its images are usually listed too.
    if (auto image = read_manifest((*stored)->content, (*stored)->media_type); image) {
      content.total_size += image_size(*image);
    }
  }
  return content;
}

Result<TagInfo> RepositoryContent::tag_info(std::string_view repository, const meta::TagDetail& tag) {
  TagInfo info{tag.name, tag.digest, tag.media_type, 0, {}, tag.last_modified, tag.expires_at};
  auto manifest = read_manifest(tag.content, tag.media_type);
  if (!manifest) return info;  // stored only after it parsed; shown without sizes if that ever changes
  auto content = content_of(repository, *manifest);
  if (!content) return content.error();
  info.size = content->total_size;
  info.platforms = std::move(content->platforms);
  return info;
}

Result<std::vector<TagInfo>> RepositoryContent::tags(std::string_view repository, std::string_view substring,
                                                     std::string_view after, std::size_t limit) {
  auto details = metadata_.list_tag_details(repository, substring, after, limit);
  if (!details) return details.error();
  std::vector<TagInfo> tags;
  for (const auto& detail : *details) {
    auto info = tag_info(repository, detail);
    if (!info) return info.error();
    tags.push_back(std::move(*info));
  }
  return tags;
}

Result<TagInfo> RepositoryContent::tag(std::string_view repository, std::string_view tag) {
  auto detail = metadata_.tag_detail(repository, tag);
  if (!detail) return detail.error();
  if (!*detail) return make_error(ErrorCode::kManifestUnknown, "no such tag");
  return tag_info(repository, **detail);
}

Result<TagInfo> RepositoryContent::put_tag(std::string_view repository, std::string_view tag, const Digest& digest,
                                           std::string_view actor) {
  if (auto tagged = manifests_.tag(repository, tag, digest, actor); !tagged) return tagged.error();
  // The tag as stored now (a concurrent push may have moved it again since).
  auto stored = metadata_.tag_detail(repository, tag);
  if (!stored) return stored.error();
  if (!*stored) return make_error(ErrorCode::kManifestUnknown, "the tag was deleted meanwhile");
  return tag_info(repository, **stored);
}

Result<std::vector<meta::TagEvent>> RepositoryContent::history(std::string_view repository, std::string_view tag) {
  auto events = metadata_.tag_history(repository, tag);
  if (!events) return events.error();
  std::reverse(events->begin(), events->end());
  return events;
}

Result<ManifestInfo> RepositoryContent::manifest(std::string_view repository, const Digest& digest) {
  auto stored = manifests_.get(repository, digest.str());
  if (!stored) return stored.error();
  auto document = read_manifest((*stored)->content, (*stored)->media_type);
  if (!document) return document.error();
  auto content = content_of(repository, *document);
  if (!content) return content.error();
  auto tags = metadata_.tags_of_manifest(repository, digest);
  if (!tags) return tags.error();
  return ManifestInfo{(*stored)->digest, (*stored)->content.size(), content->total_size, std::move(*document),
                      std::move(content->platforms), std::move(*tags)};
}

}  // namespace pier::services
