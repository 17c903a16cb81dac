// client/time_text.h: times as people write them, to and from the Unix seconds of the API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"  // format_utc, the other direction
#include "common/error.h"

namespace pier::client {

// ISO 8601: "2024-05-01", "2024-05-01T12:00", "2024-05-01T12:00:30", each optionally followed by
// "Z" or an offset "+02:00" / "-0500" (a space may stand for the "T"). Without a zone, UTC.
// kBadRequest for anything else or an impossible date.
Result<std::int64_t> parse_iso8601(std::string_view text);

}  // namespace pier::client
