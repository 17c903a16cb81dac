// access/access_control.h: who is calling, and whether they may, for each registry request.
//
// The registry asks admit() once per request with what the route needs. Credentials come as
//   - "Authorization: Bearer <JWT>" from the token endpoint (TokenIssuer): checked without a
//     database read; its "access" claim must cover the need;
//   - "Authorization: Basic ..." (users, robots, API tokens; auth::Authenticator), for simple
//     clients: each request is decided by RepositoryPolicy;
//   - nothing: an anonymous caller, who may pull public repositories.
// Refusals are what docker, podman and skopeo act on: 401 UNAUTHORIZED with a Bearer challenge
// naming the realm, service and the scope the request needed when the caller is anonymous, has
// bad credentials, or holds a token that lacks an action the account would be given now
// (error="insufficient_scope", so the client fetches a new token); 403 DENIED when the account
// is known and is not allowed.
//
// With authentication switched off every request is admitted as anonymous.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "access/repository_policy.h"
#include "access/token_issuer.h"
#include "auth/authenticator.h"
#include "common/error.h"
#include "common/message.h"

namespace pier::access {

// The path of the token endpoint, served by the registry.
inline constexpr std::string_view kTokenPath = "/v2/auth";

// What a request needs.
enum class Need {
  kSignedIn,  // any authenticated caller (GET /v2/)
  kCatalog,   // the catalog, filtered later by may_list
  kPull,
  kPush,
  kDelete,
};

struct Caller {
  auth::Principal principal;
  // Set when the request carried a bearer token.
  std::shared_ptr<const auth::Claims> token;
};

struct AccessOptions {
  bool enabled = true;
  // The token endpoint's absolute URL for challenges; empty: this server's own, from the
  // request's scheme and Host header.
  std::string realm;
};

class AccessControl {
 public:
  AccessControl(AccessOptions options, RepositoryPolicy& policy, TokenIssuer& tokens,
                auth::Authenticator& authenticator);

  bool enabled() const { return options_.enabled; }
  // Whether admit() may block for this request: Basic credentials cost an Argon2 verification.
  bool may_block(const Request& request) const;

  // `repository` for kPull, kPush, kDelete.
  Result<Caller> admit(const Request& request, Need need, std::string_view repository = {});

  // Whether the caller may see each of `repositories` (catalog entries, in order; the caller's
  // account and each namespace are looked up once), or pull from `repository` (mount sources).
  Result<std::vector<bool>> may_list(const Caller& caller, const std::vector<std::string>& repositories);
  Result<bool> may_pull(const Caller& caller, std::string_view repository);

  // The principal of Basic credentials, for the token endpoint. kUnauthorized when absent or
  // wrong, kTooManyRequests when throttled.
  Result<auth::Principal> authenticate_basic(const Request& request);
  // The same for a username and secret given otherwise (an OAuth2 password grant).
  Result<auth::Principal> authenticate(std::string_view username, std::string_view secret,
                                       std::string_view client_address);

 private:
  Result<Caller> admit_token(const Request& request, Need need, std::string_view repository,
                             std::shared_ptr<const auth::Claims> claims);
  Result<Caller> admit_principal(const Request& request, Need need, std::string_view repository,
                                 auth::Principal principal);
  Error challenge(const Request& request, Need need, std::string_view repository, std::string message,
                  bool insufficient_scope) const;

  AccessOptions options_;
  RepositoryPolicy& policy_;
  TokenIssuer& tokens_;
  auth::Authenticator& authenticator_;
};

// Whether `claims` grant `action` ("pull", "push", "delete") on `repository`, or the catalog.
bool token_allows(const auth::Claims& claims, std::string_view type, std::string_view name, std::string_view action);

}  // namespace pier::access
