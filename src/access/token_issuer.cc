#include "access/token_issuer.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <unordered_map>

#include "auth/secrets.h"
#include "common/names.h"

namespace pier::access {

namespace {

constexpr std::string_view kRefreshAudienceSuffix = "#refresh";

// Which of a token principal's scopes let it see anything at all.
bool may_read_anything(const auth::Principal& principal) {
  if (principal.kind == auth::PrincipalKind::kAnonymous) return false;
  if (principal.kind != auth::PrincipalKind::kToken) return true;
  return std::any_of(principal.token_scopes.begin(), principal.token_scopes.end(), [](const std::string& scope) {
    return scope == "repo:read" || scope == "repo:write" || scope == "repo:admin" || scope == "super:user";
  });
}

bool has(const std::vector<std::string>& actions, std::string_view action) {
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

std::uint64_t next_cache_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

auth::Principal principal_of(const auth::Claims& claims) {
  if (claims.subject.empty()) return {};
  if (!claims.scopes.empty()) return {auth::PrincipalKind::kToken, claims.subject, claims.scopes};
  const bool robot = claims.subject.find('+') != std::string::npos;
  return {robot ? auth::PrincipalKind::kRobot : auth::PrincipalKind::kUser, claims.subject, {}};
}

TokenIssuer::TokenIssuer(TokenOptions options, auth::SigningKey key, RepositoryPolicy& policy,
                         meta::AccountStore& accounts, Clock& clock)
    : options_(std::move(options)),
      key_(std::move(key)),
      verification_key_(key_.verification_key()),
      policy_(policy),
      accounts_(accounts),
      clock_(clock),
      cache_id_(next_cache_id()) {}

Result<std::vector<std::string>> TokenIssuer::allowed_actions(const auth::Principal& principal, const Scope& scope) {
  std::vector<std::string> granted;
  if (scope.type == "registry") {
    if (scope.name == "catalog" && has(scope.actions, "*") && may_read_anything(principal)) granted.push_back("*");
    return granted;
  }
  if (scope.type != "repository" || !is_valid_repository_name(scope.name)) return granted;
  // Push is decided first: creating a repository gives its creator rights that pull and
  // delete on it then find.
  static constexpr std::pair<std::string_view, auth::Action> kActions[] = {
      {"push", auth::Action::kPush}, {"pull", auth::Action::kPull}, {"delete", auth::Action::kDelete}};
  const bool everything = has(scope.actions, "*");
  bool all = true;
  for (const auto& [name, action] : kActions) {
    if (!everything && !has(scope.actions, name)) continue;
    auto decision = policy_.decide(principal, action, scope.name);
    if (!decision) return decision.error();
    if (decision->allowed) {
      granted.emplace_back(name);
    } else {
      all = false;
    }
  }
  if (everything && all) return std::vector<std::string>{"*"};
  // In the order clients write them.
  std::vector<std::string> ordered;
  for (std::string_view name : {"pull", "push", "delete"}) {
    if (has(granted, name)) ordered.emplace_back(name);
  }
  return ordered;
}

Result<IssuedToken> TokenIssuer::issue(const auth::Principal& principal, const std::vector<Scope>& scopes,
                                       bool with_refresh_token) {
  const std::int64_t now = clock_.unix_seconds();
  auth::Claims claims;
  claims.issuer = options_.issuer;
  claims.subject = principal.kind == auth::PrincipalKind::kAnonymous ? "" : principal.name;
  if (principal.kind == auth::PrincipalKind::kToken) claims.scopes = principal.token_scopes;
  claims.audience = options_.service;
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires_at = now + options_.token_ttl.count();
  auto id = auth::random_token();
  if (!id) return id.error();
  claims.id = std::move(*id);
  for (const auto& scope : scopes) {
    auto actions = allowed_actions(principal, scope);
    if (!actions) return actions.error();
    if (actions->empty()) continue;
    // A scope asked for twice shares one entry.
    auto same = std::find_if(claims.access.begin(), claims.access.end(),
                             [&](const auth::Access& a) { return a.type == scope.type && a.name == scope.name; });
    if (same == claims.access.end()) {
      claims.access.push_back({scope.type, scope.name, std::move(*actions)});
    } else {
      for (auto& action : *actions) {
        if (!has(same->actions, action)) same->actions.push_back(std::move(action));
      }
    }
  }
  auto token = auth::sign(claims, key_);
  if (!token) return token.error();
  IssuedToken issued{std::move(*token), options_.token_ttl.count(), now, std::nullopt};

  const bool refreshable = principal.kind == auth::PrincipalKind::kUser || principal.kind == auth::PrincipalKind::kRobot;
  if (with_refresh_token && refreshable) {
    auth::Claims refresh = claims;
    refresh.audience = options_.service + std::string(kRefreshAudienceSuffix);
    refresh.expires_at = now + options_.refresh_token_ttl.count();
    refresh.access.clear();
    auto refresh_id = auth::random_token();
    if (!refresh_id) return refresh_id.error();
    refresh.id = std::move(*refresh_id);
    auto signed_refresh = auth::sign(refresh, key_);
    if (!signed_refresh) return signed_refresh.error();
    issued.refresh_token = std::move(*signed_refresh);
  }
  return issued;
}

Result<auth::Principal> TokenIssuer::redeem_refresh_token(std::string_view refresh_token) {
  auto claims = auth::verify(refresh_token, verification_key_, options_.issuer,
                             options_.service + std::string(kRefreshAudienceSuffix), clock_.unix_seconds());
  if (!claims) return claims.error();
  const auto invalid = [] { return make_error(ErrorCode::kUnauthorized, "refresh token is no longer valid"); };
  auth::Principal principal = principal_of(*claims);
  // Refresh tokens are issued to passwords and robots only.
  if (principal.kind == auth::PrincipalKind::kAnonymous || principal.kind == auth::PrincipalKind::kToken) {
    return invalid();
  }
  if (principal.kind == auth::PrincipalKind::kUser) {
    auto user = accounts_.get_user(principal.name);
    if (!user) return user.error().code == ErrorCode::kNameUnknown ? Result<auth::Principal>(invalid()) : user.error();
    if (user->disabled) return invalid();
  } else {
    auto subject = policy_.subject_of(principal);
    if (!subject) return subject.error();
    if (!*subject) return invalid();
  }
  return principal;
}

Result<std::shared_ptr<const auth::Claims>> TokenIssuer::verify(std::string_view token) {
  // Verified tokens by the SHA-256 of their text, so each token is checked once per thread
  // rather than on every request (an ECDSA verification costs more than serving a manifest).
  // Each thread keeps its own: one shared map put a lock on every request carrying a token,
  // and the I/O threads contended for it (manifest GETs with a token ran at two thirds of the
  // rate without). An entry is used only while its token is current; the map is emptied when
  // it grows past a bound.
  // The token the thread saw last is kept as text too: a client sends one token on a
  // connection, request after request, and comparing it costs less than hashing it.
  struct VerifiedTokens {
    std::uint64_t issuer = 0;
    std::unordered_map<std::string, std::shared_ptr<const auth::Claims>> by_hash;
    std::string last_token;
    std::shared_ptr<const auth::Claims> last_claims;
  };
  constexpr std::size_t kMaxVerified = 4096;
  thread_local VerifiedTokens verified;
  if (verified.issuer != cache_id_) {
    verified = VerifiedTokens{};
    verified.issuer = cache_id_;
  }
  const std::int64_t now = clock_.unix_seconds();
  const auto current = [now](const auth::Claims& claims) {
    return now <= claims.expires_at + auth::kClockSkewLeewaySeconds;
  };
  if (verified.last_claims && token.size() == verified.last_token.size() &&
      CRYPTO_memcmp(token.data(), verified.last_token.data(), token.size()) == 0 && current(*verified.last_claims)) {
    return verified.last_claims;
  }
  const std::string key = auth::sha256_hex(token);
  std::shared_ptr<const auth::Claims> shared;
  if (auto it = verified.by_hash.find(key); it != verified.by_hash.end()) {
    if (current(*it->second)) {
      shared = it->second;
    } else {
      verified.by_hash.erase(it);
    }
  }
  if (!shared) {
    auto claims = auth::verify(token, verification_key_, options_.issuer, options_.service, now);
    if (!claims) return claims.error();
    shared = std::make_shared<const auth::Claims>(std::move(*claims));
    if (verified.by_hash.size() >= kMaxVerified) verified.by_hash.clear();
    verified.by_hash.emplace(key, shared);
  }
  verified.last_token.assign(token);
  verified.last_claims = shared;
  return shared;
}

}  // namespace pier::access
