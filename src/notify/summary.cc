#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include "notify/formats.h"
#include "notify/payload_text.h"

namespace pier::notify {

namespace json = boost::json;

namespace {

std::string string_at(const json::object& payload, std::string_view key) {
  const json::value* value = payload.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::int64_t number_at(const json::object& payload, std::string_view key) {
  const json::value* value = payload.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) return static_cast<std::int64_t>(value->get_double());
  return 0;
}

std::vector<std::string> tags_of(const json::object& payload) {
  std::vector<std::string> tags;
  if (const json::value* value = payload.if_contains("tags"); value != nullptr && value->is_array()) {
    for (const auto& tag : value->get_array()) {
      if (tag.is_string()) tags.emplace_back(tag.get_string());
    }
  }
  return tags;
}

// "sha256:" and the first 12 hex digits: enough to tell images apart in a line of text.
std::string short_digest(std::string_view digest) {
  const auto colon = digest.find(':');
  const std::size_t keep = colon == std::string_view::npos ? 12 : colon + 1 + 12;
  return std::string(digest.substr(0, keep));
}

// "acme/app:1.0, latest (sha256:0123456789ab)", or "acme/app@sha256:0123456789ab" without tags.
std::string image_of(const json::object& payload) {
  const std::string repository = string_at(payload, "repository");
  const std::string digest = short_digest(string_at(payload, "digest"));
  const auto tags = tags_of(payload);
  if (tags.empty()) return digest.empty() ? repository : repository + "@" + digest;
  std::string text = repository + ":" + tags.front();
  for (std::size_t i = 1; i < tags.size(); ++i) text += ", " + tags[i];
  if (!digest.empty()) text += " (" + digest + ")";
  return text;
}

std::string bytes_text(std::int64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  double amount = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (amount >= 1024 && unit + 1 < kUnits.size()) {
    amount /= 1024;
    ++unit;
  }
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, "%.1f %s", amount, kUnits[unit]);
  }
  return text;
}

std::string usage_of(const json::object& payload) {
  const std::int64_t quota = number_at(payload, "quota_bytes");
  const std::int64_t usage = number_at(payload, "usage_bytes");
  std::string text = bytes_text(usage) + " of " + bytes_text(quota);
  if (quota > 0) text += " (" + std::to_string(usage * 100 / quota) + "%)";
  return text;
}

// "2 critical, 5 high": the non-zero counts of the scan summary, worst first.
std::string severity_counts(const json::object& payload) {
  std::string text;
  const json::value* summary = payload.if_contains("summary");
  if (summary == nullptr || !summary->is_object()) return text;
  for (const char* level : {"critical", "high", "medium", "low", "unknown"}) {
    const std::int64_t count = number_at(summary->get_object(), level);
    if (count == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::to_string(count) + " " + level;
  }
  return text;
}

std::string summary_line(std::string_view event, const json::object& payload) {
  const std::string scope =
      payload.contains("repository") ? string_at(payload, "repository") : string_at(payload, "namespace");
  if (event == "push") return "Pushed " + image_of(payload);
  if (event == "delete") return "Deleted " + image_of(payload);
  if (event == "tag_expired") return "Tag expired: " + image_of(payload);
  if (event == "tag_pruned") return "Tag pruned by retention: " + image_of(payload);
  if (event == "pull") return "Pulled " + image_of(payload);
  if (event == "quota_warning") return "Quota warning for " + scope + ": " + usage_of(payload) + " used";
  if (event == "quota_exceeded") return "Quota exceeded for " + scope + ": a push was refused at " + usage_of(payload);
  if (event == "vulnerability_found") {
    std::string text = "Vulnerabilities found in " + image_of(payload);
    const std::string counts = severity_counts(payload);
    const std::string severity = string_at(payload, "severity");
    if (!counts.empty()) {
      text += ": " + counts;
    } else if (!severity.empty()) {
      text += ": highest " + severity;
    }
    return text;
  }
  if (event == "signature_added") {
    std::string text = "Signature added to " + image_of(payload);
    if (const json::value* signature = payload.if_contains("signature");
        signature != nullptr && signature->is_object()) {
      const std::string kind = string_at(signature->get_object(), "kind");
      if (!kind.empty()) text += " (" + kind + ")";
    }
    return text;
  }
  if (event == "test") {
    const std::string message = string_at(payload, "message");
    return "Test notification" + (scope.empty() ? std::string() : " for " + scope) +
           (message.empty() ? "" : ": " + message);
  }
  return std::string(event) + (scope.empty() ? std::string() : " in " + scope);
}

}  // namespace

std::string summary_of(const Outgoing& outgoing) {
  boost::system::error_code error;
  const json::value payload = json::parse(outgoing.payload_json, error);
  static const json::object kEmpty;
  return one_line(summary_line(outgoing.event, !error && payload.is_object() ? payload.get_object() : kEmpty));
}

std::string cloud_event_type(std::string_view event) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes{{
      {"push", "dev.pier.image.pushed"},
      {"delete", "dev.pier.image.deleted"},
      {"tag_expired", "dev.pier.tag.expired"},
      {"tag_pruned", "dev.pier.tag.pruned"},
      {"pull", "dev.pier.image.pulled"},
      {"quota_warning", "dev.pier.quota.warning"},
      {"quota_exceeded", "dev.pier.quota.exceeded"},
      {"vulnerability_found", "dev.pier.vulnerability.found"},
      {"signature_added", "dev.pier.signature.added"},
      {"test", "dev.pier.test"},
  }};
  for (const auto& [name, type] : kTypes) {
    if (name == event) return std::string(type);
  }
  return "dev.pier." + std::string(event);
}

}  // namespace pier::notify
