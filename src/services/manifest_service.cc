#include "services/manifest_service.h"

#include "common/names.h"
#include "services/manifest_parser.h"

namespace pier::services {

namespace {
Error unknown_manifest() { return make_error(ErrorCode::kManifestUnknown, "manifest unknown to registry"); }
}  // namespace

ManifestService::ManifestService(meta::MetadataStore& metadata, Clock& clock, std::size_t max_manifest_bytes)
    : metadata_(metadata),
      clock_(clock),
      max_manifest_bytes_(max_manifest_bytes),
      cache_(lookup_cache_entries(metadata)) {}

Result<PushedManifest> ManifestService::put(std::string_view repository, std::string_view reference,
                                            std::string_view content, std::string_view content_type,
                                            const std::vector<std::string_view>& extra_tags,
                                            std::string_view pushed_by) {
  if (content.size() > max_manifest_bytes_) {
    return make_error(ErrorCode::kManifestTooLarge,
                      "manifest exceeds " + std::to_string(max_manifest_bytes_) + " bytes");
  }
  auto ref = parse_reference(reference);
  if (!ref) return ref.error();

  PushedManifest pushed;
  DigestAlgorithm algorithm = DigestAlgorithm::kSha256;
  if (const auto* digest = std::get_if<Digest>(&*ref)) {
    algorithm = digest->algorithm();
  } else {
    pushed.tags.push_back(std::get<std::string>(*ref));
  }
  for (auto tag : extra_tags) {
    if (!is_valid_tag(tag)) return make_error(ErrorCode::kManifestInvalid, "invalid tag: " + std::string(tag));
    pushed.tags.emplace_back(tag);
  }

  auto record = parse_manifest(content, content_type);
  if (!record) return record.error();
  record->digest = digest_of(content, algorithm).str();
  if (const auto* digest = std::get_if<Digest>(&*ref); digest && digest->str() != record->digest) {
    return make_error(ErrorCode::kDigestInvalid, "manifest content does not match the digest in the URL",
                      "{\"expected\":\"" + digest->str() + "\",\"actual\":\"" + record->digest + "\"}");
  }
  record->pushed_by = pushed_by;
  auto stored = metadata_.put_manifest(repository, *record, pushed.tags, clock_.unix_seconds());
  cache_.invalidate(repository);
  if (!stored) return stored.error();
  if (events_written_) events_written_();
  if (push_observer_) push_observer_(repository, *record, pushed.tags);
  pushed.digest = record->digest;
  pushed.subject = record->subject;
  return pushed;
}

Result<std::shared_ptr<const meta::StoredManifest>> ManifestService::get(std::string_view repository,
                                                                         std::string_view reference) {
  if (auto cached = cache_.get(repository, reference)) return std::move(*cached);
  auto ref = parse_reference(reference);
  if (!ref) return ref.error().code == ErrorCode::kDigestInvalid ? ref.error() : unknown_manifest();
  const auto generation = cache_.generation();
  auto found = std::holds_alternative<Digest>(*ref)
                   ? metadata_.get_manifest(repository, std::get<Digest>(*ref))
                   : metadata_.get_tagged_manifest(repository, std::get<std::string>(*ref));
  if (!found) return found.error();
  if (!*found) return unknown_manifest();
  auto manifest = std::make_shared<const meta::StoredManifest>(std::move(**found));
  cache_.put_if_current(repository, reference, manifest, generation);
  return manifest;
}

Result<void> ManifestService::remove(std::string_view repository, std::string_view reference,
                                     std::string_view actor) {
  auto ref = parse_reference(reference);
  if (!ref) return ref.error().code == ErrorCode::kDigestInvalid ? ref.error() : unknown_manifest();
  const auto now = clock_.unix_seconds();
  auto removed = std::holds_alternative<Digest>(*ref)
                     ? metadata_.delete_manifest(repository, std::get<Digest>(*ref), now, actor)
                     : metadata_.delete_tag(repository, std::get<std::string>(*ref), now, actor);
  cache_.invalidate(repository);
  if (!removed) return removed.error();
  if (!*removed) return unknown_manifest();
  if (events_written_) events_written_();
  return {};
}

Result<void> ManifestService::tag(std::string_view repository, std::string_view tag, const Digest& digest,
                                  std::string_view actor) {
  auto tagged = metadata_.tag_manifest(repository, tag, digest, clock_.unix_seconds(), actor);
  cache_.invalidate(repository);
  if (!tagged) return tagged.error();
  if (!*tagged) return unknown_manifest();
  if (events_written_) events_written_();
  return {};
}

Result<std::vector<std::string>> ManifestService::tags(std::string_view repository, std::string_view after,
                                                       std::size_t limit) {
  return metadata_.list_tags(repository, after, limit);
}

Result<std::vector<meta::Referrer>> ManifestService::referrers(std::string_view repository,
                                                               std::string_view subject,
                                                               std::optional<std::string_view> artifact_type) {
  auto digest = Digest::parse(subject);
  if (!digest) return digest.error();
  return metadata_.list_referrers(repository, *digest, artifact_type);
}

Result<std::vector<std::string>> ManifestService::repositories(std::string_view after, std::size_t limit) {
  return metadata_.list_repositories(after, limit);
}

}  // namespace pier::services
