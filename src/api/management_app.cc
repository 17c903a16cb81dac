#include "api/management_app.h"

namespace pier::api {

namespace {

Error unauthorized(Error error) {
  if (error.code == ErrorCode::kUnauthorized) error.headers.emplace_back("WWW-Authenticate", "Basic realm=\"pier\"");
  return error;
}

}  // namespace

Result<RequestPlan> ManagementApp::plan(Request& request) {
  auto index = match_route(request.method, request.path);
  if (!index) return index.error();
  request.route_index = static_cast<int>(*index);
  RequestPlan plan;
  plan.body = BodyMode::kBuffer;
  plan.body_limit = kMaxBodyBytes;
  // Signing in may block (Argon2), and so may every handler behind it; the open route serves
  // a constant.
  plan.may_block = routes()[*index].access == Access::kSignedIn;
  plan.route = routes()[*index].label;
  return plan;
}

Result<Reply> ManagementApp::handle(Request& request) {
  const Route& route = routes()[static_cast<std::size_t>(request.route_index)];
  const auto params = match_pattern(route.pattern, request.path);
  if (!params) return make_error(ErrorCode::kInternal, "route matched in plan() but not in handle()");
  auto caller = route.access == Access::kAnyone ? Result<auth::Principal>(auth::Principal{}) : authenticate(request);
  if (!caller) return caller.error();
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
  }
  if (!principal) return unauthorized(principal.error());
  if (!auth::may_use_management_api(*principal).allowed) {
    return make_error(ErrorCode::kDenied, "this account may not use the management API");
  }
  return principal;
}

// Management responses need no header of their own: json_body.h sets what each carries.
void ManagementApp::decorate(Response&) const {}

}  // namespace pier::api
