// auth/browser_sessions.h: the web UI's sign-in sessions.
//
// A browser signs in once with a password (through Authenticator, so the sign-in is throttled
// and audited like any other) and is given a session: a 256-bit random secret that travels as
// an HttpOnly, SameSite=Strict cookie. Only its SHA-256 is stored, so a copy of the database
// signs no one in, and the lookup compares hashes, never the secret. A session lasts `ttl` from
// sign-in and acts for its user with a password's rights; it stops working at once when the
// user is disabled or deleted, when their password is changed (but for the session that changed
// it), or when it is ended.
//
// Writes from a page must also carry the session's CSRF token (X-CSRF-Token). It is derived
// from the secret (a labelled SHA-256), so it needs no storage, is the same on every replica,
// and tells nothing about the secret it comes from.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authorizer.h"
#include "common/clock.h"
#include "common/error.h"
#include "meta/account_store.h"

namespace pier::auth {

inline constexpr std::string_view kSessionCookie = "pier_session";

struct StartedSession {
  std::string secret;  // the cookie's value; shown to the browser only
  std::string csrf_token;
  std::int64_t expires_at = 0;
};

struct LiveSession {
  meta::User user;
  std::int64_t expires_at = 0;

  Principal principal() const { return Principal{PrincipalKind::kUser, user.name, {}}; }
};

class BrowserSessions {
 public:
  BrowserSessions(meta::AccountStore& accounts, Clock& clock, std::chrono::seconds ttl)
      : accounts_(accounts), clock_(clock), ttl_(ttl) {}

  // A new session for `user`, who has just signed in.
  Result<StartedSession> start(std::string_view user);
  // The session of this secret; nullopt for an unknown or expired session, or one whose user is
  // disabled.
  Result<std::optional<LiveSession>> resolve(std::string_view secret);
  // Ends the session (nothing happens for an unknown one).
  Result<void> end(std::string_view secret);
  // Sets `user`'s password hash and ends every session of theirs begun with the old password,
  // but the one with `kept_secret` (the session the change was made from, if any).
  Result<void> set_password_hash(std::string_view user, std::string_view password_hash,
                                 std::optional<std::string_view> kept_secret);
  // Removes expired sessions; returns how many.
  Result<std::uint64_t> expire();

  std::chrono::seconds ttl() const { return ttl_; }

 private:
  meta::AccountStore& accounts_;
  Clock& clock_;
  std::chrono::seconds ttl_;
};

// The CSRF token of the session with this secret.
std::string csrf_token_of(std::string_view session_secret);

// The value of cookie `name` in a Cookie header value ("a=1; b=2"), or nullopt.
std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name);

}  // namespace pier::auth
