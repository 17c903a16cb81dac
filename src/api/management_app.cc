#include "api/management_app.h"

#include "api/session_cookie.h"
#include "auth/secrets.h"

namespace pier::api {

namespace {

// A script in a browser page (fetch sends Sec-Fetch-Mode) or a page with a session is never
// sent a Basic challenge: the browser would answer it with its own password dialog.
bool from_a_page(const Request& request) {
  const std::string_view mode = request.header("sec-fetch-mode");
  return session_secret(request).has_value() || (!mode.empty() && mode != "navigate");
}

Error unauthorized(const Request& request, Error error) {
  if (error.code == ErrorCode::kUnauthorized && !from_a_page(request)) {
    error.headers.emplace_back("WWW-Authenticate", "Basic realm=\"pier\"");
  }
  return error;
}

bool is_safe_method(Method method) { return method == Method::kGet || method == Method::kHead; }

}  // namespace

Result<RequestPlan> ManagementApp::plan(Request& request) {
  auto index = match_route(request.method, request.path);
  if (!index) return index.error();
  request.route_index = static_cast<int>(*index);
  RequestPlan plan;
  plan.body = BodyMode::kBuffer;
  plan.body_limit = routes()[*index].body_limit != 0 ? routes()[*index].body_limit : kMaxBodyBytes;
  // Signing in may block (Argon2), and so may every handler behind it; the open route serves
  // a constant.
  plan.may_block = routes()[*index].access != Access::kAnyone;
  plan.route = routes()[*index].label;
  return plan;
}

Result<Reply> ManagementApp::handle(Request& request) {
  const Route& route = routes()[static_cast<std::size_t>(request.route_index)];
  const auto params = match_pattern(route.pattern, request.path);
  if (!params) return make_error(ErrorCode::kInternal, "route matched in plan() but not in handle()");
  auto caller = route.access == Access::kSignedIn ? authenticate(request) : Result<auth::Principal>(auth::Principal{});
  if (!caller) return unauthorized(request, caller.error());
  Call call{services_, request, *params, *caller};
  auto response = route.handler(call);
  if (!response) return response.error();
  return Reply(std::move(*response));
}

Result<auth::Principal> ManagementApp::authenticate(const Request& request) {
  const std::string_view header = request.header("authorization");
  Result<auth::Principal> principal = make_error(ErrorCode::kUnauthorized, "authentication required");
  if (const auto token = auth::authorization_credentials(header, "bearer")) {
    principal = services_.authenticator.authenticate_api_token(*token, request.remote_address);
  } else if (auth::authorization_credentials(header, "basic")) {
    principal = services_.access_control.authenticate_basic(request);
  } else if (!header.empty()) {
    principal = make_error(ErrorCode::kUnauthorized, "use Basic credentials or an API token as a Bearer token");
  } else if (const auto secret = session_secret(request)) {
    principal = from_session(request, *secret);
  }
  if (!principal) return principal.error();
  if (!auth::may_use_management_api(*principal).allowed) {
    return make_error(ErrorCode::kDenied, "this account may not use the management API");
  }
  return principal;
}

// A session signs in only from a page of this site: SameSite=Strict keeps the cookie from other
// sites' pages, and a write must also show the session's CSRF token, which only this site's
// pages are given.
Result<auth::Principal> ManagementApp::from_session(const Request& request, std::string_view secret) {
  auto session = services_.sessions.resolve(secret);
  if (!session) return session.error();
  if (!*session) return make_error(ErrorCode::kUnauthorized, "the session has ended; sign in again");
  if (!is_safe_method(request.method) && !shows_csrf_token(request, secret)) return missing_csrf_token();
  return (*session)->principal();
}

// Management responses need no header of their own: json_body.h sets what each carries.
void ManagementApp::decorate(const Request&, Response&) const {}

}  // namespace pier::api
