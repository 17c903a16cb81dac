#include "meta/postgres/pg_store.h"

#include "meta/event_payloads.h"
#include "meta/lifecycle_rules.h"
#include "meta/manifest_references.h"
#include "meta/postgres/pg_database.h"
#include "meta/postgres/pg_migrate.h"
#include "meta/postgres/pg_notification_store.h"
#include "meta/postgres/pg_tag_rows.h"

namespace pier::meta {
namespace {

using postgres::Connection;
using postgres::Param;
using postgres::Rows;

using postgres::ensure_repository_id;
using postgres::find_repository_id;
using postgres::lock_tag;
using postgres::move_tag;
using postgres::record_tag_move;
using postgres::refuse_immutable_deletion;
using postgres::tag_target;

constexpr std::string_view kSummaryColumns =
    "SELECT r.name, (SELECT COUNT(*) FROM tags t WHERE t.repository_id = r.id), "
    "(SELECT MAX(h.changed_at) FROM tag_history h WHERE h.repository_id = r.id) FROM repositories r ";

RepositorySummary summary_row(const Rows& rows, int row) {
  RepositorySummary summary{rows.text(row, 0), static_cast<std::uint64_t>(rows.integer(row, 1)), std::nullopt};
  if (!rows.is_null(row, 2)) summary.last_modified = rows.integer(row, 2);
  return summary;
}

constexpr std::string_view kTagDetailColumns =
    "SELECT t.name, t.manifest_digest, m.media_type, m.content, t.updated_at, t.expires_at FROM tags t "
    "JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest ";

TagDetail tag_detail_row(const Rows& rows, int row) {
  return TagDetail{rows.text(row, 0), rows.text(row, 1), rows.text(row, 2), rows.bytes(row, 3), rows.integer(row, 4),
                   rows.is_null(row, 5) ? std::nullopt : std::optional<std::int64_t>(rows.integer(row, 5))};
}

// The size of what `ref` names in the repository; nullopt when it is not there. The row found
// is share-locked until commit: the collector locks it for update before deleting it, so it
// either waits for this push and sees the reference, or deletes first and this finds nothing.
std::optional<std::uint64_t> reference_size(Connection& db, std::int64_t repo, const ManifestReference& ref) {
  auto rows = db.query(ref.kind == ReferenceKind::kBlob
                           ? "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
                             "WHERE rb.repository_id = $1 AND rb.digest = $2 AND NOT b.deleting FOR SHARE OF rb"
                           : "SELECT size FROM manifests WHERE repository_id = $1 AND digest = $2 FOR SHARE",
                       {repo, ref.digest});
  if (rows.empty()) return std::nullopt;
  return static_cast<std::uint64_t>(rows.integer(0, 0));
}

constexpr std::string_view kUploadColumns =
    "SELECT id, repository, started_at, updated_at, COALESCE(hash_state, '') FROM uploads ";

std::vector<UploadRecord> upload_rows(const Rows& rows) {
  std::vector<UploadRecord> uploads;
  for (int i = 0; i < rows.size(); ++i) {
    uploads.push_back(
        UploadRecord{rows.text(i, 0), rows.text(i, 1), rows.integer(i, 2), rows.integer(i, 3), rows.text(i, 4)});
  }
  return uploads;
}

std::vector<std::string> first_column(const Rows& rows) {
  std::vector<std::string> values;
  values.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) values.push_back(rows.text(i, 0));
  return values;
}

std::optional<std::uint64_t> optional_size(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return static_cast<std::uint64_t>(rows.integer(0, 0));
}

// Links the blob and records its use. `bytes_placed`: the caller has just stored its bytes,
// holding the blob's lock, so a collection that claimed it and stopped is overruled; without
// them a claimed blob is refused, since its bytes may be gone. A blob new to its namespace
// must fit the namespace's quota.
std::optional<Error> insert_blob_link(Connection& db, std::string_view repository, const Digest& digest,
                                      std::uint64_t size, std::int64_t now, bool bytes_placed) {
  const auto repo = ensure_repository_id(db, repository, now);
  auto claimed = db.query(bytes_placed
                              ? "INSERT INTO blobs (digest, size, created_at, last_used_at) VALUES ($1, $2, $3, $3) "
                                "ON CONFLICT (digest) DO UPDATE SET last_used_at = $3, deleting = FALSE RETURNING deleting"
                              : "INSERT INTO blobs (digest, size, created_at, last_used_at) VALUES ($1, $2, $3, $3) "
                                "ON CONFLICT (digest) DO UPDATE SET last_used_at = $3 RETURNING deleting",
                          {digest.str(), size, now});
  if (!claimed.empty() && claimed.boolean(0, 0)) {
    return make_error(ErrorCode::kBlobUnknown, "blob unknown to registry: it is being garbage collected");
  }
  db.query("INSERT INTO repository_blobs (repository_id, digest, created_at) VALUES ($1, $2, $3) "
           "ON CONFLICT DO NOTHING",
           {repo, digest.str(), now});
  auto quota = db.query(quota_query("$1", "$2"), {repo, digest.str()});
  if (quota.empty()) return std::nullopt;
  std::optional<QuotaCheck> check = QuotaCheck{quota.text(0, 0), static_cast<std::uint64_t>(quota.integer(0, 1)),
                                               static_cast<std::uint64_t>(quota.integer(0, 2)), quota.integer(0, 3) == 1,
                                               std::nullopt};
  if (!quota.is_null(0, 4)) check->warning_bytes = static_cast<std::uint64_t>(quota.integer(0, 4));
  if (auto refused = quota_error(check)) return refused;
  if (crosses_quota_warning(check, size)) {
    insert_event(db, quota_event("quota_warning", check->namespace_name, check->limit_bytes, check->used_bytes, now));
  }
  return std::nullopt;
}

std::optional<StoredManifest> manifest_row(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return StoredManifest{rows.text(0, 0), rows.text(0, 1), rows.bytes(0, 2)};
}

Error name_unknown() { return make_error(ErrorCode::kNameUnknown, "repository name not known to registry"); }

class PostgresStore final : public MetadataStore {
 public:
  explicit PostgresStore(const std::string& url) : db_(url, {"metadata store", false}) {}

  bool shared_with_other_processes() const override { return true; }

  Result<bool> repository_exists(std::string_view repository) override {
    return db_.read<bool>([&](Connection& db) -> Result<bool> { return find_repository_id(db, repository).has_value(); });
  }

  Result<std::vector<std::string>> list_repositories(std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return first_column(
          db.query("SELECT name FROM repositories WHERE name > $1 ORDER BY name LIMIT $2", {after, std::uint64_t{limit}}));
    });
  }

  Result<std::vector<RepositorySummary>> list_repository_summaries(const RepositoryQuery& query) override {
    return db_.read<std::vector<RepositorySummary>>([&](Connection& db) -> Result<std::vector<RepositorySummary>> {
      // A namespace is the range of names from "ns/" up to "ns0" ('0' follows '/'), so the
      // name index serves both the namespace and the page.
      auto rows = db.query(std::string(kSummaryColumns) +
                               "WHERE r.name > $1 AND ($2::text = '' OR (r.name > $2::text || '/' AND r.name < $2::text || '0')) "
                               "AND ($3::text = '' OR strpos(lower(r.name), lower($3::text)) > 0) ORDER BY r.name LIMIT $4",
                           {query.after, query.namespace_name, query.substring, std::uint64_t{query.limit}});
      std::vector<RepositorySummary> summaries;
      for (int i = 0; i < rows.size(); ++i) summaries.push_back(summary_row(rows, i));
      return summaries;
    });
  }

  Result<std::optional<RepositorySummary>> repository_summary(std::string_view repository) override {
    using Found = std::optional<RepositorySummary>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto rows = db.query(std::string(kSummaryColumns) + "WHERE r.name = $1", {repository});
      if (rows.empty()) return Found();
      return Found(summary_row(rows, 0));
    });
  }

  Result<bool> create_repository(std::string_view repository, std::int64_t now) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("INSERT INTO repositories (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                      {repository, now})
                 .affected() > 0;
    });
  }

  Result<bool> delete_repository(std::string_view repository) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      auto rows = db.query("SELECT id FROM repositories WHERE name = $1 FOR UPDATE", {repository});
      if (rows.empty()) return false;
      const std::int64_t repo = rows.integer(0, 0);
      if (auto refused = refuse_immutable_deletion(
              db, repo, first_column(db.query("SELECT name FROM tags WHERE repository_id = $1 ORDER BY name", {repo})))) {
        return *refused;
      }
      // Tags first: they point at manifests. Blob links before the repository row, so the
      // namespace's usage (kept by triggers that read the row) drops with them. The rest
      // goes with the repository row.
      db.query("DELETE FROM tags WHERE repository_id = $1", {repo});
      db.query("DELETE FROM repository_blobs WHERE repository_id = $1", {repo});
      db.query("DELETE FROM repositories WHERE id = $1", {repo});
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
      db.query("DELETE FROM uploads WHERE id = $1", {upload_id});
      return {};
    });
  }

  Result<void> link_inline_blob(std::string_view repository, const Digest& digest, std::string_view bytes,
                                std::string_view upload_id, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      if (auto refused = insert_blob_link(db, repository, digest, bytes.size(), now, true)) return *refused;
      db.query("INSERT INTO blob_contents (digest, content) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               {digest.str(), Param::bytes(bytes)});
      db.query("DELETE FROM uploads WHERE id = $1", {upload_id});
      return {};
    });
  }

  Result<std::optional<std::string>> inline_blob(const Digest& digest) override {
    return db_.read<std::optional<std::string>>([&](Connection& db) -> Result<std::optional<std::string>> {
      auto rows = db.query("SELECT content FROM blob_contents WHERE digest = $1", {digest.str()});
      if (rows.empty()) return std::optional<std::string>();
      return std::optional<std::string>(rows.bytes(0, 0));
    });
  }

  Result<std::optional<std::uint64_t>> linked_blob_size(std::string_view repository, const Digest& digest) override {
    return db_.read<std::optional<std::uint64_t>>([&](Connection& db) -> Result<std::optional<std::uint64_t>> {
      return optional_size(db.query(
          "SELECT b.size FROM repository_blobs rb JOIN blobs b ON b.digest = rb.digest "
          "WHERE rb.repository_id = (SELECT id FROM repositories WHERE name = $1) AND rb.digest = $2 AND NOT b.deleting",
          {repository, digest.str()}));
    });
  }

  Result<std::optional<std::uint64_t>> blob_size(const Digest& digest) override {
    return db_.read<std::optional<std::uint64_t>>([&](Connection& db) -> Result<std::optional<std::uint64_t>> {
      return optional_size(db.query("SELECT size FROM blobs WHERE digest = $1 AND NOT deleting", {digest.str()}));
    });
  }

  Result<std::vector<std::string>> repositories_linking(const Digest& digest, std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return first_column(db.query(
          "SELECT r.name FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id "
          "WHERE rb.digest = $1 ORDER BY r.name LIMIT $2",
          {digest.str(), std::uint64_t{limit}}));
    });
  }

  Result<bool> unlink_blob(std::string_view repository, const Digest& digest) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      return db.query("DELETE FROM repository_blobs WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) "
                      "AND digest = $2",
                      {repository, digest.str()})
                 .affected() > 0;
    });
  }

  Result<void> put_manifest(std::string_view repository, const ManifestRecord& manifest,
                            const std::vector<std::string>& tags, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      const auto repo = ensure_repository_id(db, repository, now);
      for (const auto& ref : manifest.references) {
        if (auto refused = reference_error(ref, reference_size(db, repo, ref))) return *refused;
      }
      db.query("INSERT INTO manifests (repository_id, digest, media_type, artifact_type, subject, annotations, size, "
               "content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
               {repo, manifest.digest, manifest.media_type, manifest.artifact_type, Param::optional(manifest.subject),
                Param::optional(manifest.annotations_json), std::uint64_t{manifest.content.size()},
                Param::bytes(manifest.content), now});
      for (const auto& ref : manifest.references) {
        db.query("INSERT INTO manifest_references (repository_id, manifest_digest, child_digest, child_kind) "
                 "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                 {repo, manifest.digest, ref.digest, static_cast<int>(ref.kind)});
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
      return manifest_row(db.query(
          "SELECT digest, media_type, content FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) AND digest = $2",
          {repository, digest.str()}));
    });
  }

  Result<std::optional<StoredManifest>> get_tagged_manifest(std::string_view repository, std::string_view tag) override {
    return db_.read<std::optional<StoredManifest>>([&](Connection& db) -> Result<std::optional<StoredManifest>> {
      return manifest_row(db.query(
          "SELECT m.digest, m.media_type, m.content FROM tags t "
          "JOIN manifests m ON m.repository_id = t.repository_id AND m.digest = t.manifest_digest "
          "WHERE t.repository_id = (SELECT id FROM repositories WHERE name = $1) AND t.name = $2",
          {repository, tag}));
    });
  }

  Result<bool> delete_manifest(std::string_view repository, const Digest& digest, std::int64_t now,
                             std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      const auto tags = first_column(db.query(
          "SELECT name FROM tags WHERE repository_id = $1 AND manifest_digest = $2 ORDER BY name", {*repo, digest.str()}));
      if (auto refused = refuse_immutable_deletion(db, *repo, tags)) return *refused;
      std::vector<std::string> removed_tags;
      for (const auto& tag : tags) {
        lock_tag(db, *repo, tag);
        // Moved elsewhere by another replica while this one waited: not this manifest's any more.
        if (tag_target(db, *repo, tag) != digest.str()) continue;
        record_tag_move(db, *repo, tag, digest.str(), "", now);
        db.query("DELETE FROM tags WHERE repository_id = $1 AND name = $2", {*repo, tag});
        removed_tags.push_back(tag);
      }
      // A tag moved here meanwhile keeps the manifest: the foreign key refuses the delete.
      if (db.query("DELETE FROM manifests WHERE repository_id = $1 AND digest = $2", {*repo, digest.str()}).affected() == 0) {
        return false;
      }
      delete_attachments(db, *repo, digest.str(), now);
      insert_event(db, deletion_event(repository, digest.str(), removed_tags, actor, now));
      return true;
    });
  }

  Result<bool> delete_tag(std::string_view repository, std::string_view tag, std::int64_t now,
                          std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      lock_tag(db, *repo, tag);
      const auto previous = tag_target(db, *repo, tag);
      if (!previous) return false;
      if (auto refused = refuse_immutable_deletion(db, *repo, {std::string(tag)})) return *refused;
      db.query("DELETE FROM tags WHERE repository_id = $1 AND name = $2", {*repo, tag});
      record_tag_move(db, *repo, tag, *previous, "", now);
      insert_event(db, deletion_event(repository, *previous, {std::string(tag)}, actor, now));
      return true;
    });
  }

  Result<std::vector<std::string>> list_tags(std::string_view repository, std::string_view after,
                                             std::size_t limit) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return name_unknown();
      return first_column(db.query("SELECT name FROM tags WHERE repository_id = $1 AND name > $2 ORDER BY name LIMIT $3",
                                   {*repo, after, std::uint64_t{limit}}));
    });
  }

  Result<bool> tag_manifest(std::string_view repository, std::string_view tag, const Digest& digest,
                            std::int64_t now, std::string_view actor) override {
    return db_.write<bool>([&](Connection& db) -> Result<bool> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return false;
      // FOR SHARE: the manifest cannot be deleted before the tag points at it.
      const auto stored = db.query("SELECT media_type, size FROM manifests WHERE repository_id = $1 AND digest = $2 FOR SHARE",
                                   {*repo, digest.str()});
      if (stored.empty()) return false;
      if (auto refused = move_tag(db, *repo, tag, digest.str(), now)) return *refused;
      insert_event(db, push_event(repository, digest.str(), stored.text(0, 0),
                                  static_cast<std::uint64_t>(stored.integer(0, 1)), {std::string(tag)}, actor, now));
      return true;
    });
  }

  Result<std::vector<TagDetail>> list_tag_details(std::string_view repository, std::string_view substring,
                                                  std::string_view after, std::size_t limit) override {
    return db_.read<std::vector<TagDetail>>([&](Connection& db) -> Result<std::vector<TagDetail>> {
      const auto repo = find_repository_id(db, repository);
      if (!repo) return name_unknown();
      auto rows = db.query(std::string(kTagDetailColumns) +
                               "WHERE t.repository_id = $1 AND t.name > $2 "
                               "AND ($3::text = '' OR strpos(lower(t.name), lower($3::text)) > 0) ORDER BY t.name LIMIT $4",
                           {*repo, after, substring, std::uint64_t{limit}});
      std::vector<TagDetail> tags;
      for (int i = 0; i < rows.size(); ++i) tags.push_back(tag_detail_row(rows, i));
      return tags;
    });
  }

  Result<std::optional<TagDetail>> tag_detail(std::string_view repository, std::string_view tag) override {
    using Found = std::optional<TagDetail>;
    return db_.read<Found>([&](Connection& db) -> Result<Found> {
      auto rows = db.query(std::string(kTagDetailColumns) +
                               "WHERE t.repository_id = (SELECT id FROM repositories WHERE name = $1) AND t.name = $2",
                           {repository, tag});
      if (rows.empty()) return Found();
      return Found(tag_detail_row(rows, 0));
    });
  }

  Result<std::vector<std::string>> tags_of_manifest(std::string_view repository, const Digest& digest) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      return first_column(db.query(
          "SELECT name FROM tags WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) "
          "AND manifest_digest = $2 ORDER BY name",
          {repository, digest.str()}));
    });
  }

  Result<std::vector<Referrer>> list_referrers(std::string_view repository, const Digest& subject,
                                               std::optional<std::string_view> artifact_type) override {
    return db_.read<std::vector<Referrer>>([&](Connection& db) -> Result<std::vector<Referrer>> {
      auto rows = db.query(
          "SELECT digest, media_type, size, artifact_type, COALESCE(annotations, '') FROM manifests "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) AND subject = $2 "
          "AND ($3::text IS NULL OR artifact_type = $3) ORDER BY digest",
          {repository, subject.str(), artifact_type ? Param(*artifact_type) : Param::null()});
      std::vector<Referrer> referrers;
      for (int i = 0; i < rows.size(); ++i) {
        referrers.push_back(Referrer{rows.text(i, 0), rows.text(i, 1), static_cast<std::uint64_t>(rows.integer(i, 2)),
                                     rows.text(i, 3), rows.text(i, 4)});
      }
      return referrers;
    });
  }

  Result<std::vector<TagEvent>> tag_history(std::string_view repository, std::string_view tag) override {
    return db_.read<std::vector<TagEvent>>([&](Connection& db) -> Result<std::vector<TagEvent>> {
      auto rows = db.query(
          "SELECT tag, COALESCE(old_digest, ''), COALESCE(new_digest, ''), changed_at FROM tag_history "
          "WHERE repository_id = (SELECT id FROM repositories WHERE name = $1) AND tag = $2 ORDER BY id",
          {repository, tag});
      std::vector<TagEvent> events;
      for (int i = 0; i < rows.size(); ++i) {
        events.push_back(TagEvent{rows.text(i, 0), rows.text(i, 1), rows.text(i, 2), rows.integer(i, 3)});
      }
      return events;
    });
  }

  Result<void> create_upload(const UploadRecord& upload) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("INSERT INTO uploads (id, repository, started_at, updated_at) VALUES ($1, $2, $3, $4)",
               {upload.id, upload.repository, upload.started_at, upload.updated_at});
      return {};
    });
  }

  Result<std::optional<UploadRecord>> get_upload(std::string_view id) override {
    return db_.read<std::optional<UploadRecord>>([&](Connection& db) -> Result<std::optional<UploadRecord>> {
      auto uploads = upload_rows(db.query(std::string(kUploadColumns) + "WHERE id = $1", {id}));
      if (uploads.empty()) return std::optional<UploadRecord>();
      return std::optional<UploadRecord>(std::move(uploads.front()));
    });
  }

  Result<void> touch_upload(std::string_view id, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("UPDATE uploads SET updated_at = $1 WHERE id = $2", {now, id});
      return {};
    });
  }

  Result<void> delete_upload(std::string_view id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM uploads WHERE id = $1", {id});
      return {};
    });
  }

  Result<std::vector<UploadRecord>> uploads_idle_since(std::int64_t cutoff) override {
    return db_.read<std::vector<UploadRecord>>([&](Connection& db) -> Result<std::vector<UploadRecord>> {
      return upload_rows(db.query(std::string(kUploadColumns) + "WHERE updated_at < $1", {cutoff}));
    });
  }

  Result<std::uint64_t> count_uploads() override {
    return db_.read<std::uint64_t>([&](Connection& db) -> Result<std::uint64_t> {
      return static_cast<std::uint64_t>(db.query("SELECT COUNT(*) FROM uploads").integer(0, 0));
    });
  }

  Result<void> save_upload_hash(std::string_view id, std::string_view hash_state, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("UPDATE uploads SET hash_state = $1, updated_at = $2 WHERE id = $3", {hash_state, now, id});
      return {};
    });
  }

  Result<void> save_store_upload(std::string_view id, std::string_view state, std::int64_t now) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query(
          "INSERT INTO blob_store_uploads (id, state, updated_at) VALUES ($1, $2, $3) "
          "ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
          {id, state, now});
      return {};
    });
  }

  Result<std::optional<std::string>> store_upload(std::string_view id) override {
    return db_.read<std::optional<std::string>>([&](Connection& db) -> Result<std::optional<std::string>> {
      auto rows = db.query("SELECT state FROM blob_store_uploads WHERE id = $1", {id});
      if (rows.empty()) return std::optional<std::string>();
      return std::optional<std::string>(rows.text(0, 0));
    });
  }

  Result<void> delete_store_upload(std::string_view id) override {
    return db_.write<void>([&](Connection& db) -> Result<void> {
      db.query("DELETE FROM blob_store_uploads WHERE id = $1", {id});
      return {};
    });
  }

  Result<std::vector<std::string>> store_uploads_idle_since(std::int64_t cutoff) override {
    return db_.read<std::vector<std::string>>([&](Connection& db) -> Result<std::vector<std::string>> {
      auto rows = db.query("SELECT id FROM blob_store_uploads WHERE updated_at < $1 ORDER BY id", {cutoff});
      std::vector<std::string> ids;
      for (int i = 0; i < rows.size(); ++i) ids.push_back(rows.text(i, 0));
      return ids;
    });
  }

 private:
  postgres::Database db_;
};

}  // namespace

std::unique_ptr<MetadataStore> open_postgres_store(const std::string& url) { return std::make_unique<PostgresStore>(url); }

int postgres_schema_version(const std::string& url) {
  Connection db(url);
  return postgres::current_version(db);
}

int postgres_latest_schema_version() { return postgres::latest_version(); }

}  // namespace pier::meta
