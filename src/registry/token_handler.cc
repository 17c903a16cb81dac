// The token endpoint (distribution's docs/spec/auth/token.md and oauth.md):
//   GET  /v2/auth?service=...&scope=...[&scope=...][&offline_token=true]  with Basic credentials
//        or none (an anonymous token);
//   POST /v2/auth  form: grant_type=password (username, password) or refresh_token
//        (refresh_token), service, scope (space-separated), access_type=offline for a refresh token.
#include <boost/json.hpp>
#include <boost/url.hpp>

#include "common/text.h"
#include "registry/handlers.h"

namespace pier::registry {

namespace {

Result<std::vector<access::Scope>> read_scopes(const std::vector<std::string_view>& texts) {
  std::vector<access::Scope> scopes;
  for (const auto text : texts) {
    // OAuth2 joins several scopes with spaces in one parameter.
    for (const auto one : split_list(text, ' ')) {
      auto scope = access::parse_scope(one);
      if (!scope) return make_error(ErrorCode::kBadRequest, "malformed scope: expected type:name:actions");
      scopes.push_back(std::move(*scope));
    }
  }
  return scopes;
}

Result<void> check_service(const access::TokenIssuer& tokens, std::optional<std::string_view> service) {
  if (service && !service->empty() && *service != tokens.options().service) {
    return make_error(ErrorCode::kBadRequest, "unknown service \"" + std::string(*service) + "\"");
  }
  return {};
}

// A failed sign-in at the token endpoint: 401, with a Basic challenge so a person at a
// browser or curl is asked for credentials.
Error sign_in_failed(Error error) {
  if (error.code == ErrorCode::kUnauthorized) error.headers.emplace_back("WWW-Authenticate", "Basic realm=\"pier\"");
  return error;
}

Response token_response(const access::IssuedToken& issued, bool oauth, const std::vector<access::Scope>& scopes) {
  namespace json = boost::json;
  json::object body;
  if (!oauth) body["token"] = issued.token;
  body["access_token"] = issued.token;
  body["expires_in"] = issued.expires_in;
  body["issued_at"] = json::string(format_utc(issued.issued_at));
  if (issued.refresh_token) body["refresh_token"] = *issued.refresh_token;
  if (oauth) {
    std::string scope;
    for (const auto& s : scopes) scope += (scope.empty() ? "" : " ") + access::format_scope(s);
    body["scope"] = scope;
  }
  Response response = json_response(json::serialize(body));
  response.header("Cache-Control", "no-store");
  return response;
}

struct Form {
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::string_view> get(std::string_view name) const {
    for (const auto& [key, value] : fields) {
      if (key == name) return std::string_view(value);
    }
    return std::nullopt;
  }
  std::vector<std::string_view> all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const auto& [key, value] : fields) {
      if (key == name) values.emplace_back(value);
    }
    return values;
  }
};

Result<Form> parse_form(std::string_view body) {
  auto query = boost::urls::parse_query(body);
  if (!query) return make_error(ErrorCode::kBadRequest, "malformed form body");
  Form form;
  boost::urls::encoding_opts plus_is_space(true, false, false);
  for (auto param : *query) {
    form.fields.emplace_back(param.key.decode(plus_is_space),
                             param.has_value ? param.value.decode(plus_is_space) : std::string());
  }
  return form;
}

Result<Reply> get_token(RegistryAccess& a, Request& request) {
  if (auto checked = check_service(a.tokens, request.query_param("service")); !checked) return checked.error();
  auto scopes = read_scopes(request.query_params("scope"));
  if (!scopes) return scopes.error();
  auth::Principal principal;
  if (!request.header("authorization").empty()) {
    auto signed_in = a.control.authenticate_basic(request);
    if (!signed_in) return sign_in_failed(signed_in.error());
    principal = std::move(*signed_in);
  }
  const bool offline = request.query_param("offline_token").value_or("") == "true";
  auto issued = a.tokens.issue(principal, *scopes, offline);
  if (!issued) return issued.error();
  return Reply(token_response(*issued, false, *scopes));
}

Result<Reply> post_token(RegistryAccess& a, Request& request) {
  auto form = parse_form(request.body);
  if (!form) return form.error();
  if (auto checked = check_service(a.tokens, form->get("service")); !checked) return checked.error();
  auto scopes = read_scopes(form->all("scope"));
  if (!scopes) return scopes.error();
  const std::string_view grant = form->get("grant_type").value_or("");
  Result<auth::Principal> principal = make_error(ErrorCode::kBadRequest, "grant_type must be password or refresh_token");
  if (grant == "password") {
    principal = a.control.authenticate(form->get("username").value_or(""), form->get("password").value_or(""),
                                       request.remote_address);
  } else if (grant == "refresh_token") {
    principal = a.tokens.redeem_refresh_token(form->get("refresh_token").value_or(""));
  }
  if (!principal) return sign_in_failed(principal.error());
  const bool offline = form->get("access_type").value_or("") == "offline";
  auto issued = a.tokens.issue(*principal, *scopes, offline);
  if (!issued) return issued.error();
  return Reply(token_response(*issued, true, *scopes));
}

}  // namespace

Result<Reply> issue_token(RegistryAccess& a, Request& request) {
  return request.method == Method::kPost ? post_token(a, request) : get_token(a, request);
}

}  // namespace pier::registry
