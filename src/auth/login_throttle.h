// auth/login_throttle.h: limits failed sign-ins so that an attacker slows only themselves.
//
// A sliding window over two keys: an account as tried from one client address (at most
// `max_failures` failures within `window`), and a client address whatever accounts it tries
// (ten times as many, so that one address guessing across many accounts is slowed too, while
// many people behind one NAT address mistyping their own passwords are not). Failures are
// never counted per account alone: wrong passwords sent from one address must not lock the
// account out for everybody else. Once a limit is reached, further attempts under that key are
// refused without checking the secret until enough old failures leave the window. Successes
// are not counted and do not reset anything (a valid account cannot be used to wipe an
// address's record). In this process's memory, or, given an account store that other
// processes write too (replicas on PostgreSQL), in that store, so that attempts spread over
// the replicas are counted together (keyed there by a hash: neither the account names clients
// send nor their addresses are written). Thread-safe. Time comes from the Clock, so tests can
// move it.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "meta/account_store.h"

namespace pier::auth {

struct LoginThrottleOptions {
  std::size_t max_failures = 10;  // per account and client address
  std::chrono::seconds window{300};
};

// How many failures one client address may have across all accounts, per max_failures.
inline constexpr std::size_t kAddressFailuresPerAccountFailure = 10;

class LoginThrottle {
 public:
  // With `shared`, failures are counted in that store instead of in memory.
  explicit LoginThrottle(Clock& clock, LoginThrottleOptions options = {}, meta::AccountStore* shared = nullptr);

  // Whether an attempt for `account` from `client_address` must be refused now. An empty
  // address is not tracked; an empty account (a bare API token) counts only for its address.
  bool blocked(std::string_view account, std::string_view client_address);
  // Counts one failed attempt against the account at that address, and against the address.
  void record_failure(std::string_view account, std::string_view client_address);

 private:
  using TimePoint = std::chrono::system_clock::time_point;
  using Failures = std::unordered_map<std::string, std::deque<TimePoint>>;

  // Drops the failures of `key` older than the window; how many remain.
  std::size_t recent(Failures& failures, const std::string& key, TimePoint now);
  void add(Failures& failures, const std::string& key, std::size_t keep, TimePoint now);
  void sweep(TimePoint now);  // forgets keys with no recent failures, so memory stays bounded
  bool shared_blocked(const std::string& pair, const std::string& address);
  void shared_record(const std::string& pair, const std::string& address);

  Clock& clock_;
  const LoginThrottleOptions options_;
  meta::AccountStore* const shared_;
  const std::size_t max_address_failures_;
  std::mutex mutex_;
  Failures by_account_at_address_;  // guarded by mutex_
  Failures by_address_;             // guarded by mutex_
  std::size_t since_sweep_ = 0;     // guarded by mutex_
};

}  // namespace pier::auth
