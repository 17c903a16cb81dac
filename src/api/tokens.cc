// The caller's API tokens, for users signed in with their password (a token never manages
// tokens: auth/authorizer.h):
//   POST   /api/v1/user/tokens {name, scopes: [...], expires_in_days?}
//          -> 201 {id, name, token, scopes, created_at, expires_at}; the token is shown only here
//   GET    /api/v1/user/tokens      -> {tokens: [{id, name, scopes, created_at, expires_at, last_used_at}]}
//   DELETE /api/v1/user/tokens/{id}
// Scopes: repo:read, repo:write, repo:admin, org:admin, super:user (what each allows:
// auth/authorizer.h). Without expires_in_days a token does not expire.
#include <algorithm>
#include <limits>

#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/numbers.h"
#include "api/views.h"
#include "api/vocabulary.h"
#include "auth/secrets.h"

namespace pier::api {

namespace {

constexpr std::size_t kMaxTokenNameLength = 255;
constexpr std::int64_t kMaxExpiryDays = 3650;
constexpr std::int64_t kSecondsPerDay = 86400;

Result<void> check_token_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxTokenNameLength) return bad_field("name", "must be 1 to 255 bytes long");
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return bad_field("name", "must not hold control characters");
  }
  return {};
}

// The scopes, checked, each once, space-separated as stored.
Result<std::string> stored_scopes(const std::vector<std::string>& scopes) {
  if (scopes.empty()) return bad_field("scopes", "at least one scope is needed");
  std::vector<std::string_view> seen;
  std::string joined;
  for (const auto& scope : scopes) {
    if (auto checked = check_token_scope(scope); !checked) return checked.error();
    if (std::find(seen.begin(), seen.end(), scope) != seen.end()) continue;
    seen.push_back(scope);
    joined += (joined.empty() ? "" : " ") + scope;
  }
  return joined;
}

}  // namespace

Result<Response> create_token(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"name", "scopes", "expires_in_days"});
  if (!body) return body.error();
  auto name = body->string("name");
  if (!name) return name.error();
  if (auto checked = check_token_name(*name); !checked) return checked.error();
  auto scope_list = body->strings("scopes");
  if (!scope_list) return scope_list.error();
  auto scopes = stored_scopes(*scope_list);
  if (!scopes) return scopes.error();
  auto days = body->optional_integer("expires_in_days");
  if (!days) return days.error();
  if (*days && (**days < 1 || **days > kMaxExpiryDays)) return bad_field("expires_in_days", "must be 1 to 3650");
  if (auto allowed = require(call, auth::NamespaceAction::kManageOwnTokens); !allowed) return allowed.error();

  auto token = auth::new_api_token();
  if (!token) return token.error();
  const std::int64_t now = call.now();
  std::optional<std::int64_t> expires_at;
  if (*days) expires_at = now + **days * kSecondsPerDay;
  auto created = call.accounts().create_api_token(
      meta::NewApiToken{call.caller.name, *name, auth::sha256_hex(*token), *scopes, expires_at}, now);
  if (!created) return created.error();
  auto view = token_view(*created);
  view["token"] = *token;
  return once_recorded(record_change(call, kAccountChange, call.caller.name, std::nullopt,
                                     {{"change", "api_token_created"},
                                      {"id", created->id},
                                      {"name", created->name},
                                      {"scopes", scopes_view(created->scopes)}}),
                       json_response(201, view));
}

Result<Response> list_tokens(Call& call) {
  if (auto allowed = require(call, auth::NamespaceAction::kManageOwnTokens); !allowed) return allowed.error();
  auto tokens = call.accounts().list_api_tokens(call.caller.name);
  if (!tokens) return tokens.error();
  boost::json::array views;
  for (const auto& token : *tokens) views.emplace_back(token_view(token));
  return json_response(200, boost::json::object{{"tokens", std::move(views)}});
}

Result<Response> delete_token(Call& call) {
  auto id = parse_integer("token id", call.params["id"], 1, std::numeric_limits<std::int64_t>::max());
  if (!id) return id.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManageOwnTokens); !allowed) return allowed.error();
  // Only the caller's own: another user's token id is as unknown as one never issued.
  auto tokens = call.accounts().list_api_tokens(call.caller.name);
  if (!tokens) return tokens.error();
  const auto own = std::find_if(tokens->begin(), tokens->end(), [&](const auto& t) { return t.id == *id; });
  if (own == tokens->end()) return make_error(ErrorCode::kNameUnknown, "API token not known");
  auto deleted = call.accounts().delete_api_token(*id);
  if (!deleted) return deleted.error();
  if (!*deleted) return make_error(ErrorCode::kNameUnknown, "API token not known");
  return once_recorded(record_change(call, kAccountChange, call.caller.name, std::nullopt,
                                     {{"change", "api_token_deleted"}, {"id", *id}, {"name", own->name}}),
                       no_content());
}

}  // namespace pier::api
