// common/clock.h: wall-clock time, behind an interface so tests can set it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pier {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Seconds since the Unix epoch: the unit timestamps are stored in.
  std::int64_t unix_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
  static Clock& system();
};

// "2024-05-01T12:00:00Z": Unix seconds as UTC in ISO 8601, as JSON answers and the CLI show them.
std::string format_utc(std::int64_t unix_seconds);

}  // namespace pier
