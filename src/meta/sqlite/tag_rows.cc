#include "meta/sqlite/tag_rows.h"

#include "common/names.h"
#include "meta/lifecycle_rules.h"

namespace pier::meta::sqlite {

std::optional<std::int64_t> find_repository_id(Connection& db, std::string_view repository) {
  auto stmt = db.prepare("SELECT id FROM repositories WHERE name = ?");
  stmt.bind(1, repository);
  if (!stmt.step()) return std::nullopt;
  return stmt.integer(0);
}

std::int64_t ensure_repository_id(Connection& db, std::string_view repository, std::int64_t now) {
  if (auto id = find_repository_id(db, repository)) return *id;
  db.prepare("INSERT INTO repositories (name, created_at) VALUES (?, ?)").bind(1, repository).bind(2, now).run();
  return *find_repository_id(db, repository);
}

std::optional<std::string> tag_target(Connection& db, std::int64_t repo, std::string_view tag) {
  auto stmt = db.prepare("SELECT manifest_digest FROM tags WHERE repository_id = ? AND name = ?");
  stmt.bind(1, repo).bind(2, tag);
  if (!stmt.step()) return std::nullopt;
  return stmt.text(0);
}

void record_tag_move(Connection& db, std::int64_t repo, std::string_view tag, std::string_view old_digest,
                     std::string_view new_digest, std::int64_t now) {
  db.prepare("INSERT INTO tag_history (repository_id, tag, old_digest, new_digest, changed_at) VALUES (?, ?, ?, ?, ?)")
      .bind(1, repo).bind(2, tag).bind_optional(3, old_digest).bind_optional(4, new_digest).bind(5, now).run();
}

std::vector<ImmutableRule> immutable_rules(Connection& db, std::int64_t repo) {
  auto stmt = db.prepare(immutable_rules_query("?1"));
  stmt.bind(1, repo);
  std::vector<ImmutableRule> rules;
  while (stmt.step()) {
    rules.push_back(ImmutableRule{rule_scope_of(stmt.text(0)),
                                  stmt.text(1), stmt.text(2)});
  }
  return rules;
}

std::optional<Error> refuse_immutable_deletion(Connection& db, std::int64_t repo, const std::vector<std::string>& tags) {
  if (tags.empty()) return std::nullopt;
  return immutable_deletion_error(immutable_rules(db, repo), tags);
}

std::optional<Error> move_tag(Connection& db, std::int64_t repo, std::string_view tag, std::string_view digest,
                              std::int64_t now) {
  const auto previous = tag_target(db, repo, tag);
  if (previous == digest) return std::nullopt;
  if (previous) {
    if (const auto rule = immutable_rule_for(immutable_rules(db, repo), tag)) {
      return immutable_tag_error(tag, *rule, "moved");
    }
  }
  db.prepare("INSERT INTO tags (repository_id, name, manifest_digest, updated_at) VALUES (?, ?, ?, ?) "
             "ON CONFLICT (repository_id, name) DO UPDATE SET manifest_digest = excluded.manifest_digest, "
             "updated_at = excluded.updated_at, expires_at = NULL")
      .bind(1, repo).bind(2, tag).bind(3, digest).bind(4, now).run();
  record_tag_move(db, repo, tag, previous.value_or(""), digest, now);
  return std::nullopt;
}

std::uint64_t delete_attachments(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t now) {
  const auto parsed = Digest::parse(digest);
  if (!parsed) return 0;
  std::uint64_t deleted = 0;
  for (const auto& tag : attachment_tags(*parsed)) {
    const auto target = tag_target(db, repo, tag);
    if (!target || immutable_rule_for(immutable_rules(db, repo), tag)) continue;
    db.prepare("DELETE FROM tags WHERE repository_id = ? AND name = ?").bind(1, repo).bind(2, tag).run();
    record_tag_move(db, repo, tag, *target, "", now);
    auto reached = db.prepare(
        "SELECT EXISTS (SELECT 1 FROM tags WHERE repository_id = ?1 AND manifest_digest = ?2) "
        "OR EXISTS (SELECT 1 FROM manifest_references WHERE repository_id = ?1 AND child_digest = ?2) "
        "OR EXISTS (SELECT 1 FROM manifests WHERE repository_id = ?1 AND subject = ?2)");
    reached.bind(1, repo).bind(2, *target);
    if (reached.step() && reached.integer(0) != 0) continue;
    deleted += delete_attachments(db, repo, *target, now);
    db.prepare("DELETE FROM manifests WHERE repository_id = ? AND digest = ?").bind(1, repo).bind(2, *target).run();
    deleted += static_cast<std::uint64_t>(db.changes());
  }
  return deleted;
}

}  // namespace pier::meta::sqlite
