// meta/event_payloads.h: the outbox rows of the events that stores write inside the
// transaction of the change they tell of, built alike by both engines.
//
// A payload holds the event's own fields; the common ones a receiver sees (id, event,
// occurred_at, registry) are added when it is sent (services/notification_service.h).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meta/notification_store.h"

namespace pier::meta {

// A manifest stored, or tags pointed at one: `tags` are those now pointing at it.
OutboxEvent push_event(std::string_view repository, std::string_view digest, std::string_view media_type,
                       std::uint64_t size, const std::vector<std::string>& tags, std::string_view actor,
                       std::int64_t now);
// A manifest deleted with `tags`, or one tag deleted (`tags` holds it, `digest` where it pointed).
OutboxEvent deletion_event(std::string_view repository, std::string_view digest, const std::vector<std::string>& tags,
                           std::string_view actor, std::int64_t now);
// "tag_expired" or "tag_pruned": the registry removed `tag`, which pointed at `digest`.
OutboxEvent tag_removal_event(std::string_view kind, std::string_view repository, std::string_view tag,
                              std::string_view digest, std::int64_t now);
// "quota_warning" or "quota_exceeded" for a namespace.
OutboxEvent quota_event(std::string_view kind, std::string_view namespace_name, std::uint64_t quota_bytes,
                        std::uint64_t usage_bytes, std::int64_t now);

}  // namespace pier::meta
