#include "auth/login_throttle.h"

#include "auth/secrets.h"

namespace pier::auth {

namespace {
// Keys longer than this are cut: a client chooses the account name it sends.
constexpr std::size_t kMaxKeyLength = 256;
// Every this many recorded failures, keys without recent failures are forgotten.
constexpr std::size_t kSweepEvery = 1024;

std::string address_key(std::string_view address) { return std::string(address.substr(0, kMaxKeyLength)); }

// Empty when either part is: such an attempt is counted for its address only.
std::string account_at_address_key(std::string_view account, std::string_view address) {
  if (account.empty() || address.empty()) return {};
  // A NUL cannot occur in an address, so the pair maps to one key only.
  return address_key(address) + '\0' + std::string(account.substr(0, kMaxKeyLength));
}
}  // namespace

LoginThrottle::LoginThrottle(Clock& clock, LoginThrottleOptions options, meta::AccountStore* shared)
    : clock_(clock),
      options_(options),
      shared_(shared),
      max_address_failures_(options.max_failures * kAddressFailuresPerAccountFailure) {}

std::size_t LoginThrottle::recent(Failures& failures, const std::string& key, TimePoint now) {
  if (key.empty()) return 0;
  const auto it = failures.find(key);
  if (it == failures.end()) return 0;
  auto& times = it->second;
  while (!times.empty() && times.front() <= now - options_.window) times.pop_front();
  const std::size_t count = times.size();
  if (times.empty()) failures.erase(it);
  return count;
}

void LoginThrottle::add(Failures& failures, const std::string& key, std::size_t keep, TimePoint now) {
  if (key.empty()) return;
  auto& times = failures[key];
  times.push_back(now);
  // Only the newest `keep` matter for the decision.
  while (times.size() > keep) times.pop_front();
}

void LoginThrottle::sweep(TimePoint now) {
  for (Failures* failures : {&by_account_at_address_, &by_address_}) {
    for (auto it = failures->begin(); it != failures->end();) {
      if (it->second.empty() || it->second.back() <= now - options_.window) it = failures->erase(it);
      else ++it;
    }
  }
}

bool LoginThrottle::shared_blocked(const std::string& pair, const std::string& address) {
  const std::int64_t since = clock_.unix_seconds() - options_.window.count();
  const auto reached = [&](const std::string& key, std::size_t limit) {
    if (key.empty()) return false;
    // A store that cannot answer blocks nobody here: the sign-in's own reads fail on it too.
    auto count = shared_->count_login_failures(sha256_hex(key), since);
    return count && *count >= limit;
  };
  return reached(pair, options_.max_failures) || reached(address, max_address_failures_);
}

void LoginThrottle::shared_record(const std::string& pair, const std::string& address) {
  const std::int64_t now = clock_.unix_seconds();
  std::vector<std::string> keys;
  for (const auto* key : {&pair, &address}) {
    if (!key->empty()) keys.push_back(sha256_hex(*key));
  }
  if (keys.empty()) return;
  (void)shared_->record_login_failure(keys, now);
  bool sweep_now = false;
  {
    std::lock_guard lock(mutex_);
    if (++since_sweep_ >= kSweepEvery) {
      since_sweep_ = 0;
      sweep_now = true;
    }
  }
  if (sweep_now) (void)shared_->expire_login_failures(now - options_.window.count());
}

bool LoginThrottle::blocked(std::string_view account, std::string_view client_address) {
  const auto now = clock_.now();
  const auto pair = account_at_address_key(account, client_address);
  const auto address = address_key(client_address);
  if (shared_) return shared_blocked(pair, address);
  std::lock_guard lock(mutex_);
  return recent(by_account_at_address_, pair, now) >= options_.max_failures ||
         recent(by_address_, address, now) >= max_address_failures_;
}

void LoginThrottle::record_failure(std::string_view account, std::string_view client_address) {
  const auto now = clock_.now();
  const auto pair = account_at_address_key(account, client_address);
  const auto address = address_key(client_address);
  if (shared_) return shared_record(pair, address);
  std::lock_guard lock(mutex_);
  recent(by_account_at_address_, pair, now);
  recent(by_address_, address, now);
  add(by_account_at_address_, pair, options_.max_failures, now);
  add(by_address_, address, max_address_failures_, now);
  if (++since_sweep_ >= kSweepEvery) {
    since_sweep_ = 0;
    sweep(now);
  }
}

}  // namespace pier::auth
