#include "meta/sqlite/sqlite_lifecycle_store.h"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>

#include "meta/event_payloads.h"
#include "meta/lifecycle_rules.h"
#include "meta/sqlite/database.h"
#include "meta/sqlite/sqlite_notification_store.h"
#include "meta/sqlite/tag_rows.h"

namespace pier::meta {
namespace {

using sqlite::Connection;

// One process owns an embedded database, so the collector and uploads exclude each other
// with mutexes: a digest maps to one of these stripes, taken in ascending order.
class StripedBlobLocks {
 public:
  static StripedBlobLocks& instance() {
    static StripedBlobLocks locks;
    return locks;
  }

  class Held final : public BlobLock {
   public:
    explicit Held(std::vector<std::unique_lock<std::mutex>> locks) : locks_(std::move(locks)) {}
    ~Held() override {
      // Released in reverse order of taking.
      while (!locks_.empty()) locks_.pop_back();
    }

   private:
    std::vector<std::unique_lock<std::mutex>> locks_;
  };

  std::unique_ptr<BlobLock> lock(const std::vector<std::string>& digests) {
    std::vector<std::size_t> stripes;
    stripes.reserve(digests.size());
    for (const auto& digest : digests) stripes.push_back(std::hash<std::string>{}(digest) % kStripes);
    std::sort(stripes.begin(), stripes.end());
    stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
    std::vector<std::unique_lock<std::mutex>> held;
    held.reserve(stripes.size());
    for (auto stripe : stripes) held.emplace_back(mutexes_[stripe]);
    return std::make_unique<Held>(std::move(held));
  }

 private:
  static constexpr std::size_t kStripes = 4096;
  std::array<std::mutex, kStripes> mutexes_;
};

std::string_view scope_text(RuleScope scope) { return to_text(scope); }

std::optional<std::int64_t> optional_integer(const sqlite::Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  return stmt.integer(column);
}

std::optional<std::uint64_t> optional_count(const sqlite::Statement& stmt, int column) {
  if (stmt.is_null(column)) return std::nullopt;
  return static_cast<std::uint64_t>(stmt.integer(column));
}

sqlite::Statement& bind_optional_integer(sqlite::Statement& stmt, int index, std::optional<std::int64_t> value) {
  return value ? stmt.bind(index, *value) : stmt.bind_null(index);
}

class SqliteLifecycleStore final : public LifecycleStore {
 public:
  explicit SqliteLifecycleStore(const std::string& path) : db_(path, {"metadata store", false}) {}

  Result<std::vector<RepositoryRef>> repositories_with_untagged_manifests(std::int64_t after,
                                                                           std::size_t limit) override {
    return db_.read<std::vector<RepositoryRef>>([&](Connection& db) -> Result<std::vector<RepositoryRef>> {
      auto stmt = db.prepare(
          "SELECT r.id, r.name FROM repositories r WHERE r.id > ? AND EXISTS (SELECT 1 FROM manifests m "
          "WHERE m.repository_id = r.id AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id "
          "AND t.manifest_digest = m.digest)) ORDER BY r.id LIMIT ?");
      stmt.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
      std::vector<RepositoryRef> found;
      while (stmt.step()) found.push_back(RepositoryRef{stmt.integer(0), stmt.text(1)});
      return found;
    });
  }

  Result<std::vector<ManifestNode>> manifest_graph(std::int64_t repository_id, std::int64_t history_since) override {
    return db_.read<std::vector<ManifestNode>>([&](Connection& db) -> Result<std::vector<ManifestNode>> {
      auto stmt = db.prepare(
          "SELECT m.digest, COALESCE(m.subject, ''), m.created_at, "
          "EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id AND t.manifest_digest = m.digest), "
          "(SELECT MAX(h.changed_at) FROM tag_history h WHERE h.repository_id = m.repository_id "
          "AND h.old_digest = m.digest) FROM manifests m WHERE m.repository_id = ? ORDER BY m.digest");
      stmt.bind(1, repository_id);
      std::vector<ManifestNode> nodes;
      while (stmt.step()) {
        ManifestNode node;
        node.digest = stmt.text(0);
        node.subject = stmt.text(1);
        node.created_at = stmt.integer(2);
        node.tagged = stmt.integer(3) != 0;
        const auto left = optional_integer(stmt, 4);
        node.left_tag_since = left && *left > history_since;
        node.ever_tagged = node.tagged || left.has_value();
        nodes.push_back(std::move(node));
      }
      auto children = db.prepare(
          "SELECT manifest_digest, child_digest, child_kind FROM manifest_references WHERE repository_id = ? "
          "ORDER BY manifest_digest");
      children.bind(1, repository_id);
      while (children.step()) {
        const auto parent = children.text(0);
        auto it = std::lower_bound(nodes.begin(), nodes.end(), parent,
                                   [](const ManifestNode& n, const std::string& d) { return n.digest < d; });
        if (it == nodes.end() || it->digest != parent) continue;
        (children.integer(2) == 1 ? it->children : it->blobs).push_back(children.text(1));
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
        if (unreachable(db, repository_id, digest, history_since, created_before)) {
          db.prepare("DELETE FROM manifests WHERE repository_id = ? AND digest = ?").bind(1, repository_id).bind(2, digest).run();
          if (db.changes() == 0) continue;
          deleted += 1 + sqlite::delete_attachments(db, repository_id, digest, now);
        }
      }
      return deleted;
    });
  }

  Result<std::vector<BlobLink>> unreferenced_links(const BlobLink& after, std::size_t limit,
                                                   std::int64_t used_before) override {
    return db_.read<std::vector<BlobLink>>([&](Connection& db) -> Result<std::vector<BlobLink>> {
      auto stmt = db.prepare(
          "SELECT rb.repository_id, r.name, rb.digest FROM repository_blobs rb "
          "JOIN blobs b ON b.digest = rb.digest JOIN repositories r ON r.id = rb.repository_id "
          "WHERE (rb.repository_id, rb.digest) > (?, ?) AND b.last_used_at <= ? AND NOT EXISTS (SELECT 1 FROM "
          "manifest_references mr WHERE mr.repository_id = rb.repository_id AND mr.child_digest = rb.digest) "
          "ORDER BY rb.repository_id, rb.digest LIMIT ?");
      stmt.bind(1, after.repository_id).bind(2, after.digest).bind(3, used_before)
          .bind(4, static_cast<std::int64_t>(limit));
      std::vector<BlobLink> links;
      while (stmt.step()) links.push_back(BlobLink{stmt.integer(0), stmt.text(1), stmt.text(2)});
      return links;
    });
  }

  Result<std::vector<BlobLink>> delete_unreferenced_links(const std::vector<BlobLink>& links,
                                                          std::int64_t used_before) override {
    return db_.write<std::vector<BlobLink>>([&](Connection& db) -> Result<std::vector<BlobLink>> {
      std::vector<BlobLink> deleted;
      for (const auto& link : links) {
        db.prepare(
              "DELETE FROM repository_blobs WHERE repository_id = ?1 AND digest = ?2 "
              "AND (SELECT last_used_at FROM blobs WHERE digest = ?2) <= ?3 AND NOT EXISTS (SELECT 1 FROM "
              "manifest_references WHERE repository_id = ?1 AND child_digest = ?2)")
            .bind(1, link.repository_id).bind(2, link.digest).bind(3, used_before).run();
        if (db.changes() > 0) deleted.push_back(link);
      }
      return deleted;
    });
  }

  Result<std::vector<CollectedBlob>> unlinked_blobs(std::string_view after, std::size_t limit,
                                                    std::int64_t used_before) override {
    return db_.read<std::vector<CollectedBlob>>([&](Connection& db) -> Result<std::vector<CollectedBlob>> {
      auto stmt = db.prepare(
          "SELECT b.digest, b.size, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest) FROM blobs b "
          "WHERE b.digest > ? AND (b.deleting = 1 OR (b.last_used_at <= ? AND NOT EXISTS (SELECT 1 FROM "
          "repository_blobs rb WHERE rb.digest = b.digest))) ORDER BY b.digest LIMIT ?");
      stmt.bind(1, after).bind(2, used_before).bind(3, static_cast<std::int64_t>(limit));
      std::vector<CollectedBlob> blobs;
      while (stmt.step()) {
        blobs.push_back(CollectedBlob{stmt.text(0), static_cast<std::uint64_t>(stmt.integer(1)), stmt.integer(2) != 0});
      }
      return blobs;
    });
  }

  Result<std::vector<CollectedBlob>> claim_unlinked_blobs(const std::vector<std::string>& digests,
                                                          std::int64_t used_before) override {
    return db_.write<std::vector<CollectedBlob>>([&](Connection& db) -> Result<std::vector<CollectedBlob>> {
      std::vector<CollectedBlob> claimed;
      for (const auto& digest : digests) {
        auto row = db.prepare(
            "SELECT size, deleting, last_used_at, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest), "
            "EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.digest = b.digest) FROM blobs b WHERE digest = ?");
        row.bind(1, digest);
        if (!row.step()) continue;
        const bool claimed_before = row.integer(1) != 0;
        if (!claimed_before && (row.integer(2) > used_before || row.integer(4) != 0)) continue;
        CollectedBlob blob{digest, static_cast<std::uint64_t>(row.integer(0)), row.integer(3) != 0};
        if (blob.kept_inline) {
          db.prepare("DELETE FROM blob_contents WHERE digest = ?").bind(1, digest).run();
          db.prepare("DELETE FROM blobs WHERE digest = ?").bind(1, digest).run();
        } else {
          db.prepare("UPDATE blobs SET deleting = 1 WHERE digest = ?").bind(1, digest).run();
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
        auto row = db.prepare(
            "SELECT size, EXISTS (SELECT 1 FROM blob_contents c WHERE c.digest = b.digest), "
            "(SELECT COUNT(*) FROM repository_blobs rb WHERE rb.digest = b.digest), last_used_at FROM blobs b "
            "WHERE digest = ?");
        row.bind(1, digest);
        if (!row.step()) continue;
        standing.push_back(BlobStanding{digest, static_cast<std::uint64_t>(row.integer(0)), row.integer(1) != 0,
                                        static_cast<std::uint64_t>(row.integer(2)), row.integer(3)});
      }
      return standing;
    });
  }

  Result<void> forget_blobs(const std::vector<std::string>& digests) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& digest : digests) {
        db.prepare("DELETE FROM blobs WHERE digest = ? AND deleting = 1").bind(1, digest).run();
      }
      return {};
    });
  }

  Result<std::unique_ptr<BlobLock>> lock_blobs(std::vector<std::string> digests) override {
    return StripedBlobLocks::instance().lock(digests);
  }

  Result<void> record_blob_use(const std::vector<std::string>& digests, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      for (const auto& digest : digests) {
        db.prepare("UPDATE blobs SET last_used_at = ?1 WHERE digest = ?2 AND last_used_at < ?1")
            .bind(1, now).bind(2, digest).run();
      }
      return {};
    });
  }

  Result<bool> set_tag_expiry(std::string_view repository, std::string_view tag, std::optional<std::int64_t> expires_at,
                              std::optional<std::string_view> only_if_digest) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = sqlite::find_repository_id(db, repository);
      if (!repo) return false;
      const auto target = sqlite::tag_target(db, *repo, tag);
      if (!target || (only_if_digest && *target != *only_if_digest)) return false;
      if (expires_at) {
        if (const auto rule = immutable_rule_for(sqlite::immutable_rules(db, *repo), tag)) {
          return immutable_tag_error(tag, *rule, "given an expiry");
        }
      }
      auto update = db.prepare("UPDATE tags SET expires_at = ? WHERE repository_id = ? AND name = ?");
      bind_optional_integer(update, 1, expires_at).bind(2, *repo).bind(3, tag).run();
      return true;
    });
  }

  Result<std::vector<ExpiredTag>> remove_expired_tags(std::int64_t now, std::size_t limit) override {
    return db_.write<std::vector<ExpiredTag>>([&](Connection& db) -> Result<std::vector<ExpiredTag>> {
      auto due = db.prepare(
          "SELECT t.repository_id, r.name, t.name, t.manifest_digest, t.expires_at FROM tags t "
          "JOIN repositories r ON r.id = t.repository_id WHERE t.expires_at <= ? ORDER BY t.expires_at LIMIT ?");
      due.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
      std::vector<std::pair<std::int64_t, ExpiredTag>> found;
      while (due.step()) {
        found.emplace_back(due.integer(0), ExpiredTag{due.text(1), due.text(2), due.text(3), due.integer(4)});
      }
      std::vector<ExpiredTag> removed;
      for (auto& [repo, tag] : found) {
        if (immutable_rule_for(sqlite::immutable_rules(db, repo), tag.tag)) {
          // Made immutable after its expiry was set: it stays, without one.
          db.prepare("UPDATE tags SET expires_at = NULL WHERE repository_id = ? AND name = ?").bind(1, repo).bind(2, tag.tag).run();
          continue;
        }
        db.prepare("DELETE FROM tags WHERE repository_id = ? AND name = ?").bind(1, repo).bind(2, tag.tag).run();
        sqlite::record_tag_move(db, repo, tag.tag, tag.digest, "", now);
        insert_event(db, tag_removal_event("tag_expired", tag.repository, tag.tag, tag.digest, now));
        removed.push_back(std::move(tag));
      }
      return removed;
    });
  }

  Result<std::vector<RepositoryTag>> repository_tags(std::string_view repository) override {
    return db_.read<std::vector<RepositoryTag>>([&](Connection& db) -> Result<std::vector<RepositoryTag>> {
      const auto repo = sqlite::find_repository_id(db, repository);
      if (!repo) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
      auto stmt = db.prepare(
          "SELECT name, manifest_digest, updated_at, expires_at FROM tags WHERE repository_id = ? ORDER BY name");
      stmt.bind(1, *repo);
      std::vector<RepositoryTag> tags;
      while (stmt.step()) {
        tags.push_back(RepositoryTag{stmt.text(0), stmt.text(1), stmt.integer(2), optional_integer(stmt, 3)});
      }
      return tags;
    });
  }

  Result<bool> remove_tag_if_at(std::string_view repository, std::string_view tag, std::string_view digest,
                                std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = sqlite::find_repository_id(db, repository);
      if (!repo) return false;
      if (sqlite::tag_target(db, *repo, tag) != digest) return false;
      if (immutable_rule_for(sqlite::immutable_rules(db, *repo), tag)) return false;
      db.prepare("DELETE FROM tags WHERE repository_id = ? AND name = ?").bind(1, *repo).bind(2, tag).run();
      sqlite::record_tag_move(db, *repo, tag, digest, "", now);
      insert_event(db, tag_removal_event("tag_pruned", repository, tag, digest, now));
      return true;
    });
  }

  Result<std::optional<RetentionPolicy>> retention_policy(RuleScope scope, std::string_view name) override {
    using Found = std::optional<RetentionPolicy>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto stmt = db.prepare(
          "SELECT keep_newest, older_than, include_patterns, exclude_patterns FROM retention_policies "
          "WHERE scope_kind = ? AND scope = ?");
      stmt.bind(1, scope_text(scope)).bind(2, name);
      if (!stmt.step()) return Found();
      return Found(RetentionPolicy{optional_count(stmt, 0), optional_integer(stmt, 1), patterns_of_lines(stmt.text(2)),
                                   patterns_of_lines(stmt.text(3))});
    });
  }

  Result<void> set_retention_policy(RuleScope scope, std::string_view name, const std::optional<RetentionPolicy>& policy,
                                    std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (!policy) {
        db.prepare("DELETE FROM retention_policies WHERE scope_kind = ? AND scope = ?").bind(1, scope_text(scope)).bind(2, name).run();
        return {};
      }
      auto stmt = db.prepare(
          "INSERT INTO retention_policies (scope_kind, scope, keep_newest, older_than, include_patterns, "
          "exclude_patterns, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope_kind, scope) DO UPDATE SET "
          "keep_newest = excluded.keep_newest, older_than = excluded.older_than, "
          "include_patterns = excluded.include_patterns, exclude_patterns = excluded.exclude_patterns, "
          "updated_at = excluded.updated_at");
      stmt.bind(1, scope_text(scope)).bind(2, name);
      bind_optional_integer(stmt, 3, policy->keep_newest ? std::optional<std::int64_t>(static_cast<std::int64_t>(*policy->keep_newest))
                                                         : std::nullopt);
      bind_optional_integer(stmt, 4, policy->older_than);
      stmt.bind(5, pattern_lines(policy->include)).bind(6, pattern_lines(policy->exclude)).bind(7, now).run();
      return {};
    });
  }

  Result<std::vector<std::pair<RuleScope, std::string>>> retention_scopes() override {
    using Scopes = std::vector<std::pair<RuleScope, std::string>>;
    return db_.read<Scopes>([&](Connection& db) -> Result<Scopes> {
      auto stmt = db.prepare("SELECT scope_kind, scope FROM retention_policies ORDER BY scope_kind, scope");
      Scopes scopes;
      while (stmt.step()) {
        scopes.emplace_back(rule_scope_of(stmt.text(0)), stmt.text(1));
      }
      return scopes;
    });
  }

  Result<std::vector<std::string>> namespace_repositories(std::string_view namespace_name) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      // The range from "ns/" up to "ns0" ('0' follows '/') is the namespace, on the name index.
      auto stmt = db.prepare("SELECT name FROM repositories WHERE name > ?1 || '/' AND name < ?1 || '0' ORDER BY name");
      stmt.bind(1, namespace_name);
      std::vector<std::string> names;
      while (stmt.step()) names.push_back(stmt.text(0));
      return names;
    });
  }

  Result<std::vector<std::string>> immutable_patterns(RuleScope scope, std::string_view name) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare("SELECT pattern FROM immutable_tag_rules WHERE scope_kind = ? AND scope = ? ORDER BY pattern");
      stmt.bind(1, scope_text(scope)).bind(2, name);
      std::vector<std::string> patterns;
      while (stmt.step()) patterns.push_back(stmt.text(0));
      return patterns;
    });
  }

  Result<void> set_immutable_patterns(RuleScope scope, std::string_view name,
                                      const std::vector<std::string>& patterns) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM immutable_tag_rules WHERE scope_kind = ? AND scope = ?").bind(1, scope_text(scope)).bind(2, name).run();
      for (const auto& pattern : patterns) {
        db.prepare("INSERT OR IGNORE INTO immutable_tag_rules (scope_kind, scope, pattern) VALUES (?, ?, ?)")
            .bind(1, scope_text(scope)).bind(2, name).bind(3, pattern).run();
      }
      return {};
    });
  }

  Result<NamespaceLifecycle> namespace_lifecycle(std::string_view namespace_name) override {
    return db_.read<NamespaceLifecycle>([&](Connection& db) -> Result<NamespaceLifecycle> {
      NamespaceLifecycle lifecycle;
      auto settings = db.prepare(
          "SELECT limit_bytes, warning_bytes, history_window FROM namespace_lifecycle WHERE namespace = ?");
      settings.bind(1, namespace_name);
      if (settings.step()) {
        lifecycle.limit_bytes = optional_count(settings, 0);
        lifecycle.warning_bytes = optional_count(settings, 1);
        lifecycle.history_window = optional_integer(settings, 2);
      }
      auto usage = db.prepare("SELECT used_bytes, blob_count FROM namespace_usage WHERE namespace = ?");
      usage.bind(1, namespace_name);
      if (usage.step()) {
        lifecycle.used_bytes = static_cast<std::uint64_t>(usage.integer(0));
        lifecycle.blob_count = static_cast<std::uint64_t>(usage.integer(1));
      }
      return lifecycle;
    });
  }

  Result<void> set_quota(std::string_view namespace_name, std::optional<std::uint64_t> limit_bytes,
                         std::optional<std::uint64_t> warning_bytes) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      auto stmt = db.prepare(
          "INSERT INTO namespace_lifecycle (namespace, limit_bytes, warning_bytes) VALUES (?, ?, ?) "
          "ON CONFLICT (namespace) DO UPDATE SET limit_bytes = excluded.limit_bytes, "
          "warning_bytes = excluded.warning_bytes");
      stmt.bind(1, namespace_name);
      const auto as_integer = [](std::optional<std::uint64_t> v) {
        return v ? std::optional<std::int64_t>(static_cast<std::int64_t>(*v)) : std::nullopt;
      };
      bind_optional_integer(stmt, 2, as_integer(limit_bytes));
      bind_optional_integer(stmt, 3, as_integer(warning_bytes)).run();
      return {};
    });
  }

  Result<void> set_history_window(std::string_view namespace_name, std::optional<std::int64_t> seconds) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      auto stmt = db.prepare(
          "INSERT INTO namespace_lifecycle (namespace, history_window) VALUES (?, ?) "
          "ON CONFLICT (namespace) DO UPDATE SET history_window = excluded.history_window");
      stmt.bind(1, namespace_name);
      bind_optional_integer(stmt, 2, seconds).run();
      return {};
    });
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> history_windows() override {
    using Windows = std::vector<std::pair<std::string, std::int64_t>>;
    return db_.read<Windows>([&](Connection& db) -> Result<Windows> {
      auto stmt = db.prepare(
          "SELECT namespace, history_window FROM namespace_lifecycle WHERE history_window IS NOT NULL ORDER BY namespace");
      Windows windows;
      while (stmt.step()) windows.emplace_back(stmt.text(0), stmt.integer(1));
      return windows;
    });
  }

 private:
  static bool unreachable(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t history_since,
                          std::int64_t created_before) {
    auto row = db.prepare("SELECT created_at, COALESCE(subject, '') FROM manifests WHERE repository_id = ? AND digest = ?");
    row.bind(1, repo).bind(2, digest);
    if (!row.step()) return false;
    const auto created_at = row.integer(0);
    const auto subject = row.text(1);
    if (anything_reaches(db, repo, digest, history_since)) return false;
    auto left = db.prepare("SELECT 1 FROM tag_history WHERE repository_id = ? AND old_digest = ? LIMIT 1");
    left.bind(1, repo).bind(2, digest);
    const bool ever_tagged = left.step();
    if (!ever_tagged && created_at > created_before) return false;
    if (subject.empty()) return true;
    auto present = db.prepare("SELECT 1 FROM manifests WHERE repository_id = ? AND digest = ?");
    present.bind(1, repo).bind(2, subject);
    return !(present.step() && anything_reaches(db, repo, subject, history_since));
  }

  // Whether a tag, a manifest of the repository or a recent tag move still reaches `digest`.
  static bool anything_reaches(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t history_since) {
    auto stmt = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM tags WHERE repository_id = ?1 AND manifest_digest = ?2) "
        "OR EXISTS (SELECT 1 FROM manifest_references WHERE repository_id = ?1 AND child_digest = ?2) "
        "OR EXISTS (SELECT 1 FROM tag_history WHERE repository_id = ?1 AND old_digest = ?2 AND changed_at > ?3)");
    stmt.bind(1, repo).bind(2, digest).bind(3, history_since);
    return stmt.step() && stmt.integer(0) != 0;
  }

  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<LifecycleStore> open_sqlite_lifecycle_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteLifecycleStore>(path.string());
}

}  // namespace pier::meta
