#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <thread>

#include "auth/base64url.h"
#include "auth/password_hash.h"
#include "auth/secrets.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "test_dirs.h"

namespace pier::auth {
namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return time; }
  std::chrono::system_clock::time_point time{std::chrono::seconds(1'000'000)};
};

constexpr std::string_view kAddress = "192.0.2.1";

class AuthenticatorTest : public ::testing::Test {
 protected:
  AuthenticatorTest() : accounts_(meta::open_sqlite_account_store(dir_.path() / "pier.db")) {
    add_user("alice", "correct horse");
    add_user("bob", "battery staple");
    robot_token_ = random_token().value();
    accounts_->create_robot("alice", "ci", "", sha256_hex(robot_token_), 1).value();
  }

  void add_user(const std::string& name, const std::string& password) {
    accounts_->create_user(meta::NewUser{name, "", hash_password(password).value(), false, meta::UserSource::kLocal}, 1)
        .value();
  }

  std::string add_token(const std::string& user, const std::string& scopes,
                        std::optional<std::int64_t> expires_at = std::nullopt) {
    const auto token = new_api_token().value();
    accounts_->create_api_token(meta::NewApiToken{user, "t-" + token.substr(5, 8), sha256_hex(token), scopes, expires_at},
                                1)
        .value();
    return token;
  }

  std::vector<meta::AuditEvent> events(const std::string& action) {
    std::vector<meta::AuditEvent> out;
    for (auto& e : accounts_->query_audit_events(meta::AuditQuery{}).value()) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }

  static void expect_invalid(const Result<Principal>& result) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(result.error().message, "invalid username or password");
  }

  pier::testing::TempDir dir_;
  FixedClock clock_;
  std::unique_ptr<meta::AccountStore> accounts_;
  std::string robot_token_;
};

TEST_F(AuthenticatorTest, UserPassword) {
  Authenticator auth(*accounts_, clock_);
  const auto ok = auth.authenticate_basic("alice", "correct horse", kAddress);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, PrincipalKind::kUser);
  EXPECT_EQ(ok->name, "alice");
  EXPECT_TRUE(ok->token_scopes.empty());
  expect_invalid(auth.authenticate_basic("alice", "battery staple", kAddress));
  expect_invalid(auth.authenticate_basic("alice", "", kAddress));
  expect_invalid(auth.authenticate_basic("ALICE", "correct horse", kAddress));
}

TEST_F(AuthenticatorTest, DisabledAndUnknownUsersGetTheSameError) {
  Authenticator auth(*accounts_, clock_);
  accounts_->set_disabled("bob", true).value();
  expect_invalid(auth.authenticate_basic("bob", "battery staple", kAddress));
  expect_invalid(auth.authenticate_basic("nobody", "battery staple", kAddress));
  expect_invalid(auth.authenticate_basic("", "", kAddress));
  accounts_->set_disabled("bob", false).value();
  EXPECT_TRUE(auth.authenticate_basic("bob", "battery staple", kAddress));
}

TEST_F(AuthenticatorTest, UsersWithoutAPasswordHashCannotSignInWithOne) {
  accounts_->create_user(meta::NewUser{"ldapuser", "", "", false, meta::UserSource::kLdap}, 1).value();
  Authenticator auth(*accounts_, clock_);
  expect_invalid(auth.authenticate_basic("ldapuser", "", kAddress));
  expect_invalid(auth.authenticate_basic("ldapuser", "anything", kAddress));
}

TEST_F(AuthenticatorTest, RobotToken) {
  Authenticator auth(*accounts_, clock_);
  const auto ok = auth.authenticate_basic("alice+ci", robot_token_, kAddress);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, PrincipalKind::kRobot);
  EXPECT_EQ(ok->name, "alice+ci");
  expect_invalid(auth.authenticate_basic("alice+ci", robot_token_ + "x", kAddress));
  expect_invalid(auth.authenticate_basic("alice+ci", "", kAddress));
  expect_invalid(auth.authenticate_basic("alice+other", robot_token_, kAddress));
  expect_invalid(auth.authenticate_basic("bob+ci", robot_token_, kAddress));
  expect_invalid(auth.authenticate_basic("+", robot_token_, kAddress));
  // The robot's token is not its owner's password.
  expect_invalid(auth.authenticate_basic("alice", robot_token_, kAddress));
}

TEST_F(AuthenticatorTest, ApiTokenCarriesItsScopes) {
  const auto token = add_token("alice", "repo:read  repo:write");
  Authenticator auth(*accounts_, clock_);
  const auto ok = auth.authenticate_basic("alice", token, kAddress);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, PrincipalKind::kToken);
  EXPECT_EQ(ok->name, "alice");
  EXPECT_EQ(ok->token_scopes, (std::vector<std::string>{"repo:read", "repo:write"}));
  // It was marked used.
  EXPECT_EQ(accounts_->list_api_tokens("alice").value().at(0).last_used_at, clock_.unix_seconds());
  // A wrong or mangled token.
  expect_invalid(auth.authenticate_basic("alice", token + "x", kAddress));
  expect_invalid(auth.authenticate_basic("alice", "pier_", kAddress));
}

TEST_F(AuthenticatorTest, ApiTokenOfAnotherUserOrExpiredOrDisabledFails) {
  const auto token = add_token("alice", "repo:read");
  Authenticator auth(*accounts_, clock_);
  expect_invalid(auth.authenticate_basic("bob", token, kAddress));
  expect_invalid(auth.authenticate_basic("nobody", token, kAddress));

  const std::int64_t now = clock_.unix_seconds();
  const auto expiring = add_token("alice", "repo:read", now + 10);
  EXPECT_TRUE(auth.authenticate_basic("alice", expiring, kAddress));
  clock_.time += std::chrono::seconds(10);
  expect_invalid(auth.authenticate_basic("alice", expiring, kAddress));
  EXPECT_TRUE(auth.authenticate_basic("alice", token, kAddress));

  accounts_->set_disabled("alice", true).value();
  expect_invalid(auth.authenticate_basic("alice", token, kAddress));
}

TEST_F(AuthenticatorTest, BareApiTokenStandsForItsUser) {
  const auto token = add_token("alice", "org:admin repo:read");
  const std::int64_t now = clock_.unix_seconds();
  const auto expiring = add_token("bob", "repo:read", now + 10);
  Authenticator auth(*accounts_, clock_);
  const auto ok = auth.authenticate_api_token(token, kAddress);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, PrincipalKind::kToken);
  EXPECT_EQ(ok->name, "alice");
  EXPECT_EQ(ok->token_scopes, (std::vector<std::string>{"org:admin", "repo:read"}));
  EXPECT_EQ(auth.authenticate_api_token(expiring, kAddress).value().name, "bob");
  // Wrong, mangled, non-token secrets (a password or a robot token is never looked up as one),
  // expired tokens and disabled users.
  expect_invalid(auth.authenticate_api_token(token + "x", kAddress));
  expect_invalid(auth.authenticate_api_token("correct horse", kAddress));
  expect_invalid(auth.authenticate_api_token(robot_token_, kAddress));
  clock_.time += std::chrono::seconds(10);
  expect_invalid(auth.authenticate_api_token(expiring, kAddress));
  accounts_->set_disabled("alice", true).value();
  expect_invalid(auth.authenticate_api_token(token, kAddress));

  const auto logins = events("login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[1].actor, "alice");
  EXPECT_EQ(logins[1].actor_kind, meta::ActorKind::kToken);
  const auto failures = events("login_failed");
  ASSERT_EQ(failures.size(), 5u);
  EXPECT_EQ(failures[0].actor, "");
  EXPECT_EQ(failures[0].actor_kind, meta::ActorKind::kToken);
  EXPECT_EQ(failures[0].client_address, kAddress);
  for (const auto& e : accounts_->query_audit_events(meta::AuditQuery{}).value()) {
    EXPECT_EQ(e.detail.find(token), std::string::npos);
  }
}

TEST_F(AuthenticatorTest, BareApiTokensAreThrottledPerAddress) {
  const auto token = add_token("alice", "repo:read");
  // One failure per account and address; ten per address.
  Authenticator auth(*accounts_, clock_, LoginThrottleOptions{1, std::chrono::seconds(60)});
  for (int i = 0; i < 10; ++i) expect_invalid(auth.authenticate_api_token("pier_wrong" + std::to_string(i), kAddress));
  auto blocked = auth.authenticate_api_token(token, kAddress);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(auth.authenticate_api_token(token, "10.9.9.9"));
  clock_.time += std::chrono::seconds(61);
  EXPECT_TRUE(auth.authenticate_api_token(token, kAddress));
}

TEST_F(AuthenticatorTest, SuccessAndFailureAreAudited) {
  const auto token = add_token("bob", "repo:read");
  Authenticator auth(*accounts_, clock_);
  ASSERT_TRUE(auth.authenticate_basic("alice", "correct horse", "198.51.100.7"));
  ASSERT_TRUE(auth.authenticate_basic("alice+ci", robot_token_, kAddress));
  ASSERT_TRUE(auth.authenticate_basic("bob", token, kAddress));
  ASSERT_FALSE(auth.authenticate_basic("alice", "nope", "198.51.100.8"));
  ASSERT_FALSE(auth.authenticate_basic("ghost", "nope", kAddress));

  const auto logins = events("login");  // newest first
  ASSERT_EQ(logins.size(), 3u);
  EXPECT_EQ(logins[2].actor, "alice");
  EXPECT_EQ(logins[2].actor_kind, meta::ActorKind::kUser);
  EXPECT_EQ(logins[2].client_address, "198.51.100.7");
  EXPECT_EQ(logins[2].at, clock_.unix_seconds());
  EXPECT_EQ(logins[1].actor, "alice+ci");
  EXPECT_EQ(logins[1].actor_kind, meta::ActorKind::kRobot);
  EXPECT_EQ(logins[0].actor, "bob");
  EXPECT_EQ(logins[0].actor_kind, meta::ActorKind::kToken);

  const auto failures = events("login_failed");
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[1].actor, "alice");
  EXPECT_EQ(failures[1].actor_kind, meta::ActorKind::kUser);
  EXPECT_EQ(failures[1].client_address, "198.51.100.8");
  EXPECT_EQ(failures[0].actor, "ghost");
  // No secret ends up in the log.
  for (const auto& e : accounts_->query_audit_events(meta::AuditQuery{}).value()) {
    EXPECT_EQ(e.detail.find("nope"), std::string::npos);
    EXPECT_EQ(e.detail.find(token), std::string::npos);
  }
}

TEST_F(AuthenticatorTest, ThrottlesFailuresPerAccountAndAddress) {
  Authenticator auth(*accounts_, clock_, LoginThrottleOptions{3, std::chrono::seconds(60)});
  for (int i = 0; i < 3; ++i) expect_invalid(auth.authenticate_basic("alice", "wrong", kAddress));
  // From that address even the right password is refused, without being checked.
  auto blocked = auth.authenticate_basic("alice", "correct horse", kAddress);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::kTooManyRequests);
  // The attacker's failures lock nobody else out: alice from her own address, and other
  // accounts from the attacker's.
  EXPECT_TRUE(auth.authenticate_basic("alice", "correct horse", "10.0.0.99"));
  EXPECT_TRUE(auth.authenticate_basic("bob", "battery staple", kAddress));
  // Once the failures leave the window, the address may try alice again.
  clock_.time += std::chrono::seconds(61);
  EXPECT_TRUE(auth.authenticate_basic("alice", "correct horse", kAddress));
}

TEST_F(AuthenticatorTest, FailuresFromManyAddressesDoNotLockAnAccount) {
  Authenticator auth(*accounts_, clock_, LoginThrottleOptions{3, std::chrono::seconds(60)});
  for (int i = 0; i < 50; ++i) {
    expect_invalid(auth.authenticate_basic("admin", "wrong", "10.0.0." + std::to_string(i)));
    expect_invalid(auth.authenticate_basic("alice+ci", "wrong", "10.0.1." + std::to_string(i)));
  }
  EXPECT_TRUE(auth.authenticate_basic("alice", "correct horse", "10.0.0.99"));
  EXPECT_TRUE(auth.authenticate_basic("alice+ci", robot_token_, "10.0.2.1"));
}

TEST_F(AuthenticatorTest, ThrottlesFailuresPerAddressAcrossAccounts) {
  Authenticator auth(*accounts_, clock_, LoginThrottleOptions{3, std::chrono::seconds(60)});
  // Up to ten times the per-account limit, spread over accounts, from one address.
  expect_invalid(auth.authenticate_basic("u0", "wrong", kAddress));
  clock_.time += std::chrono::seconds(30);
  for (int i = 1; i < 30; ++i) expect_invalid(auth.authenticate_basic("u" + std::to_string(i), "wrong", kAddress));
  auto blocked = auth.authenticate_basic("bob", "battery staple", kAddress);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(auth.authenticate_basic("bob", "battery staple", "10.9.9.9"));
  // The first failure leaves the window: one more attempt is allowed, and failing it blocks again.
  clock_.time += std::chrono::seconds(31);
  expect_invalid(auth.authenticate_basic("u30", "wrong", kAddress));
  EXPECT_EQ(auth.authenticate_basic("bob", "battery staple", kAddress).error().code, ErrorCode::kTooManyRequests);
  clock_.time += std::chrono::seconds(61);
  EXPECT_TRUE(auth.authenticate_basic("bob", "battery staple", kAddress));
}

TEST_F(AuthenticatorTest, SuccessesDoNotCountTowardsTheThrottle) {
  Authenticator auth(*accounts_, clock_, LoginThrottleOptions{2, std::chrono::seconds(60)});
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(auth.authenticate_basic("alice+ci", robot_token_, kAddress));
  expect_invalid(auth.authenticate_basic("alice+ci", "wrong", kAddress));
  ASSERT_TRUE(auth.authenticate_basic("alice+ci", robot_token_, kAddress));
  expect_invalid(auth.authenticate_basic("alice+ci", "wrong", kAddress));
  EXPECT_EQ(auth.authenticate_basic("alice+ci", robot_token_, kAddress).error().code, ErrorCode::kTooManyRequests);
}

TEST(LoginThrottle, IsThreadSafe) {
  FixedClock clock;
  LoginThrottle throttle(clock, LoginThrottleOptions{100, std::chrono::seconds(60)});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&throttle, t] {
      for (int i = 0; i < 99; ++i) {
        throttle.record_failure("acct", "addr" + std::to_string(t));
        (void)throttle.blocked("acct", "x");
      }
    });
  }
  for (auto& t : threads) t.join();
  // 99 failures counted for the account at each address: one short of the limit.
  for (int t = 0; t < 4; ++t) EXPECT_FALSE(throttle.blocked("acct", "addr" + std::to_string(t)));
  EXPECT_FALSE(throttle.blocked("acct", "x"));
  throttle.record_failure("acct", "addr0");
  EXPECT_TRUE(throttle.blocked("acct", "addr0"));
  EXPECT_FALSE(throttle.blocked("acct", "addr1"));
  EXPECT_FALSE(throttle.blocked("acct", ""));
}

TEST(ParseBasicHeader, Valid) {
  const auto parsed = parse_basic_header("Basic " + std::string("YWxpY2U6cGE6c3M="));  // alice:pa:ss
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->first, "alice");
  EXPECT_EQ(parsed->second, "pa:ss");
  const auto lower = parse_basic_header("basic   Ym9iOg==  ");  // bob:
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->first, "bob");
  EXPECT_EQ(lower->second, "");
  const auto slash = parse_basic_header("BASIC dfv/OnC/");  // any bytes; '/' in the encoding
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->first, "u\xfb\xff");
  EXPECT_EQ(slash->second, "p\xbf");
}

TEST(ParseBasicHeader, Refused) {
  for (const std::string header : {"", "Basic", "Basic ", "Bearer YWxpY2U6cGFzcw==", "BasicYWxpY2U6cGFzcw==",
                                   "Basic YWxpY2U6cGFzcw",     // no padding
                                   "Basic YWxp Y2U6cGFzcw==",  // whitespace inside
                                   "Basic YWxpY2U6cGFzcw=!", "Basic YWxpY2U6cGFzc-==", "Basic ====",
                                   "Basic YWxpY2U=",  // "alice": no colon
                                   "Digest username=\"alice\""}) {
    const auto parsed = parse_basic_header(header);
    ASSERT_FALSE(parsed) << header;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnauthorized) << header;
  }
}

TEST(Base64, StandardDecoding) {
  EXPECT_EQ(base64_decode("").value(), "");
  EXPECT_EQ(base64_decode("Zg==").value(), "f");
  EXPECT_EQ(base64_decode("Zm8=").value(), "fo");
  EXPECT_EQ(base64_decode("Zm9v").value(), "foo");
  EXPECT_EQ(base64_decode("+/+/").value(), "\xfb\xff\xbf");
  EXPECT_FALSE(base64_decode("Zg"));
  EXPECT_FALSE(base64_decode("Zh=="));  // nonzero unused bits
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("-_-_"));
  EXPECT_FALSE(base64_decode("Zg=\n"));
}

TEST(Base64, StandardEncoding) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  const std::string long_text(100000, 'x');
  EXPECT_EQ(base64_decode(base64_encode(long_text)).value(), long_text);
}

TEST(ApiTokens, HaveThePierPrefix) {
  const auto token = new_api_token().value();
  EXPECT_TRUE(token.starts_with("pier_"));
  EXPECT_EQ(token.size(), 48u);
  EXPECT_TRUE(looks_like_api_token(token));
  EXPECT_FALSE(looks_like_api_token(random_token().value().insert(0, "x")));
  EXPECT_NE(new_api_token().value(), token);
}

}  // namespace
}  // namespace pier::auth
