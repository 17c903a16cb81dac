// jobs/retry_backoff.h: how long a failed job waits before its next attempt.
#pragma once

#include <algorithm>
#include <chrono>

namespace pier::jobs {

// 5 s after the first failure, four times longer after each next one, at most an hour: a
// passing fault (a database failover) is retried soon, a lasting one does not fill the log.
inline std::chrono::seconds retry_delay(int failed_attempts) {
  constexpr std::chrono::seconds kFirst{5};
  constexpr std::chrono::seconds kLongest{3600};
  std::chrono::seconds delay = kFirst;
  for (int i = 1; i < failed_attempts && delay < kLongest; ++i) delay *= 4;
  return std::min(delay, kLongest);
}

}  // namespace pier::jobs
