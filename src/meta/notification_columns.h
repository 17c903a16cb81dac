// meta/notification_columns.h: what both engines' notification stores write alike.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

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

// The arguments and unique key of the job that sends deliveries `ids` (one rule's, in order).
inline std::string delivery_job_args(const std::vector<std::int64_t>& ids) {
  std::string args = "{\"deliveries\":[";
  for (std::size_t i = 0; i < ids.size(); ++i) args += (i == 0 ? "" : ",") + std::to_string(ids[i]);
  return args + "]}";
}
inline std::string delivery_job_key(std::string_view kind, const std::vector<std::int64_t>& ids) {
  return std::string(kind) + "@" + std::to_string(ids.front());
}

// The deliveries of a dispatch grouped by rule, each group in event order.
inline std::map<std::int64_t, std::vector<const NewDelivery*>> by_rule(const std::vector<NewDelivery>& deliveries) {
  std::map<std::int64_t, std::vector<const NewDelivery*>> groups;
  for (const auto& delivery : deliveries) groups[delivery.rule_id].push_back(&delivery);
  return groups;
}

}  // namespace pier::meta
