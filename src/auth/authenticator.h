// auth/authenticator.h: who is calling, from HTTP Basic credentials.
//
// Three kinds of credentials arrive as a username and a secret:
//   - "namespace+robot" and the robot's token (stored as its sha256_hex) => a kRobot principal;
//   - a user name and one of the user's API tokens ("pier_..." as new_api_token() makes them,
//     stored as sha256_hex, not expired) => kToken with the token's scopes;
//   - a user name and the user's password (Argon2id) => kUser.
// A secret with the API token prefix is only ever checked as a token, never as a password.
// Every failure is kUnauthorized "invalid username or password", whatever the reason (unknown
// account, wrong secret, disabled user, expired or foreign token), and an unknown user still
// costs one Argon2 verification, so neither the answer nor its timing tells which accounts
// exist. Too many recent failures for the account or the client address (LoginThrottle) give
// kTooManyRequests without checking the secret. Each attempt appends an audit event, "login" or
// "login_failed". A failing account store gives its own error (kInternal, kUnavailable).
// Not yet wired into requests.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "auth/authorizer.h"
#include "auth/login_throttle.h"
#include "common/clock.h"
#include "common/error.h"
#include "meta/account_store.h"

namespace pier::auth {

// The one message of every authentication failure.
inline constexpr std::string_view kInvalidCredentials = "invalid username or password";

class Authenticator {
 public:
  Authenticator(meta::AccountStore& accounts, Clock& clock, LoginThrottleOptions throttle = {});

  // Argon2 verification takes tens of milliseconds: call off the I/O threads.
  Result<Principal> authenticate_basic(std::string_view username, std::string_view secret,
                                       std::string_view client_address);

 private:
  // The principal, or nullopt for bad credentials, or the store's error.
  Result<std::optional<Principal>> check(std::string_view username, std::string_view secret, std::int64_t now);
  Result<std::optional<Principal>> check_robot(std::string_view username, std::string_view secret);
  Result<std::optional<Principal>> check_token(std::string_view username, std::string_view secret, std::int64_t now);
  Result<std::optional<Principal>> check_password(std::string_view username, std::string_view secret);
  Result<void> audit(std::string_view action, std::string_view actor, meta::ActorKind kind,
                     std::string_view client_address, std::int64_t now, std::string detail = "{}");

  meta::AccountStore& accounts_;
  Clock& clock_;
  LoginThrottle throttle_;
};

// The username and password of an "Authorization: Basic <base64(user:password)>" header value
// (the scheme name in any case, RFC 7617). The password is everything after the first ':'.
// kUnauthorized for another scheme, bad base64, or no ':'.
Result<std::pair<std::string, std::string>> parse_basic_header(std::string_view authorization_header);

}  // namespace pier::auth
