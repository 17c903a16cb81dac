#include "meta/postgres/pg_tag_rows.h"

#include "common/names.h"

namespace pier::meta::postgres {

std::optional<std::int64_t> find_repository_id(Connection& db, std::string_view repository) {
  auto rows = db.query("SELECT id FROM repositories WHERE name = $1", {repository});
  if (rows.empty()) return std::nullopt;
  return rows.integer(0, 0);
}

std::int64_t ensure_repository_id(Connection& db, std::string_view repository, std::int64_t now) {
  // ON CONFLICT waits for a replica creating the same repository, then finds its row.
  db.query("INSERT INTO repositories (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
           {repository, now});
  return *find_repository_id(db, repository);
}

// Held until the transaction ends: one tag's moves happen one at a time across replicas, so
// each records the digest the tag really left. A row lock cannot serve: a tag being created
// has no row yet. Two tags sharing a hash only wait for each other.
void lock_tag(Connection& db, std::int64_t repo, std::string_view tag) {
  db.query("SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 0))", {repo, tag});
}

std::optional<std::string> tag_target(Connection& db, std::int64_t repo, std::string_view tag) {
  auto rows = db.query("SELECT manifest_digest FROM tags WHERE repository_id = $1 AND name = $2", {repo, tag});
  if (rows.empty()) return std::nullopt;
  return rows.text(0, 0);
}

void record_tag_move(Connection& db, std::int64_t repo, std::string_view tag, std::string_view old_digest,
                     std::string_view new_digest, std::int64_t now) {
  db.query("INSERT INTO tag_history (repository_id, tag, old_digest, new_digest, changed_at) VALUES ($1, $2, $3, $4, $5)",
           {repo, tag, Param::optional(old_digest), Param::optional(new_digest), now});
}

std::vector<ImmutableRule> immutable_rules(Connection& db, std::int64_t repo) {
  auto rows = db.query(immutable_rules_query("$1"), {repo});
  std::vector<ImmutableRule> rules;
  for (int i = 0; i < rows.size(); ++i) {
    rules.push_back(ImmutableRule{rule_scope_of(rows.text(i, 0)),
                                  rows.text(i, 1), rows.text(i, 2)});
  }
  return rules;
}

std::optional<Error> refuse_immutable_deletion(Connection& db, std::int64_t repo, const std::vector<std::string>& tags) {
  if (tags.empty()) return std::nullopt;
  return immutable_deletion_error(immutable_rules(db, repo), tags);
}

std::optional<Error> move_tag(Connection& db, std::int64_t repo, std::string_view tag, std::string_view digest,
                              std::int64_t now) {
  lock_tag(db, repo, tag);
  const auto previous = tag_target(db, repo, tag);
  if (previous == digest) return std::nullopt;
  if (previous) {
    if (const auto rule = immutable_rule_for(immutable_rules(db, repo), tag)) {
      return immutable_tag_error(tag, *rule, "moved");
    }
  }
  db.query("INSERT INTO tags (repository_id, name, manifest_digest, updated_at) VALUES ($1, $2, $3, $4) "
           "ON CONFLICT (repository_id, name) DO UPDATE SET manifest_digest = excluded.manifest_digest, "
           "updated_at = excluded.updated_at, expires_at = NULL",
           {repo, tag, digest, now});
  record_tag_move(db, repo, tag, previous.value_or(""), digest, now);
  return std::nullopt;
}

std::uint64_t delete_attachments(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t now) {
  const auto parsed = Digest::parse(digest);
  if (!parsed) return 0;
  std::uint64_t deleted = 0;
  for (const auto& tag : attachment_tags(*parsed)) {
    lock_tag(db, repo, tag);
    const auto target = tag_target(db, repo, tag);
    if (!target || immutable_rule_for(immutable_rules(db, repo), tag)) continue;
    db.query("DELETE FROM tags WHERE repository_id = $1 AND name = $2", {repo, tag});
    record_tag_move(db, repo, tag, *target, "", now);
    // Locked before it is checked, as the collector does: a push referencing it meanwhile waits.
    if (db.query("SELECT 1 FROM manifests WHERE repository_id = $1 AND digest = $2 FOR UPDATE", {repo, *target}).empty()) {
      continue;
    }
    const bool reached =
        db.query("SELECT EXISTS (SELECT 1 FROM tags WHERE repository_id = $1 AND manifest_digest = $2) "
                 "OR EXISTS (SELECT 1 FROM manifest_references WHERE repository_id = $1 AND child_digest = $2) "
                 "OR EXISTS (SELECT 1 FROM manifests WHERE repository_id = $1 AND subject = $2)",
                 {repo, *target})
            .boolean(0, 0);
    if (reached) continue;
    deleted += delete_attachments(db, repo, *target, now);
    deleted += static_cast<std::uint64_t>(
        db.query("DELETE FROM manifests WHERE repository_id = $1 AND digest = $2", {repo, *target}).affected());
  }
  return deleted;
}

}  // namespace pier::meta::postgres
