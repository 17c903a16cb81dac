#include "auth/authenticator.h"

#include <optional>

#include "auth/base64url.h"
#include "auth/password_hash.h"
#include "auth/secrets.h"
#include "common/text.h"

namespace pier::auth {

namespace {

// Verified against when there is no real hash, so a missing account costs what a real one does.
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto made = unmatchable_password_hash();
    return made ? *made : std::string();
  }();
  return hash;
}

// Names in the audit log are cut to this: the client chooses what it sends.
constexpr std::size_t kMaxActorLength = 255;

Error invalid_credentials() { return make_error(ErrorCode::kUnauthorized, std::string(kInvalidCredentials)); }

bool is_robot_name(std::string_view username) { return username.find('+') != std::string_view::npos; }

}  // namespace

std::vector<std::string> split_scopes(std::string_view scopes) {
  std::vector<std::string> out;
  for (const auto scope : split_list(scopes, ' ')) out.emplace_back(scope);
  return out;
}

meta::ActorKind actor_kind_of(PrincipalKind kind) {
  switch (kind) {
    case PrincipalKind::kUser: return meta::ActorKind::kUser;
    case PrincipalKind::kRobot: return meta::ActorKind::kRobot;
    case PrincipalKind::kToken: return meta::ActorKind::kToken;
    case PrincipalKind::kAnonymous: return meta::ActorKind::kAnonymous;
  }
  return meta::ActorKind::kAnonymous;
}

Authenticator::Authenticator(meta::AccountStore& accounts, Clock& clock, LoginThrottleOptions throttle,
                             LdapAccounts* directory)
    : accounts_(accounts),
      clock_(clock),
      throttle_(clock, throttle, accounts.shared_with_other_processes() ? &accounts : nullptr),
      directory_(directory) {
}

Result<Principal> Authenticator::authenticate_basic(std::string_view username, std::string_view secret,
                                                    std::string_view client_address) {
  const auto failed_kind = is_robot_name(username) ? meta::ActorKind::kRobot
                           : looks_like_api_token(secret) ? meta::ActorKind::kToken
                                                          : meta::ActorKind::kUser;
  return sign_in(username, failed_kind, client_address,
                 [&](std::int64_t now) { return check(username, secret, now); });
}

Result<Principal> Authenticator::authenticate_api_token(std::string_view token, std::string_view client_address) {
  return sign_in({}, meta::ActorKind::kToken, client_address, [&](std::int64_t now) {
    if (!looks_like_api_token(token)) return Result<std::optional<Principal>>(std::nullopt);
    return check_bare_token(token, now);
  });
}

Result<Principal> Authenticator::sign_in(std::string_view account, meta::ActorKind failed_kind,
                                         std::string_view client_address, const Check& check) {
  const std::int64_t now = clock_.unix_seconds();
  if (throttle_.blocked(account, client_address)) {
    (void)audit("login_failed", account, failed_kind, client_address, now, R"({"reason":"throttled"})");
    return make_error(ErrorCode::kTooManyRequests, "too many failed sign-in attempts; try again later");
  }
  auto principal = check(now);
  if (!principal) return principal.error();
  if (!*principal) {
    throttle_.record_failure(account, client_address);
    // The answer is the same whether or not the event could be written.
    (void)audit("login_failed", account, failed_kind, client_address, now);
    return invalid_credentials();
  }
  // A sign-in that cannot be audited is refused (fail closed).
  if (auto written = audit("login", (*principal)->name, actor_kind_of((*principal)->kind), client_address, now);
      !written) {
    return written.error();
  }
  return std::move(**principal);
}

Result<std::optional<Principal>> Authenticator::check(std::string_view username, std::string_view secret,
                                                      std::int64_t now) {
  if (is_robot_name(username)) return check_robot(username, secret);
  if (looks_like_api_token(secret)) return check_token(username, secret, now);
  return check_password(username, secret, now);
}

Result<std::optional<Principal>> Authenticator::check_robot(std::string_view username, std::string_view secret) {
  auto robot = accounts_.find_robot(username);
  if (!robot) {
    if (robot.error().code == ErrorCode::kNameUnknown) return std::optional<Principal>();
    return robot.error();
  }
  // Compare fixed-length hashes: the robot's token length is not revealed either.
  if (!constant_time_equal(sha256_hex(secret), robot->token_hash)) return std::optional<Principal>();
  return std::optional<Principal>(Principal{PrincipalKind::kRobot, robot->full_name, {}});
}

Result<std::optional<Principal>> Authenticator::check_token(std::string_view username, std::string_view secret,
                                                            std::int64_t now) {
  auto principal = check_bare_token(secret, now);
  if (principal && *principal && (*principal)->name != username) return std::optional<Principal>();
  return principal;
}

Result<std::optional<Principal>> Authenticator::check_bare_token(std::string_view secret, std::int64_t now) {
  // Looked up by its hash: the database index compares hashes, never the secret itself.
  auto token = accounts_.use_api_token(sha256_hex(secret), now);
  if (!token) return token.error();
  if (!*token) return std::optional<Principal>();
  const meta::ApiToken& t = **token;
  if (t.expires_at && *t.expires_at <= now) return std::optional<Principal>();
  auto user = accounts_.get_user(t.user);
  if (!user) {
    if (user.error().code == ErrorCode::kNameUnknown) return std::optional<Principal>();
    return user.error();
  }
  if (user->disabled) return std::optional<Principal>();
  return std::optional<Principal>(Principal{PrincipalKind::kToken, user->name, split_scopes(t.scopes)});
}

Result<std::optional<Principal>> Authenticator::check_password(std::string_view username, std::string_view secret,
                                                               std::int64_t now) {
  auto user = accounts_.get_user(username);
  if (!user && user.error().code != ErrorCode::kNameUnknown) return user.error();
  const bool local = user && user->source == meta::UserSource::kLocal;
  if (directory_ != nullptr && !local) {
    auto signed_in = directory_->sign_in(username, secret, now);
    if (!signed_in) {
      // The directory's own message names servers and steps: for the operator (see `pier
      // serve`'s start-up check), not for whoever is signing in.
      if (signed_in.error().code == ErrorCode::kUnavailable) {
        return make_error(ErrorCode::kUnavailable, "the sign-in directory cannot be reached; try again later");
      }
      return signed_in.error();
    }
    if (!*signed_in) return std::optional<Principal>();
    return std::optional<Principal>(Principal{PrincipalKind::kUser, (*signed_in)->name, {}});
  }
  if (!user || user->password_hash.empty()) {
    // No such user, or one who signs in elsewhere (LDAP): spend the same time anyway.
    (void)verify_password(secret, dummy_hash());
    return std::optional<Principal>();
  }
  // Verified even for a disabled user, so being disabled does not show in the timing.
  const bool ok = verify_password(secret, user->password_hash);
  if (!ok || user->disabled) return std::optional<Principal>();
  return std::optional<Principal>(Principal{PrincipalKind::kUser, user->name, {}});
}

Result<void> Authenticator::audit(std::string_view action, std::string_view actor, meta::ActorKind kind,
                                  std::string_view client_address, std::int64_t now, std::string detail) {
  meta::AuditEvent event;
  event.at = now;
  event.actor = std::string(actor.substr(0, kMaxActorLength));
  event.actor_kind = kind;
  event.client_address = std::string(client_address.substr(0, kMaxActorLength));
  event.action = std::string(action);
  event.detail = std::move(detail);
  auto id = accounts_.append_audit_event(event);
  if (!id) return id.error();
  return {};
}

std::optional<std::string_view> authorization_credentials(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != scheme[i]) return std::nullopt;
  }
  return trim_blanks(header.substr(scheme.size()));
}

Result<std::pair<std::string, std::string>> parse_basic_header(std::string_view header) {
  const auto malformed = [] { return make_error(ErrorCode::kUnauthorized, "malformed basic authorization"); };
  const auto credentials = authorization_credentials(header, "basic");
  if (!credentials || credentials->empty()) return malformed();
  auto decoded = base64_decode(*credentials);
  if (!decoded) return malformed();
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return malformed();
  return std::pair<std::string, std::string>(decoded->substr(0, colon), decoded->substr(colon + 1));
}

}  // namespace pier::auth
