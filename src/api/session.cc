// The web UI's sign-in session (auth/browser_sessions.h):
//   POST   /api/v1/session {username, password} -> {user, csrf_token, expires_at} and the cookie
//   GET    /api/v1/session -> the same for the session of the request's cookie, else 401
//   DELETE /api/v1/session (with X-CSRF-Token) -> 204; the session ends and the cookie is cleared
// Only a password starts a session: a robot or an API token is for scripts, which send their
// credentials with every request instead.
#include <string>

#include "api/handlers.h"
#include "api/json_body.h"
#include "api/session_cookie.h"
#include "api/views.h"

namespace pier::api {

namespace {

// The cookie's attributes: never readable by scripts, never sent by another site's page, and
// over TLS only when the session began over TLS.
std::string set_cookie(const Request& request, std::string_view value, std::int64_t max_age) {
  std::string cookie = std::string(auth::kSessionCookie) + "=" + std::string(value) +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (request.secure) cookie += "; Secure";
  return cookie;
}

Response session_view(const meta::User& user, std::string_view secret, std::int64_t expires_at) {
  return json_response(200, boost::json::object{{"user", user_view(user, "user")},
                                                {"csrf_token", auth::csrf_token_of(secret)},
                                                {"expires_at", expires_at}});
}

Error no_session() { return make_error(ErrorCode::kUnauthorized, "not signed in"); }

}  // namespace

Result<Response> start_session(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"username", "password"});
  if (!body) return body.error();
  auto username = body->string("username");
  if (!username) return username.error();
  auto password = body->string("password");
  if (!password) return password.error();

  auto principal =
      call.services.authenticator.authenticate_basic(*username, *password, call.request.remote_address);
  if (!principal) return principal.error();
  if (principal->kind != auth::PrincipalKind::kUser) {
    return make_error(ErrorCode::kUnauthorized, "sign in with a user's password");
  }
  auto user = call.accounts().get_user(principal->name);
  if (!user) return user.error();
  auto started = call.services.sessions.start(principal->name);
  if (!started) return started.error();
  auto response = session_view(*user, started->secret, started->expires_at);
  response.header("Set-Cookie", set_cookie(call.request, started->secret, call.services.sessions.ttl().count()));
  return response;
}

Result<Response> get_session(Call& call) {
  const auto secret = session_secret(call.request);
  if (!secret) return no_session();
  auto session = call.services.sessions.resolve(*secret);
  if (!session) return session.error();
  if (!*session) return no_session();
  return session_view((*session)->user, *secret, (*session)->expires_at);
}

// A live session ends only when asked with its CSRF token, so another site cannot sign the
// user out; a cookie naming no live session is simply cleared.
Result<Response> end_session(Call& call) {
  if (const auto secret = session_secret(call.request)) {
    auto session = call.services.sessions.resolve(*secret);
    if (!session) return session.error();
    if (*session) {
      if (!shows_csrf_token(call.request, *secret)) return missing_csrf_token();
      if (auto ended = call.services.sessions.end(*secret); !ended) return ended.error();
    }
  }
  auto response = no_content();
  response.header("Set-Cookie", set_cookie(call.request, "", 0));
  return response;
}

}  // namespace pier::api
