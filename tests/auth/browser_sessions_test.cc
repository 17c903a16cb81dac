#include "auth/browser_sessions.h"

#include <gtest/gtest.h>

#include "access/access_fixture.h"
#include "auth/secrets.h"
#include "meta/sqlite/sqlite_account_store.h"
#include "test_dirs.h"

namespace pier::auth {
namespace {

using namespace std::chrono_literals;

class BrowserSessionsTest : public ::testing::Test {
 protected:
  void set_now(std::int64_t seconds) { clock_.time = std::chrono::system_clock::time_point(std::chrono::seconds(seconds)); }

  void SetUp() override {
    set_now(1000);
    accounts_->create_user(meta::NewUser{"alice", "", "", false, meta::UserSource::kLocal}, 1).value();
  }

  pier::testing::TempDir dir_;
  std::unique_ptr<meta::AccountStore> accounts_ = meta::open_sqlite_account_store(dir_.path() / "pier.db");
  access::SettableClock clock_;
  BrowserSessions sessions_{*accounts_, clock_, 3600s};
};

TEST_F(BrowserSessionsTest, AStartedSessionSignsItsUserIn) {
  const auto started = sessions_.start("alice").value();
  EXPECT_EQ(started.secret.size(), 43u);
  EXPECT_EQ(started.expires_at, 4600);
  EXPECT_EQ(started.csrf_token, csrf_token_of(started.secret));
  const auto session = sessions_.resolve(started.secret).value();
  ASSERT_TRUE(session);
  EXPECT_EQ(session->principal().kind, PrincipalKind::kUser);
  EXPECT_EQ(session->principal().name, "alice");
  EXPECT_EQ(session->expires_at, 4600);
  // Only the hash is stored.
  EXPECT_FALSE(accounts_->find_browser_session(started.secret).value());
  EXPECT_TRUE(accounts_->find_browser_session(sha256_hex(started.secret)).value());
}

TEST_F(BrowserSessionsTest, EachSessionHasItsOwnSecretAndCsrfToken) {
  const auto first = sessions_.start("alice").value();
  const auto second = sessions_.start("alice").value();
  EXPECT_NE(first.secret, second.secret);
  EXPECT_NE(first.csrf_token, second.csrf_token);
  EXPECT_NE(first.csrf_token, sha256_hex(first.secret));  // the token does not give the stored hash
}

TEST_F(BrowserSessionsTest, UnknownAndExpiredSessionsSignNobodyIn) {
  EXPECT_FALSE(sessions_.resolve("no-such-session").value());
  const auto started = sessions_.start("alice").value();
  set_now(4599);
  EXPECT_TRUE(sessions_.resolve(started.secret).value());
  set_now(4600);
  EXPECT_FALSE(sessions_.resolve(started.secret).value());
  EXPECT_EQ(sessions_.expire().value(), 1u);
  EXPECT_FALSE(accounts_->find_browser_session(sha256_hex(started.secret)).value());
}

TEST_F(BrowserSessionsTest, EndedSessionsAndThoseOfDisabledOrDeletedUsersStopAtOnce) {
  const auto ended = sessions_.start("alice").value();
  sessions_.end(ended.secret).value();
  EXPECT_FALSE(sessions_.resolve(ended.secret).value());
  sessions_.end(ended.secret).value();  // ending twice is harmless

  const auto live = sessions_.start("alice").value();
  accounts_->set_disabled("alice", true).value();
  EXPECT_FALSE(sessions_.resolve(live.secret).value());
  accounts_->set_disabled("alice", false).value();
  EXPECT_TRUE(sessions_.resolve(live.secret).value());
  accounts_->delete_user("alice").value();
  EXPECT_FALSE(sessions_.resolve(live.secret).value());
  EXPECT_FALSE(accounts_->find_browser_session(sha256_hex(live.secret)).value());  // gone with its user
}

TEST_F(BrowserSessionsTest, APasswordChangeEndsTheUsersOtherSessions) {
  accounts_->create_user(meta::NewUser{"bob", "", "", false, meta::UserSource::kLocal}, 1).value();
  const auto changer = sessions_.start("alice").value();
  const auto other = sessions_.start("alice").value();
  const auto bobs = sessions_.start("bob").value();
  sessions_.set_password_hash("alice", "$argon2id$new", changer.secret).value();
  EXPECT_EQ(accounts_->get_user("alice").value().password_hash, "$argon2id$new");
  EXPECT_TRUE(sessions_.resolve(changer.secret).value());
  EXPECT_FALSE(sessions_.resolve(other.secret).value());
  EXPECT_TRUE(sessions_.resolve(bobs.secret).value());
  // Changed by someone else (an administrator): none of the user's sessions is kept.
  sessions_.set_password_hash("alice", "$argon2id$newer", std::nullopt).value();
  EXPECT_FALSE(sessions_.resolve(changer.secret).value());
  EXPECT_TRUE(sessions_.resolve(bobs.secret).value());
  EXPECT_EQ(sessions_.set_password_hash("nobody", "x", std::nullopt).error().code, ErrorCode::kNameUnknown);
}

TEST_F(BrowserSessionsTest, OnlyExistingUsersGetSessions) {
  EXPECT_EQ(sessions_.start("nobody").error().code, ErrorCode::kNameUnknown);
}

TEST(CookieValue, FindsTheNamedCookie) {
  EXPECT_EQ(cookie_value("pier_session=abc", "pier_session"), "abc");
  EXPECT_EQ(cookie_value("theme=dark; pier_session=abc ;x=1", "pier_session"), "abc");
  EXPECT_EQ(cookie_value("xpier_session=abc; pier_session_old=def", "pier_session"), std::nullopt);
  EXPECT_EQ(cookie_value("pier_session", "pier_session"), std::nullopt);
  EXPECT_EQ(cookie_value("", "pier_session"), std::nullopt);
  EXPECT_EQ(cookie_value("pier_session=", "pier_session"), "");
}

}  // namespace
}  // namespace pier::auth
