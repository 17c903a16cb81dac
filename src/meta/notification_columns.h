// meta/notification_columns.h: what both engines' notification stores write alike.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "meta/notification_store.h"

namespace pier::meta {

// The arguments and unique key of the job that sends delivery `id`.
inline std::string delivery_job_args(std::int64_t id) { return "{\"delivery\":" + std::to_string(id) + "}"; }
inline std::string delivery_job_key(std::string_view kind, std::int64_t id) {
  return std::string(kind) + "@" + std::to_string(id);
}

}  // namespace pier::meta
