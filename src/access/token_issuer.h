// access/token_issuer.h: the token server of Docker registry token auth.
//
// Given an authenticated principal and the scopes a client asks for, signs a short-lived ES256
// JWT (auth/jwt.h) whose "access" claim holds only the actions RepositoryPolicy allows now;
// asked-for actions that are not allowed are left out, not refused, as distribution's token
// spec requires. A revoked grant or a deleted account therefore stops working when the tokens
// already handed out expire (token_ttl, minutes). "*" on a repository is granted only to whom
// pull, push and delete are all allowed; otherwise the allowed ones among them are listed.
// "registry:catalog:*" is granted to every signed-in caller (the catalog is filtered per
// caller anyway).
//
// Refresh tokens (OAuth2 "offline" access) are JWTs too, for the same service with the
// audience "<service>#refresh" so they are never accepted as access tokens, naming the user or
// robot; redeeming one checks that the account still exists and is enabled.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/repository_policy.h"
#include "access/scope.h"
#include "auth/authorizer.h"
#include "auth/jwt.h"
#include "common/clock.h"
#include "common/error.h"

namespace pier::access {

struct TokenOptions {
  std::string service = "pier";  // the "aud" of access tokens and the service= of challenges
  std::string issuer = "pier";
  std::chrono::seconds token_ttl{300};
  std::chrono::seconds refresh_token_ttl{std::chrono::hours(24 * 7)};
};

struct IssuedToken {
  std::string token;
  std::int64_t expires_in = 0;  // seconds
  std::int64_t issued_at = 0;   // Unix seconds
  std::optional<std::string> refresh_token;
};

class TokenIssuer {
 public:
  TokenIssuer(TokenOptions options, auth::SigningKey key, RepositoryPolicy& policy, meta::AccountStore& accounts,
              Clock& clock);

  // `with_refresh_token`: also a refresh token (not for anonymous callers or API tokens,
  // which are long-lived credentials already).
  Result<IssuedToken> issue(const auth::Principal& principal, const std::vector<Scope>& scopes,
                            bool with_refresh_token);
  // The principal a refresh token stands for; kUnauthorized if it is not valid or the
  // account is gone or disabled.
  Result<auth::Principal> redeem_refresh_token(std::string_view refresh_token);

  // Checks an access token: signature, issuer, audience and expiry. Thread-safe. The claims
  // are shared with the cache of verified tokens (they are never changed).
  Result<std::shared_ptr<const auth::Claims>> verify(std::string_view token);

  const TokenOptions& options() const { return options_; }

  // The actions of `scope` a token issued to `principal` now would carry.
  Result<std::vector<std::string>> allowed_actions(const auth::Principal& principal, const Scope& scope);

 private:

  TokenOptions options_;
  auth::SigningKey key_;
  auth::VerificationKey verification_key_;
  RepositoryPolicy& policy_;
  meta::AccountStore& accounts_;
  Clock& clock_;

  // Tells this issuer's entries in the per-thread caches of verified tokens (token_issuer.cc)
  // from those of another issuer.
  const std::uint64_t cache_id_;
};

// The principal an access token speaks for: anonymous without a subject, a robot for a
// "namespace+name" subject, a user otherwise.
auth::Principal principal_of(const auth::Claims& claims);

}  // namespace pier::access
