// meta/notification_columns.h: what both engines' notification stores write alike.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "meta/notification_store.h"

namespace pier::meta {

// The columns each engine's rule_of, delivery_of and event_of read, in their order.
inline constexpr std::string_view kRuleColumns =
    "id, namespace, repository, event, method, config, title, tag_filter, min_severity, enabled, disabled_reason, "
    "failures_in_a_row, created_at";
inline constexpr std::string_view kDeliveryColumns =
    "id, rule_id, event_id, event_kind, state, attempts, status_code, error, created_at, updated_at";
inline constexpr std::string_view kEventColumns = "id, kind, namespace, repository, payload, occurred_at";

// "SELECT <columns> <rest>".
inline std::string select_from(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string(columns) + " " + std::string(rest);
}

// The arguments and unique key of the job that sends delivery `id`.
inline std::string delivery_job_args(std::int64_t id) { return "{\"delivery\":" + std::to_string(id) + "}"; }
inline std::string delivery_job_key(std::string_view kind, std::int64_t id) {
  return std::string(kind) + "@" + std::to_string(id);
}

}  // namespace pier::meta
