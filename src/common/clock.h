// common/clock.h: wall-clock time, behind an interface so tests can set it.
#pragma once

#include <chrono>
#include <cstdint>

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

}  // namespace pier
