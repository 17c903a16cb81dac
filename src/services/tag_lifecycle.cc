#include "services/tag_lifecycle.h"

#include <algorithm>
#include <charconv>
#include <set>

#include <boost/json.hpp>

#include "common/glob.h"
#include "services/manifest_parser.h"

namespace pier::services {

namespace json = boost::json;

namespace {

// Labels and annotations, like the whole config, are at most what a manifest may be.
constexpr std::uint64_t kMaxConfigBytes = 4 * 1024 * 1024;
constexpr std::size_t kExpiryBatch = 500;

std::optional<std::string> string_member(const json::value& value, std::string_view key) {
  const auto* object = value.if_object();
  if (!object) return std::nullopt;
  const auto* member = object->if_contains(key);
  if (!member || !member->is_string()) return std::nullopt;
  return std::string(member->as_string());
}

std::string_view namespace_part(std::string_view repository) {
  const auto slash = repository.find('/');
  return slash == std::string_view::npos ? std::string_view() : repository.substr(0, slash);
}

// cosign's attachments (sha256-<hex>.sig, .att, .sbom) live and go with their image.
bool is_attachment_tag(std::string_view tag) { return tag.starts_with("sha256-"); }

std::string duration_text(std::int64_t seconds) {
  if (seconds % 86400 == 0) return std::to_string(seconds / 86400) + "d";
  if (seconds % 3600 == 0) return std::to_string(seconds / 3600) + "h";
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

}  // namespace

std::optional<std::chrono::seconds> parse_expires_after(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  std::int64_t count = 0;
  const auto digits = text.substr(0, text.size() - 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc() || end != digits.data() + digits.size() || count <= 0) return std::nullopt;
  std::int64_t unit_seconds = 0;
  switch (unit) {
    case 's': unit_seconds = 1; break;
    case 'm': unit_seconds = 60; break;
    case 'h': unit_seconds = 3600; break;
    case 'd': unit_seconds = 86400; break;
    case 'w': unit_seconds = 7 * 86400; break;
    default: return std::nullopt;
  }
  constexpr std::int64_t kLimit = 36500LL * 86400;  // a hundred years: an expiry, not a timestamp overflow
  if (count > kLimit / unit_seconds) return std::nullopt;
  return std::chrono::seconds(count * unit_seconds);
}

std::optional<std::string> expires_after_label(std::string_view annotations_json, std::string_view config_json) {
  boost::system::error_code ec;
  if (!annotations_json.empty()) {
    const auto annotations = json::parse(annotations_json, ec);
    if (!ec) {
      if (auto value = string_member(annotations, kExpiresAfterLabel)) return value;
    }
  }
  if (config_json.empty()) return std::nullopt;
  const auto config = json::parse(config_json, ec);
  if (ec || !config.is_object()) return std::nullopt;
  const auto* inner = config.as_object().if_contains("config");
  if (!inner || !inner->is_object()) return std::nullopt;
  const auto* labels = inner->as_object().if_contains("Labels");
  if (!labels) return std::nullopt;
  return string_member(*labels, kExpiresAfterLabel);
}

std::vector<RetentionRemoval> retention_removals(std::string_view repository, const meta::RetentionPolicy& policy,
                                                 const std::vector<meta::RepositoryTag>& tags,
                                                 const std::vector<std::string>& immutable_patterns, std::int64_t now) {
  std::vector<const meta::RepositoryTag*> candidates;
  for (const auto& tag : tags) {
    if (is_attachment_tag(tag.name) || any_glob_matches(immutable_patterns, tag.name)) continue;
    if (!policy.include.empty() && !any_glob_matches(policy.include, tag.name)) continue;
    if (any_glob_matches(policy.exclude, tag.name)) continue;
    candidates.push_back(&tag);
  }
  std::sort(candidates.begin(), candidates.end(), [](const auto* a, const auto* b) {
    return a->updated_at != b->updated_at ? a->updated_at > b->updated_at : a->name < b->name;
  });
  std::vector<RetentionRemoval> removals;
  for (std::size_t rank = 0; rank < candidates.size(); ++rank) {
    const auto& tag = *candidates[rank];
    const bool beyond = policy.keep_newest && rank >= *policy.keep_newest;
    const bool old = policy.older_than && tag.updated_at < now - *policy.older_than;
    std::string reason;
    if (policy.keep_newest && policy.older_than) {
      if (!(beyond && old)) continue;
      reason = "beyond the newest " + std::to_string(*policy.keep_newest) + " and not pushed for " +
               duration_text(*policy.older_than);
    } else if (beyond) {
      reason = "beyond the newest " + std::to_string(*policy.keep_newest);
    } else if (old) {
      reason = "not pushed for " + duration_text(*policy.older_than);
    } else {
      continue;
    }
    removals.push_back(RetentionRemoval{std::string(repository), tag.name, tag.digest, std::move(reason)});
  }
  return removals;
}

TagLifecycle::TagLifecycle(meta::LifecycleStore& lifecycle, meta::MetadataStore& metadata, BlobService& blobs,
                           Clock& clock, std::function<void(std::string_view)> changed)
    : lifecycle_(lifecycle), metadata_(metadata), blobs_(blobs), clock_(clock), changed_(std::move(changed)) {}

std::optional<std::string> TagLifecycle::label_of(std::string_view repository, const meta::ManifestRecord& manifest,
                                                 int depth) {
  std::string config;
  std::vector<std::string> children;
  for (const auto& ref : manifest.references) {
    if (ref.kind == meta::ReferenceKind::kManifest) children.push_back(ref.digest);
    if (ref.described_as != "config") continue;
    auto digest = Digest::parse(ref.digest);
    if (!digest) continue;
    if (auto bytes = blobs_.read_whole(*digest, kMaxConfigBytes)) config = std::move(*bytes);
  }
  if (auto own = expires_after_label(manifest.annotations_json, config)) return own;
  // An index's images must agree (Quay's rule); an index of indexes is looked into once.
  if (children.empty() || depth > 1) return std::nullopt;
  std::optional<std::string> common;
  for (const auto& child : children) {
    auto digest = Digest::parse(child);
    if (!digest) return std::nullopt;
    auto stored = metadata_.get_manifest(repository, *digest);
    if (!stored || !*stored) return std::nullopt;
    auto record = parse_manifest((*stored)->content, (*stored)->media_type);
    if (!record) return std::nullopt;
    record->digest = child;
    auto label = label_of(repository, *record, depth + 1);
    if (!label || (common && *common != *label)) return std::nullopt;
    common = std::move(label);
  }
  return common;
}

Result<void> TagLifecycle::apply_expiry_label(std::string_view repository, const meta::ManifestRecord& manifest,
                                              const std::vector<std::string>& tags) {
  if (tags.empty()) return {};
  const auto label = label_of(repository, manifest, 0);
  if (!label) return {};
  const auto after = parse_expires_after(*label);
  if (!after) return {};
  const auto expires_at = clock_.unix_seconds() + after->count();
  for (const auto& tag : tags) {
    auto set = lifecycle_.set_tag_expiry(repository, tag, expires_at, std::string_view(manifest.digest));
    if (!set) return set.error();
  }
  return {};
}

Result<void> TagLifecycle::set_expiry(std::string_view repository, std::string_view tag,
                                      std::optional<std::int64_t> expires_at) {
  auto set = lifecycle_.set_tag_expiry(repository, tag, expires_at, std::nullopt);
  if (!set) return set.error();
  if (!*set) return make_error(ErrorCode::kManifestUnknown, "no such tag");
  changed_(repository);
  return {};
}

Result<std::vector<meta::ExpiredTag>> TagLifecycle::expire_due() {
  std::vector<meta::ExpiredTag> all;
  for (;;) {
    auto removed = lifecycle_.remove_expired_tags(clock_.unix_seconds(), kExpiryBatch);
    if (!removed) return removed.error();
    std::set<std::string> repositories;
    for (auto& tag : *removed) {
      repositories.insert(tag.repository);
      all.push_back(std::move(tag));
    }
    for (const auto& repository : repositories) changed_(repository);
    if (removed->size() < kExpiryBatch) break;
  }
  return all;
}

Result<std::vector<std::string>> TagLifecycle::immutable_patterns_of(std::string_view repository) {
  auto patterns = lifecycle_.immutable_patterns(meta::RuleScope::kNamespace, namespace_part(repository));
  if (!patterns) return patterns.error();
  auto own = lifecycle_.immutable_patterns(meta::RuleScope::kRepository, repository);
  if (!own) return own.error();
  patterns->insert(patterns->end(), own->begin(), own->end());
  return patterns;
}

Result<std::vector<RetentionRemoval>> TagLifecycle::apply_policy(std::string_view repository,
                                                                 const meta::RetentionPolicy& policy, bool dry_run) {
  auto tags = lifecycle_.repository_tags(repository);
  if (!tags) return tags.error();
  auto immutable = immutable_patterns_of(repository);
  if (!immutable) return immutable.error();
  const auto now = clock_.unix_seconds();
  auto removals = retention_removals(repository, policy, *tags, *immutable, now);
  if (dry_run) return removals;
  std::vector<RetentionRemoval> done;
  for (auto& removal : removals) {
    auto removed = lifecycle_.remove_tag_if_at(repository, removal.tag, removal.digest, now);
    if (!removed) return removed.error();
    if (*removed) done.push_back(std::move(removal));
  }
  if (!done.empty()) changed_(repository);
  return done;
}

Result<std::vector<RetentionRemoval>> TagLifecycle::apply_retention(meta::RuleScope scope, std::string_view name,
                                                                    bool dry_run) {
  auto policy = lifecycle_.retention_policy(scope, name);
  if (!policy) return policy.error();
  if (!*policy) return std::vector<RetentionRemoval>{};
  std::vector<std::string> repositories;
  if (scope == meta::RuleScope::kRepository) {
    repositories.emplace_back(name);
  } else {
    auto names = lifecycle_.namespace_repositories(name);
    if (!names) return names.error();
    repositories = std::move(*names);
  }
  std::vector<RetentionRemoval> all;
  for (const auto& repository : repositories) {
    auto removals = apply_policy(repository, **policy, dry_run);
    if (!removals) {
      if (removals.error().code == ErrorCode::kNameUnknown) continue;  // deleted meanwhile
      return removals.error();
    }
    std::move(removals->begin(), removals->end(), std::back_inserter(all));
  }
  return all;
}

Result<std::vector<RetentionRemoval>> TagLifecycle::apply_all_retention() {
  auto scopes = lifecycle_.retention_scopes();
  if (!scopes) return scopes.error();
  std::vector<RetentionRemoval> all;
  for (const auto& [scope, name] : *scopes) {
    auto removals = apply_retention(scope, name, false);
    if (!removals) return removals.error();
    std::move(removals->begin(), removals->end(), std::back_inserter(all));
  }
  return all;
}

}  // namespace pier::services
