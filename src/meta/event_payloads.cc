#include "meta/event_payloads.h"

#include <boost/json.hpp>

#include "common/names.h"

namespace pier::meta {

namespace {

boost::json::array tag_array(const std::vector<std::string>& tags) {
  boost::json::array array;
  for (const auto& tag : tags) array.emplace_back(tag);
  return array;
}

OutboxEvent repository_event(std::string_view kind, std::string_view repository, boost::json::object payload,
                             std::int64_t now) {
  const auto namespace_name = namespace_of(repository);
  boost::json::object ordered{{"namespace", namespace_name}, {"repository", repository}};
  for (auto& [key, value] : payload) ordered[key] = std::move(value);
  return OutboxEvent{0, std::string(kind), std::string(namespace_name), std::string(repository),
                     boost::json::serialize(ordered), now};
}

}  // namespace

OutboxEvent push_event(std::string_view repository, std::string_view digest, std::string_view media_type,
                       std::uint64_t size, const std::vector<std::string>& tags, std::string_view actor,
                       std::int64_t now) {
  return repository_event("push", repository,
                          {{"digest", digest}, {"tags", tag_array(tags)}, {"media_type", media_type},
                           {"size", size}, {"actor", actor}},
                          now);
}

OutboxEvent deletion_event(std::string_view repository, std::string_view digest, const std::vector<std::string>& tags,
                           std::string_view actor, std::int64_t now) {
  return repository_event("delete", repository, {{"digest", digest}, {"tags", tag_array(tags)}, {"actor", actor}},
                          now);
}

OutboxEvent tag_removal_event(std::string_view kind, std::string_view repository, std::string_view tag,
                              std::string_view digest, std::int64_t now) {
  return repository_event(kind, repository,
                          {{"digest", digest}, {"tags", boost::json::array{boost::json::string(tag)}}, {"actor", ""}},
                          now);
}

OutboxEvent quota_event(std::string_view kind, std::string_view namespace_name, std::uint64_t quota_bytes,
                        std::uint64_t usage_bytes, std::int64_t now) {
  const boost::json::object payload{{"namespace", namespace_name},
                                    {"quota_bytes", quota_bytes},
                                    {"usage_bytes", usage_bytes},
                                    {"actor", ""}};
  return OutboxEvent{0, std::string(kind), std::string(namespace_name), "", boost::json::serialize(payload), now};
}

}  // namespace pier::meta
