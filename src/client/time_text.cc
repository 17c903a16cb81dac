#include "client/time_text.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace pier::client {

namespace {

constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerHour = 3600;
constexpr std::int64_t kSecondsPerDay = 86400;

// Reads `digits` decimal digits at `at`, moving past them.
bool take_number(std::string_view text, std::size_t& at, std::size_t digits, int& out) {
  if (at + digits > text.size()) return false;
  for (std::size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  std::from_chars(text.data() + at, text.data() + at + digits, out);
  at += digits;
  return true;
}

bool take(std::string_view text, std::size_t& at, char c) {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

// "Z", "+HH:MM", "+HHMM", "-..." at the end of `text`, as seconds east of UTC.
bool take_zone(std::string_view text, std::size_t& at, std::int64_t& offset) {
  if (at == text.size()) return true;
  if (take(text, at, 'Z') || take(text, at, 'z')) return at == text.size();
  const char sign = text[at];
  if (sign != '+' && sign != '-') return false;
  ++at;
  int hours = 0;
  int minutes = 0;
  if (!take_number(text, at, 2, hours)) return false;
  (void)take(text, at, ':');
  if (!take_number(text, at, 2, minutes) || hours > 23 || minutes > 59) return false;
  offset = (hours * kSecondsPerHour + minutes * kSecondsPerMinute) * (sign == '-' ? -1 : 1);
  return at == text.size();
}

}  // namespace

Result<std::int64_t> parse_iso8601(std::string_view text) {
  const auto bad = [&] {
    return make_error(ErrorCode::kBadRequest,
                      "not an ISO 8601 time (such as 2024-05-01 or 2024-05-01T12:00:00Z): " + std::string(text));
  };
  std::size_t at = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!take_number(text, at, 4, year) || !take(text, at, '-') || !take_number(text, at, 2, month) ||
      !take(text, at, '-') || !take_number(text, at, 2, day)) {
    return bad();
  }
  if (at < text.size() && (text[at] == 'T' || text[at] == 't' || text[at] == ' ')) {
    ++at;
    if (!take_number(text, at, 2, hour) || !take(text, at, ':') || !take_number(text, at, 2, minute)) return bad();
    if (take(text, at, ':') && !take_number(text, at, 2, second)) return bad();
  }
  std::int64_t offset = 0;
  if (!take_zone(text, at, offset)) return bad();

  using namespace std::chrono;
  const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return bad();
  const std::int64_t days = sys_days(date).time_since_epoch().count();
  return days * kSecondsPerDay + hour * kSecondsPerHour + minute * kSecondsPerMinute + second - offset;
}

}  // namespace pier::client
