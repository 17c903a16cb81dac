// api/session_cookie.h: the web UI's session cookie as requests carry it.
#pragma once

#include <optional>
#include <string_view>

#include "auth/browser_sessions.h"
#include "common/message.h"

namespace pier::api {

// The session secret of the request's cookie, if it has one.
inline std::optional<std::string_view> session_secret(const Request& request) {
  auto secret = auth::cookie_value(request.header("cookie"), auth::kSessionCookie);
  if (secret && secret->empty()) return std::nullopt;
  return secret;
}

}  // namespace pier::api
