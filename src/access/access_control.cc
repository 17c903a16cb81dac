#include "access/access_control.h"

#include <algorithm>

namespace pier::access {

namespace {

std::string_view action_of(Need need) {
  switch (need) {
    case Need::kPull: return "pull";
    case Need::kPush: return "push";
    case Need::kDelete: return "delete";
    case Need::kSignedIn:
    case Need::kCatalog: return "*";
  }
  return "*";
}

auth::Action authorizer_action(Need need) {
  switch (need) {
    case Need::kPush: return auth::Action::kPush;
    case Need::kDelete: return auth::Action::kDelete;
    case Need::kPull:
    case Need::kSignedIn:
    case Need::kCatalog: return auth::Action::kPull;
  }
  return auth::Action::kPull;
}

Error denied() { return make_error(ErrorCode::kDenied, "requested access to the resource is denied"); }

}  // namespace

bool token_allows(const auth::Claims& claims, std::string_view type, std::string_view name, std::string_view action) {
  return std::any_of(claims.access.begin(), claims.access.end(), [&](const auth::Access& access) {
    if (access.type != type || access.name != name) return false;
    return std::any_of(access.actions.begin(), access.actions.end(),
                       [&](const std::string& granted) { return granted == "*" || granted == action; });
  });
}

AccessControl::AccessControl(AccessOptions options, RepositoryPolicy& policy, TokenIssuer& tokens,
                             auth::Authenticator& authenticator)
    : options_(std::move(options)), policy_(policy), tokens_(tokens), authenticator_(authenticator) {}

bool AccessControl::may_block(const Request& request) const {
  return options_.enabled && auth::authorization_credentials(request.header("authorization"), "basic").has_value();
}

Result<Caller> AccessControl::admit(const Request& request, Need need, std::string_view repository) {
  if (!options_.enabled) return Caller{};
  const std::string_view authorization = request.header("authorization");
  if (authorization.empty()) return admit_principal(request, need, repository, {});
  if (auto token = auth::authorization_credentials(authorization, "bearer")) {
    auto claims = tokens_.verify(*token);
    if (!claims) return challenge(request, need, repository, claims.error().message, false);
    return admit_token(request, need, repository, std::move(*claims));
  }
  if (auth::authorization_credentials(authorization, "basic")) {
    auto principal = authenticate_basic(request);
    if (!principal) {
      if (principal.error().code != ErrorCode::kUnauthorized) return principal.error();
      return challenge(request, need, repository, principal.error().message, false);
    }
    return admit_principal(request, need, repository, std::move(*principal));
  }
  return challenge(request, need, repository, "unsupported authorization scheme", false);
}

Result<auth::Principal> AccessControl::authenticate_basic(const Request& request) {
  auto credentials = auth::parse_basic_header(request.header("authorization"));
  if (!credentials) return credentials.error();
  return authenticate(credentials->first, credentials->second, request.remote_address);
}

Result<auth::Principal> AccessControl::authenticate(std::string_view username, std::string_view secret,
                                                    std::string_view client_address) {
  return authenticator_.authenticate_basic(username, secret, client_address);
}

Result<Caller> AccessControl::admit_token(const Request& request, Need need, std::string_view repository,
                                          std::shared_ptr<const auth::Claims> claims) {
  Caller caller{principal_of(*claims), std::move(claims)};
  const bool signed_in = caller.principal.kind != auth::PrincipalKind::kAnonymous;
  switch (need) {
    case Need::kSignedIn:
      // An anonymous token stands for nobody: it does not sign anyone in.
      if (signed_in) return caller;
      break;
    case Need::kCatalog:
      if (token_allows(*caller.token, "registry", "catalog", "*")) return caller;
      break;
    default:
      if (token_allows(*caller.token, "repository", repository, action_of(need))) return caller;
      break;
  }
  if (!signed_in) return challenge(request, need, repository, "authentication required", false);
  if (need == Need::kCatalog) {
    // A caller whom no token would give the whole catalog is shown what they may pull, as
    // with Basic credentials, rather than sent for a token that would not carry it either.
    auto catalog = tokens_.allowed_actions(caller.principal, Scope{"registry", "catalog", {"*"}});
    if (!catalog) return catalog.error();
    if (catalog->empty()) return caller;
  } else {
    // The token lacks the action: a fresh token would carry it if the account is allowed now.
    auto decision = policy_.decide(caller.principal, authorizer_action(need), repository);
    if (!decision) return decision.error();
    if (!decision->allowed) return denied();
  }
  return challenge(request, need, repository, "the token does not cover this request", true);
}

Result<Caller> AccessControl::admit_principal(const Request& request, Need need, std::string_view repository,
                                              auth::Principal principal) {
  Caller caller{std::move(principal), nullptr};
  const bool signed_in = caller.principal.kind != auth::PrincipalKind::kAnonymous;
  if (need == Need::kSignedIn || need == Need::kCatalog) {
    if (signed_in) return caller;
    return challenge(request, need, repository, "authentication required", false);
  }
  auto decision = policy_.decide(caller.principal, authorizer_action(need), repository);
  if (!decision) return decision.error();
  if (decision->allowed) return caller;
  if (!signed_in) return challenge(request, need, repository, "authentication required", false);
  return denied();
}

Result<std::vector<bool>> AccessControl::may_list(const Caller& caller, const std::vector<std::string>& repositories) {
  if (!options_.enabled) return std::vector<bool>(repositories.size(), true);
  return policy_.allowed_each(caller.principal, auth::Action::kList, repositories);
}

Result<bool> AccessControl::may_pull(const Caller& caller, std::string_view repository) {
  if (!options_.enabled) return true;
  if (caller.token) return token_allows(*caller.token, "repository", repository, "pull");
  auto decision = policy_.decide(caller.principal, auth::Action::kPull, repository);
  if (!decision) return decision.error();
  return decision->allowed;
}

Error AccessControl::challenge(const Request& request, Need need, std::string_view repository, std::string message,
                               bool insufficient_scope) const {
  std::string realm = options_.realm;
  if (realm.empty()) {
    std::string_view host = request.header("host");
    realm = std::string(request.secure ? "https://" : "http://") + std::string(host) + std::string(kTokenPath);
  }
  std::vector<Scope> scopes;
  if (need == Need::kCatalog) {
    scopes.push_back({"registry", "catalog", {"*"}});
  } else if (need != Need::kSignedIn) {
    Scope scope{"repository", std::string(repository), {std::string(action_of(need))}};
    // Clients that push also pull (blob existence checks), so ask for both at once.
    if (need == Need::kPush) scope.actions = {"pull", "push"};
    scopes.push_back(std::move(scope));
  }
  Error error = make_error(ErrorCode::kUnauthorized, std::move(message));
  error.headers.emplace_back("WWW-Authenticate", bearer_challenge(realm, tokens_.options().service, scopes,
                                                                   insufficient_scope));
  return error;
}

}  // namespace pier::access
