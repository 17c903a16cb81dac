// api/management_app.h: the management REST API under /api/v1, as a RequestHandler.
//
// JSON in, JSON out; errors are Pier's usual error body ({"errors": [{code, message}]}). Every
// request but GET /api/v1/openapi.json (the API's OpenAPI document, open to anyone) signs in
// first, whether or not the registry itself asks for credentials (auth.enabled), since accounts
// are managed by someone:
//   Authorization: Basic <user:password> or <user:API token>
//   Authorization: Bearer pier_...      an API token alone
//   Cookie: pier_session=...            a web UI session (api/session.cc), with X-CSRF-Token
//                                       on every write
// Both go through auth::Authenticator (audited, throttled). No or bad credentials are 401
// UNAUTHORIZED, with a Basic challenge unless a browser page asked; robots are 403
// (auth::may_use_management_api). Every
// route that signs in may block (Argon2, database writes); every route has its body buffered,
// at most 1 MiB.
// The routes are in routes.cc, what each does in the handler files (handlers.h).
#pragma once

#include "api/handlers.h"
#include "common/request_handler.h"

namespace pier::api {

inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;

class ManagementApp final : public RequestHandler {
 public:
  explicit ManagementApp(ManagementServices services) : services_(services) {}

  Result<RequestPlan> plan(Request& request) override;
  Result<Reply> handle(Request& request) override;
  void decorate(const Request& request, Response& response) const override;

 private:
  Result<auth::Principal> authenticate(const Request& request);
  Result<auth::Principal> from_session(const Request& request, std::string_view secret);

  ManagementServices services_;
};

}  // namespace pier::api
