// The sign-in throttle of replicas that share a PostgreSQL account store.
#include <gtest/gtest.h>

#include "auth/authenticator.h"
#include "auth/login_throttle.h"
#include "meta/postgres/pg_account_store.h"
#include "pg_server.h"

namespace pier::auth {
namespace {

class SteppedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'700'000'000)};
};

TEST(SharedLoginThrottle, FailuresAtOneReplicaCountAtTheOthers) {
  const std::string url = testing::PostgresServer::shared().create_database();
  auto first_store = meta::open_postgres_account_store(url);
  auto second_store = meta::open_postgres_account_store(url);
  SteppedClock clock;
  const LoginThrottleOptions options{4, std::chrono::seconds(60)};
  LoginThrottle first(clock, options, first_store.get());
  LoginThrottle second(clock, options, second_store.get());

  // Four failures for one account from one address, spread over the two replicas.
  first.record_failure("alice", "192.0.2.1");
  second.record_failure("alice", "192.0.2.1");
  first.record_failure("alice", "192.0.2.1");
  EXPECT_FALSE(second.blocked("alice", "192.0.2.1"));
  second.record_failure("alice", "192.0.2.1");
  EXPECT_TRUE(first.blocked("alice", "192.0.2.1"));
  EXPECT_TRUE(second.blocked("alice", "192.0.2.1"));
  // Not the account from elsewhere, nor another account from there.
  EXPECT_FALSE(first.blocked("alice", "192.0.2.2"));
  EXPECT_FALSE(second.blocked("bob", "192.0.2.1"));
  // Until the failures leave the window.
  clock.time += std::chrono::seconds(61);
  EXPECT_FALSE(first.blocked("alice", "192.0.2.1"));
  // The store holds hashes, never the names or addresses clients sent.
  EXPECT_EQ(first_store->count_login_failures("192.0.2.1", 0).value(), 0u);
}

TEST(SharedLoginThrottle, AnAuthenticatorOnASharedStoreCountsThere) {
  const std::string url = testing::PostgresServer::shared().create_database();
  auto store = meta::open_postgres_account_store(url);
  SteppedClock clock;
  Authenticator first(*store, clock, LoginThrottleOptions{2, std::chrono::seconds(60)});
  Authenticator second(*store, clock, LoginThrottleOptions{2, std::chrono::seconds(60)});
  EXPECT_FALSE(first.authenticate_basic("ghost", "wrong", "198.51.100.9"));
  EXPECT_FALSE(second.authenticate_basic("ghost", "wrong", "198.51.100.9"));
  auto refused = first.authenticate_basic("ghost", "wrong", "198.51.100.9");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kTooManyRequests);
}

}  // namespace
}  // namespace pier::auth
