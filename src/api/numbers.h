// api/numbers.h: integers from query parameters and path segments.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace pier::api {

// The decimal integer `text`, within [min, max]; kBadRequest naming `field` otherwise.
inline Result<std::int64_t> parse_integer(std::string_view field, std::string_view text, std::int64_t min,
                                          std::int64_t max) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return make_error(ErrorCode::kBadRequest, std::string(field) + ": must be an integer from " +
                                                  std::to_string(min) + " to " + std::to_string(max));
  }
  return value;
}

}  // namespace pier::api
