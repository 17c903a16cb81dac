// auth/authenticator.h: who is calling, from HTTP Basic credentials.
//
// Three kinds of credentials arrive as a username and a secret:
//   - "namespace+robot" and the robot's token (stored as its sha256_hex) => a kRobot principal;
//   - a user name and one of the user's API tokens ("pier_..." as new_api_token() makes them,
//     stored as sha256_hex, not expired) => kToken with the token's scopes;
//   - a user name and the user's password (Argon2id) => kUser; or, when a directory is set
//     (LdapAccounts), a password the directory accepts for a user who is not a local account
//     (their Pier account is made on the first sign-in) => kUser.
// A secret with the API token prefix is only ever checked as a token, never as a password.
// Every failure is kUnauthorized "invalid username or password", whatever the reason (unknown
// account, wrong secret, disabled user, expired or foreign token), and an unknown user still
// costs one Argon2 verification, so neither the answer nor its timing tells which accounts
// exist. Too many recent failures for the account or the client address (LoginThrottle) give
// kTooManyRequests without checking the secret. Each attempt appends an audit event, "login" or
// "login_failed". A failing account store gives its own error (kInternal, kUnavailable).
//
// An API token may also come alone, as "Authorization: Bearer pier_..." does to the management
// API: authenticate_api_token() checks it as above, throttled by the client address only (no
// account is named), with the same one error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/authorizer.h"
#include "auth/ldap_accounts.h"
#include "auth/login_throttle.h"
#include "common/clock.h"
#include "common/error.h"
#include "meta/account_store.h"

namespace pier::auth {

// The one message of every authentication failure.
inline constexpr std::string_view kInvalidCredentials = "invalid username or password";

class Authenticator {
 public:
  // `directory` may be null (local accounts only); it must outlive the Authenticator.
  Authenticator(meta::AccountStore& accounts, Clock& clock, LoginThrottleOptions throttle = {},
                LdapAccounts* directory = nullptr);

  // Argon2 verification takes tens of milliseconds: call off the I/O threads.
  Result<Principal> authenticate_basic(std::string_view username, std::string_view secret,
                                       std::string_view client_address);
  // A bare API token ("pier_..."): kToken for the token's user.
  Result<Principal> authenticate_api_token(std::string_view token, std::string_view client_address);

 private:
  // The principal, or nullopt for bad credentials, or the store's error.
  using Check = std::function<Result<std::optional<Principal>>(std::int64_t now)>;
  // The one path of every sign-in: throttle, check, audit. `account` is the name the caller
  // gave (empty when none), `failed_kind` what a failure is logged as.
  Result<Principal> sign_in(std::string_view account, meta::ActorKind failed_kind, std::string_view client_address,
                            const Check& check);
  Result<std::optional<Principal>> check(std::string_view username, std::string_view secret, std::int64_t now);
  // The user of a valid API token, whoever presents it.
  Result<std::optional<Principal>> check_bare_token(std::string_view secret, std::int64_t now);
  Result<std::optional<Principal>> check_robot(std::string_view username, std::string_view secret);
  Result<std::optional<Principal>> check_token(std::string_view username, std::string_view secret, std::int64_t now);
  Result<std::optional<Principal>> check_password(std::string_view username, std::string_view secret,
                                                  std::int64_t now);
  Result<void> audit(std::string_view action, std::string_view actor, meta::ActorKind kind,
                     std::string_view client_address, std::int64_t now, std::string detail = "{}");

  meta::AccountStore& accounts_;
  Clock& clock_;
  LoginThrottle throttle_;
  LdapAccounts* directory_;
};

// The audit log's kind of a principal.
meta::ActorKind actor_kind_of(PrincipalKind kind);

// An API token's scopes as stored (space-separated, as meta::ApiToken::scopes) one by one.
std::vector<std::string> split_scopes(std::string_view scopes);

// The credentials of an Authorization header value for `scheme` (lowercase; matched in any
// case, RFC 7235), without surrounding blanks; nullopt if the header is of another scheme.
std::optional<std::string_view> authorization_credentials(std::string_view header, std::string_view scheme);

// The username and password of an "Authorization: Basic <base64(user:password)>" header value
// (the scheme name in any case, RFC 7617). The password is everything after the first ':'.
// kUnauthorized for another scheme, bad base64, or no ':'.
Result<std::pair<std::string, std::string>> parse_basic_header(std::string_view authorization_header);

}  // namespace pier::auth
