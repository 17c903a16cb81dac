// meta/lifecycle_store.h: what garbage collection, tag expiration, retention, immutable tags
// and quotas read and write.
//
// The collector marks from these rows, never from a walk of the blob store. Each method is
// one transaction and checks again, inside it, what made an item collectable: a push that
// references a manifest or a blob between the collector's read and its delete keeps it. The
// order of a blob's removal (claim the row, remove the bytes, forget the row) and the lock
// that keeps an upload of the same digest out of the middle of it are in
// docs/ARCHITECTURE.md, "Garbage collection". Times are Unix seconds from the caller's Clock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::meta {

enum class RuleScope { kNamespace, kRepository };
inline std::string_view to_text(RuleScope scope) { return scope == RuleScope::kNamespace ? "namespace" : "repository"; }

struct RepositoryRef {
  std::int64_t id = 0;
  std::string name;
};

// One manifest of a repository, with what the collector needs to decide whether anything
// still reaches it.
struct ManifestNode {
  std::string digest;
  std::string subject;                 // empty when none
  std::vector<std::string> children;   // the manifests it references (an index's entries)
  std::vector<std::string> blobs;      // the blobs it references (config, layers)
  bool tagged = false;
  bool left_tag_since = false;         // left a tag at or after the history window's start
  bool ever_tagged = false;            // some tag pointed at it once
  std::int64_t created_at = 0;
};

struct BlobLink {
  std::int64_t repository_id = 0;
  std::string repository;
  std::string digest;
};

// A blob as a dry run weighs it: how many repositories link it and when it was last used.
struct BlobStanding {
  std::string digest;
  std::uint64_t size = 0;
  bool kept_inline = false;
  std::uint64_t links = 0;
  std::int64_t last_used_at = 0;
};

struct CollectedBlob {
  std::string digest;
  std::uint64_t size = 0;
  bool kept_inline = false;  // its bytes were in the metadata database, not the blob store
};

// A namespace's quota, history window and usage (each distinct blob its repositories link,
// counted once).
struct NamespaceLifecycle {
  std::optional<std::uint64_t> limit_bytes;
  std::optional<std::uint64_t> warning_bytes;
  std::optional<std::int64_t> history_window;  // seconds; nullopt: gc.history_window
  std::uint64_t used_bytes = 0;
  std::uint64_t blob_count = 0;
};

struct RetentionPolicy {
  std::optional<std::uint64_t> keep_newest;  // keep this many of the newest matching tags
  std::optional<std::int64_t> older_than;    // seconds: remove matching tags pushed longer ago
  std::vector<std::string> include;          // globs; empty: every tag
  std::vector<std::string> exclude;          // globs
  friend bool operator==(const RetentionPolicy&, const RetentionPolicy&) = default;
};

struct RepositoryTag {
  std::string name;
  std::string digest;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> expires_at;
};

struct ExpiredTag {
  std::string repository;
  std::string tag;
  std::string digest;
  std::int64_t expired_at = 0;
};

// Held while the bytes of the blobs it names are placed or removed; released when destroyed.
class BlobLock {
 public:
  virtual ~BlobLock() = default;
};

class LifecycleStore {
 public:
  virtual ~LifecycleStore() = default;

  // --- Garbage collection: manifests.
  // Repositories with id > `after` holding a manifest that no tag points at, by id.
  virtual Result<std::vector<RepositoryRef>> repositories_with_untagged_manifests(std::int64_t after,
                                                                                   std::size_t limit) = 0;
  // Every manifest of the repository; `history_since` sets ManifestNode::left_tag_since.
  virtual Result<std::vector<ManifestNode>> manifest_graph(std::int64_t repository_id, std::int64_t history_since) = 0;
  // Deletes, in one transaction and in the order given, each of `digests` (with its
  // references) that, checked inside the transaction, no tag points at, no manifest of the
  // repository references, left no tag after `history_since`, was created at or before
  // `created_before` or was tagged once, and whose subject (if any) is gone or untagged and
  // unreferenced. A manifest's attachment tags and what only they reach go with it, their
  // removal recorded at `now`. Returns how many went.
  virtual Result<std::uint64_t> delete_unreachable_manifests(std::int64_t repository_id,
                                                             const std::vector<std::string>& digests,
                                                             std::int64_t history_since, std::int64_t created_before,
                                                             std::int64_t now) = 0;

  // --- Garbage collection: blob links and blobs.
  // Links after `after` (by repository id, then digest) that no manifest of their repository
  // references, whose blob was last used at or before `used_before`; at most `limit`.
  virtual Result<std::vector<BlobLink>> unreferenced_links(const BlobLink& after, std::size_t limit,
                                                           std::int64_t used_before) = 0;
  // Deletes those of `links` that are still unreferenced and unused; returns those deleted.
  virtual Result<std::vector<BlobLink>> delete_unreferenced_links(const std::vector<BlobLink>& links,
                                                                  std::int64_t used_before) = 0;
  // Blobs after `after` by digest that no repository links, last used at or before `used_before`,
  // and those a collection claimed and did not finish; at most `limit`.
  virtual Result<std::vector<CollectedBlob>> unlinked_blobs(std::string_view after, std::size_t limit,
                                                            std::int64_t used_before) = 0;
  // Claims those of `digests` still unlinked and unused (or claimed before): a blob kept
  // inline goes now with its bytes; any other is marked deleting, so references to it are
  // refused, until forget_blobs(). Returns what was claimed. Call with lock_blobs() held.
  virtual Result<std::vector<CollectedBlob>> claim_unlinked_blobs(const std::vector<std::string>& digests,
                                                                  std::int64_t used_before) = 0;
  // The standing of each of `digests` that has a row (for a dry run).
  virtual Result<std::vector<BlobStanding>> blob_standing(const std::vector<std::string>& digests) = 0;
  // Deletes the rows of claimed blobs whose bytes are gone.
  virtual Result<void> forget_blobs(const std::vector<std::string>& digests) = 0;
  // Excludes every other process's lock_blobs() of any of `digests` until the lock is dropped:
  // an upload committing a digest and the collector removing it never interleave.
  virtual Result<std::unique_ptr<BlobLock>> lock_blobs(std::vector<std::string> digests) = 0;
  // Records that the blobs were looked up now (an upload or a mount records it itself).
  virtual Result<void> record_blob_use(const std::vector<std::string>& digests, std::int64_t now) = 0;

  // --- Tag expiration.
  // Sets (nullopt: clears) when `tag` expires; with `only_if_digest`, only while the tag still
  // points there. False if there is no such tag (or it moved).
  virtual Result<bool> set_tag_expiry(std::string_view repository, std::string_view tag,
                                      std::optional<std::int64_t> expires_at,
                                      std::optional<std::string_view> only_if_digest) = 0;
  // Removes up to `limit` tags whose expiry is at or before `now`, each recorded in tag history
  // as a deletion. Immutable tags are never removed.
  virtual Result<std::vector<ExpiredTag>> remove_expired_tags(std::int64_t now, std::size_t limit) = 0;

  // --- Retention.
  // The repository's tags with their push times and expiries; kNameUnknown if no such repository.
  virtual Result<std::vector<RepositoryTag>> repository_tags(std::string_view repository) = 0;
  // Removes `tag` if it still points at `digest` and is not immutable, recorded in tag history.
  virtual Result<bool> remove_tag_if_at(std::string_view repository, std::string_view tag, std::string_view digest,
                                        std::int64_t now) = 0;
  virtual Result<std::optional<RetentionPolicy>> retention_policy(RuleScope scope, std::string_view name) = 0;
  // nullopt removes the policy.
  virtual Result<void> set_retention_policy(RuleScope scope, std::string_view name,
                                            const std::optional<RetentionPolicy>& policy, std::int64_t now) = 0;
  // Every scope that has a policy: (scope, name).
  virtual Result<std::vector<std::pair<RuleScope, std::string>>> retention_scopes() = 0;
  // Repositories of `namespace_name`, by name.
  virtual Result<std::vector<std::string>> namespace_repositories(std::string_view namespace_name) = 0;

  // --- Immutable tags.
  virtual Result<std::vector<std::string>> immutable_patterns(RuleScope scope, std::string_view name) = 0;
  virtual Result<void> set_immutable_patterns(RuleScope scope, std::string_view name,
                                              const std::vector<std::string>& patterns) = 0;

  // --- Quotas and history windows.
  virtual Result<NamespaceLifecycle> namespace_lifecycle(std::string_view namespace_name) = 0;
  // nullopt clears the quota.
  virtual Result<void> set_quota(std::string_view namespace_name, std::optional<std::uint64_t> limit_bytes,
                                 std::optional<std::uint64_t> warning_bytes) = 0;
  virtual Result<void> set_history_window(std::string_view namespace_name, std::optional<std::int64_t> seconds) = 0;
  // Namespaces whose history window differs from the default: (namespace, seconds).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> history_windows() = 0;
};

}  // namespace pier::meta
