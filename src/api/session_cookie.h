// api/session_cookie.h: the web UI's session cookie as requests carry it.
#pragma once

#include <optional>
#include <string_view>

#include "auth/browser_sessions.h"
#include "auth/secrets.h"
#include "common/message.h"

namespace pier::api {

// The session secret of the request's cookie, if it has one.
inline std::optional<std::string_view> session_secret(const Request& request) {
  auto secret = auth::cookie_value(request.header("cookie"), auth::kSessionCookie);
  if (secret && secret->empty()) return std::nullopt;
  return secret;
}

// Whether a request made with the session `secret` shows that session's CSRF token, which only
// this site's pages are given.
inline bool shows_csrf_token(const Request& request, std::string_view secret) {
  return auth::constant_time_equal(request.header("x-csrf-token"), auth::csrf_token_of(secret));
}

inline Error missing_csrf_token() {
  return make_error(ErrorCode::kDenied, "missing or wrong X-CSRF-Token for this session");
}

}  // namespace pier::api
