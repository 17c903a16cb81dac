#include "meta/sqlite/sqlite_store.h"

#include "meta/event_payloads.h"
#include "meta/lifecycle_rules.h"
#include "meta/manifest_references.h"
#include "meta/sqlite/database.h"
#include "meta/sqlite/migrate.h"
#include "meta/sqlite/sqlite_notification_store.h"
#include "meta/sqlite/sqlite_db.h"
#include "meta/sqlite/tag_rows.h"

namespace pier::meta {

namespace {

using sqlite::Connection;
using sqlite::ensure_repository_id;
using sqlite::find_repository_id;
using sqlite::move_tag;
using sqlite::record_tag_move;
using sqlite::refuse_immutable_deletion;
using sqlite::tag_target;

// Tag count and last change are read per repository through indexes (tags' primary key,
// tag_history_by_time), so a page costs its own size whatever the registry holds.
constexpr std::string_view kSummaryColumns =
    "SELECT r.name, (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id), "
    "(SELECT MAX(h.changed_at) FROM tag_history h WHERE h.repository_id = r.id) FROM repositories r ";

RepositorySummary summary_row(const sqlite::Statement& stmt) {
  RepositorySummary summary{stmt.text(0), static_cast<std::uint64_t>(stmt.integer(1)), std::nullopt};
  if (!stmt.is_null(2)) summary.last_modified = stmt.integer(2);
  return summary;
}

constexpr std::string_view kTagDetailColumns =
    "SELECT t.name, t.manifest_digest, m.media_type, m.content, t.updated_at, t.expires_at FROM tags t "
    "JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest ";

TagDetail tag_detail_row(const sqlite::Statement& stmt) {
  return TagDetail{stmt.text(0), stmt.text(1), stmt.text(2), stmt.text(3), stmt.integer(4),
                   stmt.is_null(5) ? std::nullopt : std::optional<std::int64_t>(stmt.integer(5))};
}

// The size of what `ref` names in the repository; nullopt when it is not there.
std::optional<std::uint64_t> reference_size(Connection& db, std::int64_t repo, const ManifestReference& ref) {
  auto stmt = db.prepare(ref.kind == ReferenceKind::kBlob
                             ? "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
                               "WHERE rb.repository_id = ? AND rb.digest = ? AND b.deleting = 0"
                             : "SELECT size FROM manifests WHERE repository_id = ? AND digest = ?");
  stmt.bind(1, repo).bind(2, ref.digest);
  if (!stmt.step()) return std::nullopt;
  return static_cast<std::uint64_t>(stmt.integer(0));
}

constexpr std::string_view kUploadColumns =
    "SELECT id, repository, started_at, updated_at, COALESCE(hash_state, '') FROM uploads ";

UploadRecord upload_row(const sqlite::Statement& stmt) {
  return UploadRecord{stmt.text(0), stmt.text(1), stmt.integer(2), stmt.integer(3), stmt.text(4)};
}

// Links the blob and records its use. `bytes_placed`: the caller has just stored its bytes,
// holding the blob's lock, so a collection that claimed it and stopped is overruled; without
// them a claimed blob is refused, since its bytes may be gone. A blob new to its namespace
// must fit the namespace's quota.
std::optional<Error> insert_blob_link(Connection& db, std::string_view repository, const Digest& digest,
                                      std::uint64_t size, std::int64_t now, bool bytes_placed) {
  const auto repo = ensure_repository_id(db, repository, now);
  db.prepare(bytes_placed ? "INSERT INTO blobs (digest, size, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3) "
                            "ON CONFLICT (digest) DO UPDATE SET last_used_at = ?3, deleting = 0"
                          : "INSERT INTO blobs (digest, size, created_at, last_used_at) VALUES (?1, ?2, ?3, ?3) "
                            "ON CONFLICT (digest) DO UPDATE SET last_used_at = ?3")
      .bind(1, digest.str()).bind(2, static_cast<std::int64_t>(size)).bind(3, now).run();
  if (!bytes_placed) {
    auto claimed = db.prepare("SELECT deleting FROM blobs WHERE digest = ?");
    claimed.bind(1, digest.str());
    if (claimed.step() && claimed.integer(0) != 0) {
      return make_error(ErrorCode::kBlobUnknown, "blob unknown to registry: it is being garbage collected");
    }
  }
  db.prepare("INSERT OR IGNORE INTO repository_blobs (repository_id, digest, created_at) VALUES (?, ?, ?)")
      .bind(1, repo).bind(2, digest.str()).bind(3, now).run();
  auto quota = db.prepare(quota_query("?1", "?2"));
  quota.bind(1, repo).bind(2, digest.str());
  if (!quota.step()) return std::nullopt;
  std::optional<QuotaCheck> check = QuotaCheck{quota.text(0), static_cast<std::uint64_t>(quota.integer(1)),
                                               static_cast<std::uint64_t>(quota.integer(2)), quota.integer(3) == 1, std::nullopt};
  if (!quota.is_null(4)) check->warning_bytes = static_cast<std::uint64_t>(quota.integer(4));
  quota.step();
  if (auto refused = quota_error(check)) return refused;
  if (crosses_quota_warning(check, size)) {
    insert_event(db, quota_event("quota_warning", check->namespace_name, check->limit_bytes, check->used_bytes, now));
  }
  return std::nullopt;
}

std::optional<StoredManifest> read_manifest(sqlite::Statement& stmt) {
  if (!stmt.step()) return std::nullopt;
  return StoredManifest{stmt.text(0), stmt.text(1), stmt.text(2)};
}

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(const std::string& path) : db_(path, {"metadata store", false}) {}

  Result<bool> repository_exists(std::string_view repository) override {
    return db_.read<bool>([&](Connection& db) -> Result<bool> {
      return find_repository_id(db, repository).has_value();
    });
  }

  Result<std::vector<std::string>> list_repositories(std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare("SELECT name FROM repositories WHERE name > ? ORDER BY name LIMIT ?");
      stmt.bind(1, after).bind(2, static_cast<std::int64_t>(limit));
      std::vector<std::string> names;
      while (stmt.step()) names.push_back(stmt.text(0));
      return names;
    });
  }

  Result<std::vector<RepositorySummary>> list_repository_summaries(const RepositoryQuery& query) override {
    return db_.read<std::vector<RepositorySummary>>([&](Connection& db) -> Result<std::vector<RepositorySummary>> {
      // A namespace is the range of names from "ns/" up to "ns0" ('0' follows '/'), so the
      // name index serves both the namespace and the page.
      auto stmt = db.prepare(std::string(kSummaryColumns) +
                             "WHERE r.name > ? AND (? = '' OR (r.name > ? || '/' AND r.name < ? || '0')) "
                             "AND (? = '' OR instr(lower(r.name), lower(?)) > 0) ORDER BY r.name LIMIT ?");
      stmt.bind(1, query.after).bind(2, query.namespace_name).bind(3, query.namespace_name)
          .bind(4, query.namespace_name).bind(5, query.substring).bind(6, query.substring)
          .bind(7, static_cast<std::int64_t>(query.limit));
      std::vector<RepositorySummary> summaries;
      while (stmt.step()) summaries.push_back(summary_row(stmt));
      return summaries;
    });
  }

  Result<std::optional<RepositorySummary>> repository_summary(std::string_view repository) override {
    using Found = std::optional<RepositorySummary>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto stmt = db.prepare(std::string(kSummaryColumns) + "WHERE r.name = ?");
      stmt.bind(1, repository);
      if (!stmt.step()) return Found();
      return Found(summary_row(stmt));
    });
  }

  Result<bool> create_repository(std::string_view repository, std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("INSERT OR IGNORE INTO repositories (name, created_at) VALUES (?, ?)").bind(1, repository).bind(2, now).run();
      return db.changes() > 0;
    });
  }

  Result<bool> delete_repository(std::string_view repository) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      std::vector<std::string> tags;
      auto listed = db.prepare("SELECT name FROM tags WHERE repository_id = ? ORDER BY name");
      listed.bind(1, *repo);
      while (listed.step()) tags.push_back(listed.text(0));
      if (auto refused = refuse_immutable_deletion(db, *repo, tags)) return *refused;
      // Tags first: they point at manifests. Blob links before the repository row, so the
      // namespace's usage (kept by triggers that read the row) drops with them. The rest
      // goes with the repository row.
      db.prepare("DELETE FROM tags WHERE repository_id = ?").bind(1, *repo).run();
      db.prepare("DELETE FROM repository_blobs WHERE repository_id = ?").bind(1, *repo).run();
      db.prepare("DELETE FROM repositories WHERE id = ?").bind(1, *repo).run();
      return true;
    });
  }

  Result<void> link_blob(std::string_view repository, const Digest& digest, std::uint64_t size,
                         std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (auto refused = insert_blob_link(db, repository, digest, size, now, false)) return *refused;
      return {};
    });
  }

  Result<void> link_uploaded_blob(std::string_view repository, const Digest& digest, std::uint64_t size,
                                  std::string_view upload_id, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (auto refused = insert_blob_link(db, repository, digest, size, now, true)) return *refused;
      db.prepare("DELETE FROM uploads WHERE id = ?").bind(1, upload_id).run();
      return {};
    });
  }

  Result<void> link_inline_blob(std::string_view repository, const Digest& digest, std::string_view bytes,
                                std::string_view upload_id, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (auto refused = insert_blob_link(db, repository, digest, bytes.size(), now, true)) return *refused;
      db.prepare("INSERT OR IGNORE INTO blob_contents (digest, content) VALUES (?, ?)")
          .bind(1, digest.str()).bind_bytes(2, bytes).run();
      db.prepare("DELETE FROM uploads WHERE id = ?").bind(1, upload_id).run();
      return {};
    });
  }

  Result<std::optional<std::string>> inline_blob(const Digest& digest) override {
    return db_.read<std::optional<std::string>>([&](Connection& db) -> Result<std::optional<std::string>> {
      auto stmt = db.prepare("SELECT content FROM blob_contents WHERE digest = ?");
      stmt.bind(1, digest.str());
      if (!stmt.step()) return std::optional<std::string>();
      return std::optional<std::string>(stmt.text(0));
    });
  }

  Result<std::optional<std::uint64_t>> linked_blob_size(std::string_view repository,
                                                        const Digest& digest) override {
    return db_.read<std::optional<std::uint64_t>>([&](Connection& db) -> Result<std::optional<std::uint64_t>> {
      auto stmt = db.prepare(
          "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
          "WHERE rb.repository_id = (SELECT id FROM repositories WHERE name = ?) AND rb.digest = ? AND b.deleting = 0");
      stmt.bind(1, repository).bind(2, digest.str());
      if (!stmt.step()) return std::optional<std::uint64_t>();
      return std::optional<std::uint64_t>(static_cast<std::uint64_t>(stmt.integer(0)));
    });
  }

  Result<std::optional<std::uint64_t>> blob_size(const Digest& digest) override {
    return db_.read<std::optional<std::uint64_t>>([&](Connection& db) -> Result<std::optional<std::uint64_t>> {
      auto stmt = db.prepare("SELECT size FROM blobs WHERE digest = ? AND deleting = 0");
      stmt.bind(1, digest.str());
      if (!stmt.step()) return std::optional<std::uint64_t>();
      return std::optional<std::uint64_t>(static_cast<std::uint64_t>(stmt.integer(0)));
    });
  }

  Result<std::vector<std::string>> repositories_linking(const Digest& digest, std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare(
          "SELECT r.name FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id "
          "WHERE rb.digest = ? ORDER BY r.name LIMIT ?");
      stmt.bind(1, digest.str()).bind(2, static_cast<std::int64_t>(limit));
      std::vector<std::string> names;
      while (stmt.step()) names.push_back(stmt.text(0));
      return names;
    });
  }

  Result<bool> unlink_blob(std::string_view repository, const Digest& digest) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      db.prepare("DELETE FROM repository_blobs WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND digest = ?")
          .bind(1, repository).bind(2, digest.str()).run();
      return db.changes() > 0;
    });
  }

  Result<void> put_manifest(std::string_view repository, const ManifestRecord& manifest,
                            const std::vector<std::string>& tags, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto repo = ensure_repository_id(db, repository, now);
      for (const auto& ref : manifest.references) {
        if (auto refused = reference_error(ref, reference_size(db, repo, ref))) return *refused;
      }
      db.prepare("INSERT OR IGNORE INTO manifests (repository_id, digest, media_type, artifact_type, subject, "
                 "annotations, size, content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(1, repo).bind(2, manifest.digest).bind(3, manifest.media_type).bind(4, manifest.artifact_type)
          .bind_optional(5, manifest.subject).bind_optional(6, manifest.annotations_json)
          .bind(7, static_cast<std::int64_t>(manifest.content.size())).bind(8, manifest.content).bind(9, now).run();
      for (const auto& ref : manifest.references) {
        db.prepare("INSERT OR IGNORE INTO manifest_references (repository_id, manifest_digest, child_digest, "
                   "child_kind) VALUES (?, ?, ?, ?)")
            .bind(1, repo).bind(2, manifest.digest).bind(3, ref.digest).bind(4, static_cast<std::int64_t>(ref.kind)).run();
      }
      for (const auto& tag : tags) {
        if (auto refused = move_tag(db, repo, tag, manifest.digest, now)) return *refused;
      }
      insert_event(db, push_event(repository, manifest.digest, manifest.media_type, manifest.content.size(), tags,
                                  manifest.pushed_by, now));
      return {};
    });
  }

  Result<std::optional<StoredManifest>> get_manifest(std::string_view repository, const Digest& digest) override {
    return db_.read<std::optional<StoredManifest>>([&](Connection& db) -> Result<std::optional<StoredManifest>> {
      auto stmt = db.prepare(
          "SELECT digest, media_type, content FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND digest = ?");
      stmt.bind(1, repository).bind(2, digest.str());
      return read_manifest(stmt);
    });
  }

  Result<std::optional<StoredManifest>> get_tagged_manifest(std::string_view repository,
                                                            std::string_view tag) override {
    return db_.read<std::optional<StoredManifest>>([&](Connection& db) -> Result<std::optional<StoredManifest>> {
      auto stmt = db.prepare(
          "SELECT m.digest, m.media_type, m.content FROM tags t "
          "JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest "
          "WHERE t.repository_id = (SELECT id FROM repositories WHERE name = ?) AND t.name = ?");
      stmt.bind(1, repository).bind(2, tag);
      return read_manifest(stmt);
    });
  }

  Result<bool> delete_manifest(std::string_view repository, const Digest& digest, std::int64_t now,
                             std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      std::vector<std::string> tags;
      {
        auto stmt = db.prepare("SELECT name FROM tags WHERE repository_id = ? AND manifest_digest = ?");
        stmt.bind(1, *repo).bind(2, digest.str());
        while (stmt.step()) tags.push_back(stmt.text(0));
      }
      if (auto refused = refuse_immutable_deletion(db, *repo, tags)) return *refused;
      for (const auto& tag : tags) record_tag_move(db, *repo, tag, digest.str(), "", now);
      db.prepare("DELETE FROM tags WHERE repository_id = ? AND manifest_digest = ?").bind(1, *repo).bind(2, digest.str()).run();
      db.prepare("DELETE FROM manifests WHERE repository_id = ? AND digest = ?").bind(1, *repo).bind(2, digest.str()).run();
      if (db.changes() == 0) return false;
      delete_attachments(db, *repo, digest.str(), now);
      insert_event(db, deletion_event(repository, digest.str(), tags, actor, now));
      return true;
    });
  }

  Result<bool> delete_tag(std::string_view repository, std::string_view tag, std::int64_t now,
                          std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      const auto previous = tag_target(db, *repo, tag);
      if (!previous) return false;
      if (auto refused = refuse_immutable_deletion(db, *repo, {std::string(tag)})) return *refused;
      db.prepare("DELETE FROM tags WHERE repository_id = ? AND name = ?").bind(1, *repo).bind(2, tag).run();
      record_tag_move(db, *repo, tag, *previous, "", now);
      insert_event(db, deletion_event(repository, *previous, {std::string(tag)}, actor, now));
      return true;
    });
  }

  Result<std::vector<std::string>> list_tags(std::string_view repository, std::string_view after,
                                             std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
      auto stmt = db.prepare("SELECT name FROM tags WHERE repository_id = ? AND name > ? ORDER BY name LIMIT ?");
      stmt.bind(1, *repo).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
      std::vector<std::string> tags;
      while (stmt.step()) tags.push_back(stmt.text(0));
      return tags;
    });
  }

  Result<bool> tag_manifest(std::string_view repository, std::string_view tag, const Digest& digest,
                            std::int64_t now, std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      auto stored = db.prepare("SELECT media_type, size FROM manifests WHERE repository_id = ? AND digest = ?");
      stored.bind(1, *repo).bind(2, digest.str());
      if (!stored.step()) return false;
      const auto media_type = stored.text(0);
      const auto size = static_cast<std::uint64_t>(stored.integer(1));
      if (auto refused = move_tag(db, *repo, tag, digest.str(), now)) return *refused;
      insert_event(db, push_event(repository, digest.str(), media_type, size, {std::string(tag)}, actor, now));
      return true;
    });
  }

  Result<std::vector<TagDetail>> list_tag_details(std::string_view repository, std::string_view substring,
                                                  std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<TagDetail>>([&](Connection& db) -> Result<std::vector<TagDetail>> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return make_error(ErrorCode::kNameUnknown, "repository name not known to registry");
      auto stmt = db.prepare(std::string(kTagDetailColumns) +
                             "WHERE t.repository_id = ? AND t.name > ? "
                             "AND (? = '' OR instr(lower(t.name), lower(?)) > 0) ORDER BY t.name LIMIT ?");
      stmt.bind(1, *repo).bind(2, after).bind(3, substring).bind(4, substring).bind(5, static_cast<std::int64_t>(limit));
      std::vector<TagDetail> tags;
      while (stmt.step()) tags.push_back(tag_detail_row(stmt));
      return tags;
    });
  }

  Result<std::optional<TagDetail>> tag_detail(std::string_view repository, std::string_view tag) override {
    using Found = std::optional<TagDetail>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto stmt = db.prepare(std::string(kTagDetailColumns) +
                             "WHERE t.repository_id = (SELECT id FROM repositories WHERE name = ?) AND t.name = ?");
      stmt.bind(1, repository).bind(2, tag);
      if (!stmt.step()) return Found();
      return Found(tag_detail_row(stmt));
    });
  }

  Result<std::vector<std::string>> tags_of_manifest(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare(
          "SELECT name FROM tags WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) "
          "AND manifest_digest = ? ORDER BY name");
      stmt.bind(1, repository).bind(2, digest.str());
      std::vector<std::string> tags;
      while (stmt.step()) tags.push_back(stmt.text(0));
      return tags;
    });
  }

  Result<std::vector<Referrer>> list_referrers(std::string_view repository, const Digest& subject,
                                               std::optional<std::string_view> artifact_type) override {
    return db_.read<std::vector<Referrer>>([&](Connection& db) -> Result<std::vector<Referrer>> {
      auto stmt = db.prepare(
          "SELECT digest, media_type, size, artifact_type, COALESCE(annotations, '') FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND subject = ? "
          "AND (? IS NULL OR artifact_type = ?) ORDER BY digest");
      stmt.bind(1, repository).bind(2, subject.str());
      if (artifact_type) {
        stmt.bind(3, *artifact_type).bind(4, *artifact_type);
      } else {
        stmt.bind_null(3).bind_null(4);
      }
      std::vector<Referrer> referrers;
      while (stmt.step()) {
        referrers.push_back(Referrer{stmt.text(0), stmt.text(1), static_cast<std::uint64_t>(stmt.integer(2)),
                                     stmt.text(3), stmt.text(4)});
      }
      return referrers;
    });
  }

  Result<std::vector<TagEvent>> tag_history(std::string_view repository, std::string_view tag) override {
    return db_.read<std::vector<TagEvent>>([&](Connection& db) -> Result<std::vector<TagEvent>> {
      auto stmt = db.prepare(
          "SELECT tag, COALESCE(old_digest, ''), COALESCE(new_digest, ''), changed_at FROM tag_history "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = ?) AND tag = ? ORDER BY id");
      stmt.bind(1, repository).bind(2, tag);
      std::vector<TagEvent> events;
      while (stmt.step()) events.push_back(TagEvent{stmt.text(0), stmt.text(1), stmt.text(2), stmt.integer(3)});
      return events;
    });
  }

  Result<void> create_upload(const UploadRecord& upload) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db
          .prepare("INSERT INTO uploads (id, repository, started_at, updated_at) VALUES (?, ?, ?, ?)")
          .bind(1, upload.id).bind(2, upload.repository).bind(3, upload.started_at).bind(4, upload.updated_at).run();
      return {};
    });
  }

  Result<std::optional<UploadRecord>> get_upload(std::string_view id) override {
    return db_.read<std::optional<UploadRecord>>([&](Connection& db) -> Result<std::optional<UploadRecord>> {
      auto stmt = db.prepare(std::string(kUploadColumns) + "WHERE id = ?");
      stmt.bind(1, id);
      if (!stmt.step()) return std::optional<UploadRecord>();
      return std::optional<UploadRecord>(upload_row(stmt));
    });
  }

  Result<void> touch_upload(std::string_view id, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("UPDATE uploads SET updated_at = ? WHERE id = ?").bind(1, now).bind(2, id).run();
      return {};
    });
  }

  Result<void> delete_upload(std::string_view id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM uploads WHERE id = ?").bind(1, id).run();
      return {};
    });
  }

  Result<std::vector<UploadRecord>> uploads_idle_since(std::int64_t cutoff) override {
    return db_.read<std::vector<UploadRecord>>([&](Connection& db) -> Result<std::vector<UploadRecord>> {
      auto stmt = db.prepare(std::string(kUploadColumns) + "WHERE updated_at < ?");
      stmt.bind(1, cutoff);
      std::vector<UploadRecord> uploads;
      while (stmt.step()) uploads.push_back(upload_row(stmt));
      return uploads;
    });
  }

  Result<std::uint64_t> count_uploads() override {
    return db_.read<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      auto stmt = db.prepare("SELECT COUNT(*) FROM uploads");
      stmt.step();
      return static_cast<std::uint64_t>(stmt.integer(0));
    });
  }

  Result<void> save_upload_hash(std::string_view id, std::string_view hash_state, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("UPDATE uploads SET hash_state = ?, updated_at = ? WHERE id = ?")
          .bind(1, hash_state).bind(2, now).bind(3, id).run();
      return {};
    });
  }

  Result<void> save_store_upload(std::string_view id, std::string_view state, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare(
            "INSERT INTO blob_store_uploads (id, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at")
          .bind(1, id).bind(2, state).bind(3, now).run();
      return {};
    });
  }

  Result<std::optional<std::string>> store_upload(std::string_view id) override {
    return db_.read<std::optional<std::string>>([&](Connection& db) -> Result<std::optional<std::string>> {
      auto stmt = db.prepare("SELECT state FROM blob_store_uploads WHERE id = ?");
      stmt.bind(1, id);
      if (!stmt.step()) return std::optional<std::string>();
      return std::optional<std::string>(stmt.text(0));
    });
  }

  Result<void> delete_store_upload(std::string_view id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.prepare("DELETE FROM blob_store_uploads WHERE id = ?").bind(1, id).run();
      return {};
    });
  }

  Result<std::vector<std::string>> store_uploads_idle_since(std::int64_t cutoff) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto stmt = db.prepare("SELECT id FROM blob_store_uploads WHERE updated_at < ? ORDER BY id");
      stmt.bind(1, cutoff);
      std::vector<std::string> ids;
      while (stmt.step()) ids.push_back(stmt.text(0));
      return ids;
    });
  }

 private:
  sqlite::Database db_;
};

}  // namespace

std::unique_ptr<MetadataStore> open_sqlite_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteStore>(path.string());
}

int sqlite_schema_version(const std::filesystem::path& path) {
  Connection db(path.string());
  return sqlite::current_version(db);
}

int sqlite_latest_schema_version() { return sqlite::latest_version(); }

}  // namespace pier::meta
