// auth/login_throttle.h: limits failed sign-ins per account and per client address.
//
// A sliding window: at most `max_failures` failures of one account, and of one client address,
// within `window`. Once either limit is reached, further attempts are refused without checking
// the secret until enough old failures leave the window. Successes are not counted and do not
// reset anything (a valid account cannot be used to wipe an address's record). In memory and per
// process; thread-safe. Time comes from the Clock, so tests can move it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"

namespace pier::auth {

struct LoginThrottleOptions {
  std::size_t max_failures = 10;
  std::chrono::seconds window{300};
};

class LoginThrottle {
 public:
  explicit LoginThrottle(Clock& clock, LoginThrottleOptions options = {});

  // Whether an attempt for `account` from `client_address` must be refused now. An empty
  // account or address is not tracked.
  bool blocked(std::string_view account, std::string_view client_address);
  // Counts one failed attempt against both.
  void record_failure(std::string_view account, std::string_view client_address);

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  using Failures = std::unordered_map<std::string, std::deque<TimePoint>>;

  // Drops the failures of `key` older than the window; how many remain.
  std::size_t recent(Failures& failures, std::string_view key, TimePoint now);
  void add(Failures& failures, std::string_view key, TimePoint now);
  void sweep(TimePoint now);  // forgets keys with no recent failures, so memory stays bounded

  Clock& clock_;
  LoginThrottleOptions options_;
  std::mutex mutex_;
  Failures by_account_;
  Failures by_address_;
  std::size_t since_sweep_ = 0;
};

}  // namespace pier::auth
