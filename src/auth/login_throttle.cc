#include "auth/login_throttle.h"

namespace pier::auth {

namespace {
// Keys longer than this are cut: a client chooses the account name it sends.
constexpr std::size_t kMaxKeyLength = 256;
// Every this many recorded failures, keys without recent failures are forgotten.
constexpr std::size_t kSweepEvery = 1024;

std::string key_of(std::string_view text) { return std::string(text.substr(0, kMaxKeyLength)); }
}  // namespace

LoginThrottle::LoginThrottle(Clock& clock, LoginThrottleOptions options) : clock_(clock), options_(options) {}

std::size_t LoginThrottle::recent(Failures& failures, std::string_view key, TimePoint now) {
  if (key.empty()) return 0;
  const auto it = failures.find(key_of(key));
  if (it == failures.end()) return 0;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - options_.window) times.pop_front();
  const std::size_t count = times.size();
  if (times.empty()) failures.erase(it);
  return count;
}

void LoginThrottle::add(Failures& failures, std::string_view key, TimePoint now) {
  if (key.empty()) return;
  auto& times = failures[key_of(key)];
  times.push_back(now);
  // Only the newest max_failures matter for the decision.
  while (times.size() > options_.max_failures) times.pop_front();
}

void LoginThrottle::sweep(TimePoint now) {
  for (Failures* failures : {&by_account_, &by_address_}) {
    for (auto it = failures->begin(); it != failures->end();) {
      if (it->second.empty() || it->second.back() <= now - options_.window) it = failures->erase(it);
      else ++it;
    }
  }
}

bool LoginThrottle::blocked(std::string_view account, std::string_view client_address) {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  return recent(by_account_, account, now) >= options_.max_failures ||
         recent(by_address_, client_address, now) >= options_.max_failures;
}

void LoginThrottle::record_failure(std::string_view account, std::string_view client_address) {
  const auto now = clock_.now();
  std::lock_guard lock(mutex_);
  recent(by_account_, account, now);
  recent(by_address_, client_address, now);
  add(by_account_, account, now);
  add(by_address_, client_address, now);
  if (++since_sweep_ >= kSweepEvery) {
    since_sweep_ = 0;
    sweep(now);
  }
}

}  // namespace pier::auth
