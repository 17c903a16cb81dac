#include "auth/browser_sessions.h"

#include "auth/secrets.h"
#include "common/text.h"

namespace pier::auth {

Result<StartedSession> BrowserSessions::start(std::string_view user) {
  auto secret = random_token();
  if (!secret) return secret.error();
  const std::int64_t now = clock_.unix_seconds();
  const std::int64_t expires_at = now + ttl_.count();
  if (auto stored = accounts_.create_browser_session(sha256_hex(*secret), user, now, expires_at); !stored) {
    return stored.error();
  }
  StartedSession started{std::move(*secret), {}, expires_at};
  started.csrf_token = csrf_token_of(started.secret);
  return started;
}

Result<std::optional<LiveSession>> BrowserSessions::resolve(std::string_view secret) {
  auto session = accounts_.find_browser_session(sha256_hex(secret));
  if (!session) return session.error();
  if (!*session || (*session)->expires_at <= clock_.unix_seconds()) return std::optional<LiveSession>();
  auto user = accounts_.get_user((*session)->user);
  if (!user) {
    if (user.error().code == ErrorCode::kNameUnknown) return std::optional<LiveSession>();
    return user.error();
  }
  if (user->disabled) return std::optional<LiveSession>();
  return std::optional<LiveSession>(LiveSession{std::move(*user), (*session)->expires_at});
}

Result<void> BrowserSessions::end(std::string_view secret) {
  auto deleted = accounts_.delete_browser_session(sha256_hex(secret));
  if (!deleted) return deleted.error();
  return {};
}

Result<void> BrowserSessions::set_password_hash(std::string_view user, std::string_view password_hash,
                                                std::optional<std::string_view> kept_secret) {
  return accounts_.set_password_hash(user, password_hash, kept_secret ? sha256_hex(*kept_secret) : std::string());
}

Result<std::uint64_t> BrowserSessions::expire() { return accounts_.expire_browser_sessions(clock_.unix_seconds()); }

std::string csrf_token_of(std::string_view session_secret) {
  std::string labelled = "pier-csrf:";
  labelled += session_secret;
  return sha256_hex(labelled);
}

std::optional<std::string_view> cookie_value(std::string_view cookie_header, std::string_view name) {
  for (const auto pair : split_list(cookie_header, ';')) {
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim_blanks(pair.substr(0, equals)) == name) return trim_blanks(pair.substr(equals + 1));
  }
  return std::nullopt;
}

}  // namespace pier::auth
