#include "meta/postgres/pg_lifecycle_store.h"

#include <algorithm>

#include "meta/event_payloads.h"
#include "meta/lifecycle_rules.h"
#include "meta/postgres/pg_database.h"
#include "meta/postgres/pg_notification_store.h"
#include "meta/postgres/pg_tag_rows.h"

namespace pier::meta {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::Rows;

// The advisory lock space of blob locks (two-key form, apart from the tag locks' one-key
// form): "PIER" as the first key, the digest's first 32 bits as the second.
constexpr std::int64_t kBlobLockSpace = 0x50494552;

std::int64_t lock_key(std::string_view digest) {
  const auto colon = digest.find(':');
  const auto hex = digest.substr(colon == std::string_view::npos ? 0 : colon + 1, 8);
  std::uint32_t key = 0;
  for (char c : hex) {
    key = key * 16 + static_cast<std::uint32_t>(c >= 'a' ? c - 'a' + 10 : (c >= 'A' ? c - 'A' + 10 : c - '0'));
  }
  return static_cast<std::int32_t>(key);
}

// Session-level advisory locks on a connection of its own; unlocked when dropped. If this
// process dies, PostgreSQL ends the session and the locks with it.
class AdvisoryBlobLock final : public BlobLock {
 public:
  explicit AdvisoryBlobLock(std::unique_ptr<postgres::ConnectionPool::Lease> lease) : lease_(std::move(lease)) {}
  // Keys in ascending order, so two lockers of overlapping sets never wait on each other.
  void lock(const std::vector<std::int64_t>& keys) {
    for (auto key : keys) (*lease_)->query("SELECT pg_advisory_lock($1::int, $2::int)", {kBlobLockSpace, key});
  }
  ~AdvisoryBlobLock() override {
    try {
      (*lease_)->exec("SELECT pg_advisory_unlock_all()");
    } catch (const postgres::PgError&) {
      // A broken connection is dropped by the pool, and its session's locks with it.
    }
  }

 private:
  std::unique_ptr<postgres::ConnectionPool::Lease> lease_;
};

std::optional<std::int64_t> optional_integer(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return rows.integer(row, column);
}

std::optional<std::uint64_t> optional_count(const Rows& rows, int row, int column) {
  if (rows.is_null(row, column)) return std::nullopt;
  return static_cast<std::uint64_t>(rows.integer(row, column));
}

Param optional_param(std::optional<std::int64_t> value) { return value ? Param(*value) : Param::null(); }
Param optional_param(std::optional<std::uint64_t> value) { return value ? Param(*value) : Param::null(); }

std::vector<std::string> first_column(const Rows& rows) {
  std::vector<std::string> values;
  for (int i = 0; i < rows.size(); ++i) values.push_back(rows.text(i, 0));
  return values;
}

// Whether a tag, a manifest of the repository or a recent tag move still reaches `digest`.
bool anything_reaches(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t history_since) {
  auto rows = db.query(
      "SELECT EXISTS (SELECT 1 FROM tags WHERE repository_id = $1 AND manifest_digest = $2) "
      "OR EXISTS (SELECT 1 FROM manifest_references WHERE repository_id = $1 AND child_digest = $2) "
      "OR EXISTS (SELECT 1 FROM tag_history WHERE repository_id = $1 AND old_digest = $2 AND changed_at > $3)",
      {repo, digest, history_since});
  return rows.boolean(0, 0);
}

// Checked with the manifest's row locked first: a push that references it (FOR SHARE) or
// tags it (the foreign key's share lock) either commits before, and the checks see it, or
// waits and then finds the manifest gone.
bool unreachable(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t history_since,
                 std::int64_t created_before) {
  auto row = db.query(
      "SELECT created_at, COALESCE(subject, '') FROM manifests WHERE repository_id = $1 AND digest = $2 FOR UPDATE",
      {repo, digest});
  if (row.empty()) return false;
  const auto created_at = row.integer(0, 0);
  const auto subject = row.text(0, 1);
  if (anything_reaches(db, repo, digest, history_since)) return false;
  const bool ever_tagged =
      !db.query("SELECT 1 FROM tag_history WHERE repository_id = $1 AND old_digest = $2 LIMIT 1", {repo, digest}).empty();
  if (!ever_tagged && created_at > created_before) return false;
  if (subject.empty()) return true;
  const bool present =
      !db.query("SELECT 1 FROM manifests WHERE repository_id = $1 AND digest = $2 FOR SHARE", {repo, subject}).empty();
  return !(present && anything_reaches(db, repo, subject, history_since));
}

class PostgresLifecycleStore final : public LifecycleStore {
 public:
  explicit PostgresLifecycleStore(const std::string& url) : db_(url, {"metadata store", false}) {}

  Result<std::vector<RepositoryRef>> repositories_with_untagged_manifests(std::int64_t after,
                                                                           std::size_t limit) override {
    return db_.read<std::vector<RepositoryRef>>([&](Connection& db) -> Result<std::vector<RepositoryRef>> {
      auto rows = db.query(
          "SELECT r.id, r.name FROM repositories r WHERE r.id > $1 AND EXISTS (SELECT 1 FROM manifests m "
          "WHERE m.repository_id = r.id AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id "
          "AND t.manifest_digest = m.digest)) ORDER BY r.id LIMIT $2",
          {after, std::uint64_t{limit}});
      std::vector<RepositoryRef> found;
      for (int i = 0; i < rows.size(); ++i) found.push_back(RepositoryRef{rows.integer(i, 0), rows.text(i, 1)});
      return found;
    });
  }

  Result<std::vector<ManifestNode>> manifest_graph(std::int64_t repository_id, std::int64_t history_since) override {
    return db_.read<std::vector<ManifestNode>>([&](Connection& db) -> Result<std::vector<ManifestNode>> {
      auto rows = db.query(
          "SELECT m.digest, COALESCE(m.subject, ''), m.created_at, "
          "EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id AND t.manifest_digest = m.digest), "
          "(SELECT MAX(h.changed_at) FROM tag_history h WHERE h.repository_id = m.repository_id "
          "AND h.old_digest = m.digest) FROM manifests m WHERE m.repository_id = $1 ORDER BY m.digest",
          {repository_id});
      std::vector<ManifestNode> nodes;
      for (int i = 0; i < rows.size(); ++i) {
        ManifestNode node;
        node.digest = rows.text(i, 0);
        node.subject = rows.text(i, 1);
        node.created_at = rows.integer(i, 2);
        node.tagged = rows.boolean(i, 3);
        const auto left = optional_integer(rows, i, 4);
        node.left_tag_since = left && *left > history_since;
        node.ever_tagged = node.tagged || left.has_value();
        nodes.push_back(std::move(node));
      }
      auto children = db.query(
          "SELECT manifest_digest, child_digest, child_kind FROM manifest_references WHERE repository_id = $1",
          {repository_id});
      for (int i = 0; i < children.size(); ++i) {
        const auto parent = children.text(i, 0);
        auto it = std::lower_bound(nodes.begin(), nodes.end(), parent,
                                   [](const ManifestNode& n, const std::string& d) { return n.digest < d; });
        if (it == nodes.end() || it->digest != parent) continue;
        (children.integer(i, 2) == 1 ? it->children : it->blobs).push_back(children.text(i, 1));
      }
      return nodes;
    });
  }

  Result<std::uint64_t> delete_unreachable_manifests(std::int64_t repository_id, const std::vector<std::string>& digests,
                                                     std::int64_t history_since, std::int64_t created_before,
                                                     std::int64_t now) override {
    return db_.write<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      std::uint64_t deleted = 0;
      for (const auto& digest : digests) {
        if (!unreachable(db, repository_id, digest, history_since, created_before)) continue;
        if (db.query("DELETE FROM manifests WHERE repository_id = $1 AND digest = $2", {repository_id, digest}).affected() == 0) {
          continue;
        }
        deleted += 1 + postgres::delete_attachments(db, repository_id, digest, now);
      }
      return deleted;
    });
  }

  Result<std::vector<BlobLink>> unreferenced_links(const BlobLink& after, std::size_t limit,
                                                   std::int64_t used_before) override {
    return db_.read<std::vector<BlobLink>>([&](Connection& db) -> Result<std::vector<BlobLink>> {
      auto rows = db.query(
          "SELECT rb.repository_id, r.name, rb.digest FROM repository_blobs rb "
          "JOIN blobs b ON b.digest = rb.digest JOIN repositories r ON r.id = rb.repository_id "
          "WHERE (rb.repository_id, rb.digest) > ($1, $2) AND b.last_used_at <= $3 AND NOT EXISTS (SELECT 1 FROM "
          "manifest_references mr WHERE mr.repository_id = rb.repository_id AND mr.child_digest = rb.digest) "
          "ORDER BY rb.repository_id, rb.digest LIMIT $4",
          {after.repository_id, after.digest, used_before, std::uint64_t{limit}});
      std::vector<BlobLink> links;
      for (int i = 0; i < rows.size(); ++i) links.push_back(BlobLink{rows.integer(i, 0), rows.text(i, 1), rows.text(i, 2)});
      return links;
    });
  }

  Result<std::vector<BlobLink>> delete_unreferenced_links(const std::vector<BlobLink>& links,
                                                          std::int64_t used_before) override {
    return db_.write<std::vector<BlobLink>>([&](Connection& db) -> Result<std::vector<BlobLink>> {
      std::vector<BlobLink> deleted;
      for (const auto& link : links) {
        // The link is locked first (a manifest push share-locks the links it references), then
        // the blob's use time (a look-up's update holds it): each check below reads what those
        // committed.
        if (db.query("SELECT 1 FROM repository_blobs WHERE repository_id = $1 AND digest = $2 FOR UPDATE",
                     {link.repository_id, link.digest})
                .empty()) {
          continue;
        }
        auto used = db.query("SELECT last_used_at FROM blobs WHERE digest = $1 FOR SHARE", {link.digest});
        if (used.empty() || used.integer(0, 0) > used_before) continue;
        if (!db.query("SELECT 1 FROM manifest_references WHERE repository_id = $1 AND child_digest = $2 LIMIT 1",
                      {link.repository_id, link.digest})
                 .empty()) {
          continue;
        }
        db.query("DELETE FROM repository_blobs WHERE repository_id = $1 AND digest = $2", {link.repository_id, link.digest});
        deleted.push_back(link);
      }
      return deleted;
    });
  }

  Result<std::vector<CollectedBlob>> unlinked_blobs(std::string_view after, std::size_t limit,
                                                    std::int64_t used_before) override {
    return db_.read<std::vector<CollectedBlob>>([&](Connection& db) -> Result<std::vector<CollectedBlob>> {
      auto rows = db.query(
          "SELECT b.digest, b.size, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest) FROM blobs b "
          "WHERE b.digest > $1 AND (b.deleting OR (b.last_used_at <= $2 AND NOT EXISTS (SELECT 1 FROM "
          "repository_blobs rb WHERE rb.digest = b.digest))) ORDER BY b.digest LIMIT $3",
          {after, used_before, std::uint64_t{limit}});
      std::vector<CollectedBlob> blobs;
      for (int i = 0; i < rows.size(); ++i) {
        blobs.push_back(CollectedBlob{rows.text(i, 0), static_cast<std::uint64_t>(rows.integer(i, 1)), rows.boolean(i, 2)});
      }
      return blobs;
    });
  }

  Result<std::vector<CollectedBlob>> claim_unlinked_blobs(const std::vector<std::string>& digests,
                                                          std::int64_t used_before) override {
    return db_.write<std::vector<CollectedBlob>>([&](Connection& db) -> Result<std::vector<CollectedBlob>> {
      std::vector<CollectedBlob> claimed;
      for (const auto& digest : digests) {
        // Locked first: a mount's upsert or a link's foreign key check waits for this, or
        // commits before it and the link is seen below.
        auto row = db.query(
            "SELECT size, deleting, last_used_at, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest) "
            "FROM blobs b WHERE digest = $1 FOR UPDATE",
            {digest});
        if (row.empty()) continue;
        const bool claimed_before = row.boolean(0, 1);
        if (!claimed_before) {
          if (row.integer(0, 2) > used_before) continue;
          if (!db.query("SELECT 1 FROM repository_blobs WHERE digest = $1 LIMIT 1", {digest}).empty()) continue;
        }
        CollectedBlob blob{digest, static_cast<std::uint64_t>(row.integer(0, 0)), row.boolean(0, 3)};
        if (blob.kept_inline) {
          db.query("DELETE FROM blob_contents WHERE digest = $1", {digest});
          db.query("DELETE FROM blobs WHERE digest = $1", {digest});
        } else {
          db.query("UPDATE blobs SET deleting = TRUE WHERE digest = $1", {digest});
        }
        claimed.push_back(std::move(blob));
      }
      return claimed;
    });
  }

  Result<std::vector<BlobStanding>> blob_standing(const std::vector<std::string>& digests) override {
    return db_.read<std::vector<BlobStanding>>([&](Connection& db) -> Result<std::vector<BlobStanding>> {
      std::vector<BlobStanding> standing;
      for (const auto& digest : digests) {
        auto row = db.query(
            "SELECT size, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest), "
            "(SELECT COUNT(*) FROM repository_blobs rb WHERE rb.digest = b.digest), last_used_at FROM blobs b "
            "WHERE digest = $1",
            {digest});
        if (row.empty()) continue;
        standing.push_back(BlobStanding{digest, static_cast<std::uint64_t>(row.integer(0, 0)), row.boolean(0, 1),
                                        static_cast<std::uint64_t>(row.integer(0, 2)), row.integer(0, 3)});
      }
      return standing;
    });
  }

  Result<void> forget_blobs(const std::vector<std::string>& digests) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& digest : digests) db.query("DELETE FROM blobs WHERE digest = $1 AND deleting", {digest});
      return {};
    });
  }

  Result<std::unique_ptr<BlobLock>> lock_blobs(std::vector<std::string> digests) override {
    std::vector<std::int64_t> keys;
    keys.reserve(digests.size());
    for (const auto& digest : digests) keys.push_back(lock_key(digest));
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    auto lease = db_.lease();
    if (!lease) return lease.error();
    auto held = std::make_unique<AdvisoryBlobLock>(std::move(*lease));
    try {
      held->lock(keys);
    } catch (const postgres::PgError& e) {
      return postgres::to_error(e, {"metadata store", false});
    }
    return std::unique_ptr<BlobLock>(std::move(held));
  }

  Result<void> record_blob_use(const std::vector<std::string>& digests, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& digest : digests) {
        db.query("UPDATE blobs SET last_used_at = $1 WHERE digest = $2 AND last_used_at < $1", {now, digest});
      }
      return {};
    });
  }

  Result<bool> set_tag_expiry(std::string_view repository, std::string_view tag, std::optional<std::int64_t> expires_at,
                              std::optional<std::string_view> only_if_digest) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = postgres::find_repository_id(db, repository);
      if (!repo) return false;
      postgres::lock_tag(db, *repo, tag);
      const auto target = postgres::tag_target(db, *repo, tag);
      if (!target || (only_if_digest && *target != *only_if_digest)) return false;
      if (expires_at) {
        if (const auto rule = immutable_rule_for(postgres::immutable_rules(db, *repo), tag)) {
          return immutable_tag_error(tag, *rule, "given an expiry");
        }
      }
      db.query("UPDATE tags SET expires_at = $1 WHERE repository_id = $2 AND name = $3",
               {optional_param(expires_at), *repo, tag});
      return true;
    });
  }

  Result<std::vector<ExpiredTag>> remove_expired_tags(std::int64_t now, std::size_t limit) override {
    return db_.write<std::vector<ExpiredTag>>([&](Connection& db) -> Result<std::vector<ExpiredTag>> {
      auto due = db.query(
          "SELECT t.repository_id, r.name, t.name FROM tags t JOIN repositories r ON r.id = t.repository_id "
          "WHERE t.expires_at <= $1 ORDER BY t.expires_at LIMIT $2",
          {now, std::uint64_t{limit}});
      std::vector<ExpiredTag> removed;
      for (int i = 0; i < due.size(); ++i) {
        const auto repo = due.integer(i, 0);
        const auto tag = due.text(i, 2);
        postgres::lock_tag(db, repo, tag);
        // Read again under the tag's lock: a push may have moved it (and cleared its expiry).
        auto current = db.query(
            "SELECT manifest_digest, expires_at FROM tags WHERE repository_id = $1 AND name = $2 AND expires_at <= $3",
            {repo, tag, now});
        if (current.empty()) continue;
        if (immutable_rule_for(postgres::immutable_rules(db, repo), tag)) {
          db.query("UPDATE tags SET expires_at = NULL WHERE repository_id = $1 AND name = $2", {repo, tag});
          continue;
        }
        const auto digest = current.text(0, 0);
        db.query("DELETE FROM tags WHERE repository_id = $1 AND name = $2", {repo, tag});
        postgres::record_tag_move(db, repo, tag, digest, "", now);
        insert_event(db, tag_removal_event("tag_expired", due.text(i, 1), tag, digest, now));
        removed.push_back(ExpiredTag{due.text(i, 1), tag, digest, current.integer(0, 1)});
      }
      return removed;
    });
  }

  Result<std::vector<RepositoryTag>> repository_tags(std::string_view repository) override {
    return db_.read<std::vector<RepositoryTag>>([&](Connection& db) -> Result<std::vector<RepositoryTag>> {
      const auto repo = postgres::find_repository_id(db, repository);
      if (!repo) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
      auto rows = db.query(
          "SELECT name, manifest_digest, updated_at, expires_at FROM tags WHERE repository_id = $1 ORDER BY name", {*repo});
      std::vector<RepositoryTag> tags;
      for (int i = 0; i < rows.size(); ++i) {
        tags.push_back(RepositoryTag{rows.text(i, 0), rows.text(i, 1), rows.integer(i, 2), optional_integer(rows, i, 3)});
      }
      return tags;
    });
  }

  Result<bool> remove_tag_if_at(std::string_view repository, std::string_view tag, std::string_view digest,
                                std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = postgres::find_repository_id(db, repository);
      if (!repo) return false;
      postgres::lock_tag(db, *repo, tag);
      if (postgres::tag_target(db, *repo, tag) != digest) return false;
      if (immutable_rule_for(postgres::immutable_rules(db, *repo), tag)) return false;
      db.query("DELETE FROM tags WHERE repository_id = $1 AND name = $2", {*repo, tag});
      postgres::record_tag_move(db, *repo, tag, digest, "", now);
      insert_event(db, tag_removal_event("tag_pruned", repository, tag, digest, now));
      return true;
    });
  }

  Result<std::optional<RetentionPolicy>> retention_policy(RuleScope scope, std::string_view name) override {
    using Found = std::optional<RetentionPolicy>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto rows = db.query(
          "SELECT keep_newest, older_than, include_patterns, exclude_patterns FROM retention_policies "
          "WHERE scope_kind = $1 AND scope = $2",
          {to_text(scope), name});
      if (rows.empty()) return Found();
      return Found(RetentionPolicy{optional_count(rows, 0, 0), optional_integer(rows, 0, 1),
                                   patterns_of_lines(rows.text(0, 2)), patterns_of_lines(rows.text(0, 3))});
    });
  }

  Result<void> set_retention_policy(RuleScope scope, std::string_view name, const std::optional<RetentionPolicy>& policy,
                                    std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (!policy) {
        db.query("DELETE FROM retention_policies WHERE scope_kind = $1 AND scope = $2", {to_text(scope), name});
        return {};
      }
      db.query(
          "INSERT INTO retention_policies (scope_kind, scope, keep_newest, older_than, include_patterns, "
          "exclude_patterns, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (scope_kind, scope) DO UPDATE "
          "SET keep_newest = excluded.keep_newest, older_than = excluded.older_than, "
          "include_patterns = excluded.include_patterns, exclude_patterns = excluded.exclude_patterns, "
          "updated_at = excluded.updated_at",
          {to_text(scope), name, optional_param(policy->keep_newest), optional_param(policy->older_than),
           pattern_lines(policy->include), pattern_lines(policy->exclude), now});
      return {};
    });
  }

  Result<std::vector<std::pair<RuleScope, std::string>>> retention_scopes() override {
    using Scopes = std::vector<std::pair<RuleScope, std::string>>;
    return db_.read<Scopes>([&](Connection& db) -> Result<Scopes> {
      auto rows = db.query("SELECT scope_kind, scope FROM retention_policies ORDER BY scope_kind, scope");
      Scopes scopes;
      for (int i = 0; i < rows.size(); ++i) scopes.emplace_back(rule_scope_of(rows.text(i, 0)), rows.text(i, 1));
      return scopes;
    });
  }

  Result<std::vector<std::string>> namespace_repositories(std::string_view namespace_name) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return first_column(db.query(
          "SELECT name FROM repositories WHERE name > $1::text || '/' AND name < $1::text || '0' ORDER BY name",
          {namespace_name}));
    });
  }

  Result<std::vector<std::string>> immutable_patterns(RuleScope scope, std::string_view name) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return first_column(db.query(
          "SELECT pattern FROM immutable_tag_rules WHERE scope_kind = $1 AND scope = $2 ORDER BY pattern",
          {to_text(scope), name}));
    });
  }

  Result<void> set_immutable_patterns(RuleScope scope, std::string_view name,
                                      const std::vector<std::string>& patterns) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM immutable_tag_rules WHERE scope_kind = $1 AND scope = $2", {to_text(scope), name});
      for (const auto& pattern : patterns) {
        db.query("INSERT INTO immutable_tag_rules (scope_kind, scope, pattern) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 {to_text(scope), name, pattern});
      }
      return {};
    });
  }

  Result<NamespaceLifecycle> namespace_lifecycle(std::string_view namespace_name) override {
    return db_.read<NamespaceLifecycle>([&](Connection& db) -> Result<NamespaceLifecycle> {
      NamespaceLifecycle lifecycle;
      auto settings = db.query(
          "SELECT limit_bytes, warning_bytes, history_window FROM namespace_lifecycle WHERE namespace = $1",
          {namespace_name});
      if (!settings.empty()) {
        lifecycle.limit_bytes = optional_count(settings, 0, 0);
        lifecycle.warning_bytes = optional_count(settings, 0, 1);
        lifecycle.history_window = optional_integer(settings, 0, 2);
      }
      auto usage = db.query("SELECT used_bytes, blob_count FROM namespace_usage WHERE namespace = $1", {namespace_name});
      if (!usage.empty()) {
        lifecycle.used_bytes = static_cast<std::uint64_t>(usage.integer(0, 0));
        lifecycle.blob_count = static_cast<std::uint64_t>(usage.integer(0, 1));
      }
      return lifecycle;
    });
  }

  Result<void> set_quota(std::string_view namespace_name, std::optional<std::uint64_t> limit_bytes,
                         std::optional<std::uint64_t> warning_bytes) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query(
          "INSERT INTO namespace_lifecycle (namespace, limit_bytes, warning_bytes) VALUES ($1, $2, $3) "
          "ON CONFLICT (namespace) DO UPDATE SET limit_bytes = excluded.limit_bytes, warning_bytes = excluded.warning_bytes",
          {namespace_name, optional_param(limit_bytes), optional_param(warning_bytes)});
      return {};
    });
  }

  Result<void> set_history_window(std::string_view namespace_name, std::optional<std::int64_t> seconds) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query(
          "INSERT INTO namespace_lifecycle (namespace, history_window) VALUES ($1, $2) "
          "ON CONFLICT (namespace) DO UPDATE SET history_window = excluded.history_window",
          {namespace_name, optional_param(seconds)});
      return {};
    });
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> history_windows() override {
    using Windows = std::vector<std::pair<std::string, std::int64_t>>;
    return db_.read<Windows>([&](Connection& db) -> Result<Windows> {
      auto rows = db.query(
          "SELECT namespace, history_window FROM namespace_lifecycle WHERE history_window IS NOT NULL ORDER BY namespace");
      Windows windows;
      for (int i = 0; i < rows.size(); ++i) windows.emplace_back(rows.text(i, 0), rows.integer(i, 1));
      return windows;
    });
  }

 private:
  postgres::Database db_;
};

}  // namespace

std::unique_ptr<LifecycleStore> open_postgres_lifecycle_store(const std::string& url) {
  return std::make_unique<PostgresLifecycleStore>(url);
}

}  // namespace pier::meta
