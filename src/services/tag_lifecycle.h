// services/tag_lifecycle.h: tags that end: expiry (set through the API or by the label
// quay.expires-after at push time) and retention policies.
//
// A removed tag is recorded in tag history as a deletion, so it can be restored while its
// manifest is kept (gc.history_window). Immutable tags are never removed, and retention
// leaves alone the tags cosign gives signatures and attestations (sha256-<hex>.sig, ...), which
// go with their image.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "meta/lifecycle_store.h"
#include "meta/metadata_store.h"
#include "services/blob_service.h"

namespace pier::services {

inline constexpr std::string_view kExpiresAfterLabel = "quay.expires-after";

// "2w", "3d", "12h", "30m", "45s": a positive count and one unit; nullopt for anything else.
std::optional<std::chrono::seconds> parse_expires_after(std::string_view text);

// The value of quay.expires-after for an image: its manifest's annotations win over its
// config's labels; nullopt when neither has it.
std::optional<std::string> expires_after_label(std::string_view annotations_json, std::string_view config_json);

// A tag a retention policy removes, and why.
struct RetentionRemoval {
  std::string repository;
  std::string tag;
  std::string digest;
  std::string reason;
};

// The tags of one repository that `policy` removes. Tags that match an include pattern (every
// tag when there is none) and no exclude pattern are ranked newest push first; a tag goes
// when it is beyond the newest keep_newest, or was pushed more than older_than ago, or, when
// the policy sets both, only when both hold.
std::vector<RetentionRemoval> retention_removals(std::string_view repository, const meta::RetentionPolicy& policy,
                                                 const std::vector<meta::RepositoryTag>& tags,
                                                 const std::vector<std::string>& immutable_patterns, std::int64_t now);

class TagLifecycle {
 public:
  // `changed(repository)` is told of each repository whose tags were removed, so caches of
  // this process drop them.
  TagLifecycle(meta::LifecycleStore& lifecycle, meta::MetadataStore& metadata, BlobService& blobs, Clock& clock,
               std::function<void(std::string_view repository)> changed);

  // After a push of `manifest` with `tags`: gives the tags the expiry its label asks for. A
  // value that is not a duration is ignored, as Quay does. An index has the label when every
  // image in it has the same one (its own annotations win).
  Result<void> apply_expiry_label(std::string_view repository, const meta::ManifestRecord& manifest,
                                  const std::vector<std::string>& tags);
  // Sets or (nullopt) clears a tag's expiry; kManifestUnknown if there is no such tag, kDenied
  // for an immutable tag.
  Result<void> set_expiry(std::string_view repository, std::string_view tag, std::optional<std::int64_t> expires_at);
  // Removes every tag whose expiry has passed.
  Result<std::vector<meta::ExpiredTag>> expire_due();

  // Applies the policy of one scope (a namespace's to each of its repositories); a dry run
  // lists exactly what a real run would remove if nothing changed in between.
  Result<std::vector<RetentionRemoval>> apply_retention(meta::RuleScope scope, std::string_view name, bool dry_run);
  // Every policy, as the scheduled job runs them.
  Result<std::vector<RetentionRemoval>> apply_all_retention();

 private:
  Result<std::vector<RetentionRemoval>> apply_policy(std::string_view repository, const meta::RetentionPolicy& policy,
                                                     bool dry_run);
  Result<std::vector<std::string>> immutable_patterns_of(std::string_view repository);
  // The label of an image manifest, or of every image of an index; nullopt if none or they differ.
  std::optional<std::string> label_of(std::string_view repository, const meta::ManifestRecord& manifest, int depth);

  meta::LifecycleStore& lifecycle_;
  meta::MetadataStore& metadata_;
  BlobService& blobs_;
  Clock& clock_;
  const std::function<void(std::string_view)> changed_;
};

}  // namespace pier::services
