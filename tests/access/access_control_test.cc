#include "access/access_control.h"

#include "access_fixture.h"
#include "auth/base64url.h"

namespace pier::access {
namespace {

class AccessControlTest : public AccessFixture {
 protected:
  AccessControlTest()
      : authenticator_(*accounts_, clock_),
        tokens_(TokenOptions{}, auth::SigningKey::generate().value(), policy_, *accounts_, clock_),
        control_(AccessOptions{}, policy_, tokens_, authenticator_) {
    add_user("alice");
    add_user("bob");
    create_repository("alice/app");
  }

  Request request(std::string authorization = {}) {
    Request r;
    r.headers.emplace_back("host", "registry.test:5000");
    if (!authorization.empty()) r.headers.emplace_back("authorization", std::move(authorization));
    r.remote_address = "192.0.2.7";
    return r;
  }
  std::string bearer(const auth::Principal& principal, std::vector<Scope> scopes) {
    return "Bearer " + tokens_.issue(principal, scopes, false).value().token;
  }
  static std::string basic(const std::string& user, const std::string& password) {
    std::string encoded = auth::base64url_encode(user + ":" + password);
    for (auto& c : encoded) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (encoded.size() % 4) encoded += '=';
    return "Basic " + encoded;
  }
  static std::string challenge(const Result<Caller>& result) {
    EXPECT_FALSE(result);
    if (result) return {};
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthorized);
    for (const auto& [name, value] : result.error().headers) {
      if (name == "WWW-Authenticate") return value;
    }
    return {};
  }

  auth::Authenticator authenticator_;
  TokenIssuer tokens_;
  AccessControl control_;
};

TEST_F(AccessControlTest, AnonymousCallersAreChallengedWithTheScope) {
  EXPECT_EQ(challenge(control_.admit(request(), Need::kSignedIn)),
            "Bearer realm=\"http://registry.test:5000/v2/auth\",service=\"pier\"");
  EXPECT_EQ(challenge(control_.admit(request(), Need::kPull, "alice/app")),
            "Bearer realm=\"http://registry.test:5000/v2/auth\",service=\"pier\",scope=\"repository:alice/app:pull\"");
  EXPECT_EQ(challenge(control_.admit(request(), Need::kCatalog)),
            "Bearer realm=\"http://registry.test:5000/v2/auth\",service=\"pier\",scope=\"registry:catalog:*\"");
}

TEST_F(AccessControlTest, TokensAdmitWhatTheyCarry) {
  const auto token = bearer(user("alice"), {{"repository", "alice/app", {"pull"}}});
  auto caller = control_.admit(request(token), Need::kPull, "alice/app");
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->principal.name, "alice");
  // Alice may push, so a token without push asks for a new token.
  EXPECT_NE(challenge(control_.admit(request(token), Need::kPush, "alice/app")).find("insufficient_scope"),
            std::string::npos);
}

TEST_F(AccessControlTest, KnownCallersWithoutTheRightAreDenied) {
  const auto token = bearer(user("bob"), {{"repository", "alice/app", {"pull"}}});
  auto result = control_.admit(request(token), Need::kPull, "alice/app");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kDenied);
  result = control_.admit(request(basic("bob", "pw-bob")), Need::kPull, "alice/app");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kDenied);
}

TEST_F(AccessControlTest, BasicCredentialsAreCheckedEveryTime) {
  EXPECT_TRUE(control_.may_block(request(basic("alice", "pw-alice"))));
  EXPECT_FALSE(control_.may_block(request(bearer(user("alice"), {}))));
  EXPECT_TRUE(control_.admit(request(basic("alice", "pw-alice")), Need::kPush, "alice/app"));
  challenge(control_.admit(request(basic("alice", "wrong")), Need::kPull, "alice/app"));
  challenge(control_.admit(request("Digest abc"), Need::kPull, "alice/app"));
  challenge(control_.admit(request("Bearer not-a-token"), Need::kPull, "alice/app"));
}

TEST_F(AccessControlTest, MountSourcesAndCatalogEntriesFollowTheCaller) {
  auto alice = control_.admit(request(bearer(user("alice"), {{"repository", "alice/app", {"pull"}}})), Need::kSignedIn)
                   .value();
  EXPECT_TRUE(control_.may_pull(alice, "alice/app").value());
  EXPECT_FALSE(control_.may_pull(alice, "alice/other").value());  // not in the token
  auto bob = control_.admit(request(basic("bob", "pw-bob")), Need::kSignedIn).value();
  EXPECT_EQ(control_.may_list(bob, {"alice/app"}).value(), std::vector<bool>{false});
  EXPECT_EQ(control_.may_list(alice, {"alice/app"}).value(), std::vector<bool>{true});
}

TEST_F(AccessControlTest, SwitchedOffAdmitsEveryone) {
  AccessControl open(AccessOptions{false, ""}, policy_, tokens_, authenticator_);
  EXPECT_TRUE(open.admit(request(), Need::kDelete, "alice/app"));
  EXPECT_FALSE(open.may_block(request(basic("alice", "pw-alice"))));
  EXPECT_EQ(open.may_list({}, {"alice/app", "bob/app"}).value(), (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace pier::access
