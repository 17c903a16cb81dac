#include "access/token_issuer.h"

#include "access_fixture.h"

namespace pier::access {
namespace {

class TokenIssuerTest : public AccessFixture {
 protected:
  TokenIssuerTest() : tokens_(TokenOptions{}, auth::SigningKey::generate().value(), policy_, *accounts_, clock_) {
    add_user("alice");
    add_user("bob");
  }

  std::vector<auth::Access> access_of(const auth::Principal& principal, std::vector<Scope> scopes) {
    const auto issued = tokens_.issue(principal, scopes, false).value();
    return tokens_.verify(issued.token).value()->access;
  }

  TokenIssuer tokens_;
};

TEST_F(TokenIssuerTest, GrantsOnlyWhatIsAllowed) {
  EXPECT_EQ(access_of(user("alice"), {{"repository", "alice/app", {"pull", "push"}}}),
            (std::vector<auth::Access>{{"repository", "alice/app", {"pull", "push"}}}));
  EXPECT_TRUE(access_of(user("bob"), {{"repository", "alice/app", {"pull", "push"}}}).empty());
  EXPECT_TRUE(access_of({}, {{"repository", "alice/app", {"pull"}}}).empty());
}

TEST_F(TokenIssuerTest, StarIsAllOrTheAllowedSubset) {
  create_repository("alice/app");
  const auto bob = accounts_->get_user("bob").value();
  ASSERT_TRUE(accounts_->grant_permission("alice/app", {meta::SubjectKind::kUser, bob.id}, meta::RepositoryRole::kWrite));
  EXPECT_EQ(access_of(user("alice"), {{"repository", "alice/app", {"*"}}}),
            (std::vector<auth::Access>{{"repository", "alice/app", {"*"}}}));
  EXPECT_EQ(access_of(user("bob"), {{"repository", "alice/app", {"*"}}}),
            (std::vector<auth::Access>{{"repository", "alice/app", {"pull", "push"}}}));
}

TEST_F(TokenIssuerTest, ACreatorGetsPullAlongWithThePushThatCreates) {
  ASSERT_TRUE(accounts_->create_organization("acme", 1));
  ASSERT_TRUE(accounts_->create_team("acme", "builders", meta::TeamRole::kCreator));
  ASSERT_TRUE(accounts_->add_team_member("acme", "builders", "bob"));
  EXPECT_EQ(access_of(user("bob"), {{"repository", "acme/new", {"pull", "push"}}}),
            (std::vector<auth::Access>{{"repository", "acme/new", {"pull", "push"}}}));
  EXPECT_EQ(access_of(user("bob"), {{"repository", "acme/other", {"*"}}}),
            (std::vector<auth::Access>{{"repository", "acme/other", {"*"}}}));
}

TEST_F(TokenIssuerTest, CatalogForSignedInCallersAndInvalidNamesIgnored) {
  EXPECT_EQ(access_of(user("bob"), {{"registry", "catalog", {"*"}}}),
            (std::vector<auth::Access>{{"registry", "catalog", {"*"}}}));
  EXPECT_TRUE(access_of({}, {{"registry", "catalog", {"*"}}}).empty());
  auth::Principal scopeless{auth::PrincipalKind::kToken, "bob", {"org:admin"}};
  EXPECT_TRUE(access_of(scopeless, {{"registry", "catalog", {"*"}}}).empty());
  EXPECT_TRUE(access_of(user("alice"), {{"repository", "Alice/../app", {"pull"}}}).empty());
  EXPECT_TRUE(access_of(user("alice"), {{"unknown", "alice/app", {"pull"}}}).empty());
}

TEST_F(TokenIssuerTest, ScopesAskedTwiceShareOneEntry) {
  EXPECT_EQ(access_of(user("alice"), {{"repository", "alice/app", {"pull"}}, {"repository", "alice/app", {"push"}}}),
            (std::vector<auth::Access>{{"repository", "alice/app", {"pull", "push"}}}));
}

TEST_F(TokenIssuerTest, TokensExpireAndAreBoundToTheService) {
  const auto issued = tokens_.issue(user("alice"), {}, false).value();
  const auto claims = *tokens_.verify(issued.token).value();
  EXPECT_EQ(claims.subject, "alice");
  EXPECT_EQ(claims.audience, "pier");
  EXPECT_EQ(claims.expires_at - claims.issued_at, 300);
  clock_.time += std::chrono::seconds(300 + auth::kClockSkewLeewaySeconds + 1);
  // Also once it has been verified (and remembered) before.
  EXPECT_EQ(tokens_.verify(issued.token).error().code, ErrorCode::kUnauthorized);
}

TEST_F(TokenIssuerTest, RememberedTokensServeOnlyTheirOwnTextAndIssuer) {
  const auto alice = tokens_.issue(user("alice"), {}, false).value().token;
  const auto bob = tokens_.issue(user("bob"), {}, false).value().token;
  for (int round = 0; round < 2; ++round) {  // the second round is answered from memory
    EXPECT_EQ(tokens_.verify(alice).value()->subject, "alice");
    EXPECT_EQ(tokens_.verify(alice).value()->subject, "alice");
    EXPECT_EQ(tokens_.verify(bob).value()->subject, "bob");
  }
  // Right after alice's token, one with a changed signature byte is checked, not remembered.
  ASSERT_TRUE(tokens_.verify(alice));
  std::string forged = alice;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(tokens_.verify(forged).error().code, ErrorCode::kUnauthorized);
  // Another issuer, with its own key, on the same thread: what this one remembers is not its.
  TokenIssuer other(TokenOptions{}, auth::SigningKey::generate().value(), policy_, *accounts_, clock_);
  EXPECT_EQ(other.verify(alice).error().code, ErrorCode::kUnauthorized);
  EXPECT_EQ(tokens_.verify(alice).value()->subject, "alice");
}

TEST_F(TokenIssuerTest, RefreshTokensNameALiveAccount) {
  const auto issued = tokens_.issue(user("bob"), {}, true).value();
  ASSERT_TRUE(issued.refresh_token);
  // Not usable as an access token, and an access token is not a refresh token.
  EXPECT_FALSE(tokens_.verify(*issued.refresh_token));
  EXPECT_FALSE(tokens_.redeem_refresh_token(issued.token));
  EXPECT_EQ(tokens_.redeem_refresh_token(*issued.refresh_token).value().name, "bob");
  ASSERT_TRUE(accounts_->set_disabled("bob", true));
  EXPECT_FALSE(tokens_.redeem_refresh_token(*issued.refresh_token));
  ASSERT_TRUE(accounts_->set_disabled("bob", false));
  ASSERT_TRUE(accounts_->delete_user("bob"));
  EXPECT_FALSE(tokens_.redeem_refresh_token(*issued.refresh_token));
  // Anonymous callers and API tokens get none.
  EXPECT_FALSE(tokens_.issue({}, {}, true).value().refresh_token);
  EXPECT_FALSE(tokens_.issue({auth::PrincipalKind::kToken, "alice", {"repo:read"}}, {}, true).value().refresh_token);
}

TEST(PrincipalOf, FollowsTheSubject) {
  auth::Claims claims;
  EXPECT_EQ(principal_of(claims).kind, auth::PrincipalKind::kAnonymous);
  claims.subject = "acme+ci";
  EXPECT_EQ(principal_of(claims).kind, auth::PrincipalKind::kRobot);
  claims.subject = "alice";
  EXPECT_EQ(principal_of(claims).kind, auth::PrincipalKind::kUser);
  // A token issued for an API token keeps that token's scopes, which cap what it may do.
  claims.scopes = {"repo:read"};
  const auto token = principal_of(claims);
  EXPECT_EQ(token.kind, auth::PrincipalKind::kToken);
  EXPECT_EQ(token.name, "alice");
  EXPECT_EQ(token.token_scopes, (std::vector<std::string>{"repo:read"}));
}

}  // namespace
}  // namespace pier::access
