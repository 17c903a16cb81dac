// meta/postgres/pg_tag_rows.h: the reads and writes of repositories and tags that the
// PostgreSQL metadata and lifecycle stores share, inside their transactions: a tag's move
// (under its advisory lock), its history and the immutable tag rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "meta/lifecycle_rules.h"
#include "meta/postgres/pg_connection.h"

namespace pier::meta::postgres {

std::optional<std::int64_t> find_repository_id(Connection& db, std::string_view repository);
std::int64_t ensure_repository_id(Connection& db, std::string_view repository, std::int64_t now);
// Held until the transaction ends: one tag's moves happen one at a time across replicas.
void lock_tag(Connection& db, std::int64_t repo, std::string_view tag);
std::optional<std::string> tag_target(Connection& db, std::int64_t repo, std::string_view tag);
// Empty digests are stored as NULL: old empty, the tag was created; new empty, deleted.
void record_tag_move(Connection& db, std::int64_t repo, std::string_view tag, std::string_view old_digest,
                     std::string_view new_digest, std::int64_t now);
std::vector<ImmutableRule> immutable_rules(Connection& db, std::int64_t repo);
// Refuses to delete any of `tags` that is immutable.
std::optional<Error> refuse_immutable_deletion(Connection& db, std::int64_t repo, const std::vector<std::string>& tags);
// Points `tag` at `digest` (a manifest of `repo`) and records the move; a push and a tag put
// through the management API both come here, so both leave the same history. A moved tag
// loses its expiry: it belonged to what the tag pointed at. An immutable tag is never moved.
std::optional<Error> move_tag(Connection& db, std::int64_t repo, std::string_view tag, std::string_view digest,
                              std::int64_t now);

// Removes the attachment tags (common/names.h) of manifest `digest`, which is being deleted,
// recording each removal, and each manifest they pointed at that no other tag, manifest or
// subject still reaches, with its own attachments. An immutable attachment tag stays, with
// what it points at. Returns how many manifests went.
std::uint64_t delete_attachments(Connection& db, std::int64_t repo, std::string_view digest, std::int64_t now);

}  // namespace pier::meta::postgres
