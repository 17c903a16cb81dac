// The caller (GET /api/v1/user) and users (GET and POST /api/v1/users, DELETE
// /api/v1/users/{user}). Listing, creating and deleting users is for superusers.
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/paging.h"
#include "api/views.h"
#include "api/vocabulary.h"
#include "auth/password_hash.h"

namespace pier::api {

namespace {

constexpr std::size_t kMinPasswordLength = 8;
constexpr std::size_t kMaxPasswordLength = 1024;  // Argon2 cost does not depend on it; memory does
constexpr std::size_t kMaxEmailLength = 254;

Result<void> check_password(std::string_view password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return bad_field("password", "must be 8 to 1024 bytes long");
  }
  return {};
}

Result<void> check_email(std::string_view email) {
  if (email.size() > kMaxEmailLength) return bad_field("email", "too long");
  if (!email.empty() && email.find('@') == std::string_view::npos) return bad_field("email", "not an email address");
  return {};
}

}  // namespace

Result<Response> get_current_user(Call& call) {
  auto user = call.accounts().get_user(call.caller.name);
  if (!user) return user.error();
  auto view = user_view(*user, to_text(call.caller.kind));
  if (call.caller.kind == auth::PrincipalKind::kToken) {
    boost::json::array scopes;
    for (const auto& scope : call.caller.token_scopes) scopes.emplace_back(scope);
    view["scopes"] = std::move(scopes);
  }
  return json_response(200, view);
}

Result<Response> list_users(Call& call) {
  auto page = page_of(call.request);
  if (!page) return page.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto users = call.accounts().list_users(page->after, page->limit + 1);
  if (!users) return users.error();
  auto next = next_after(*users, page->limit, [](const meta::User& user) { return user.name; });
  boost::json::array views;
  for (const auto& user : *users) views.emplace_back(user_view(user, "user"));
  return json_response(200, boost::json::object{{"users", std::move(views)}, {"next", std::move(next)}});
}

Result<Response> create_user(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"name", "password", "email", "superuser"});
  if (!body) return body.error();
  auto name = body->string("name");
  if (!name) return name.error();
  if (auto checked = check_account_name("user", *name); !checked) return checked.error();
  auto password = body->string("password");
  if (!password) return password.error();
  if (auto checked = check_password(*password); !checked) return checked.error();
  auto email = body->optional_string("email");
  if (!email) return email.error();
  if (auto checked = check_email(email->value_or("")); !checked) return checked.error();
  auto superuser = body->optional_boolean("superuser");
  if (!superuser) return superuser.error();

  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto hash = auth::hash_password(*password);
  if (!hash) return hash.error();
  meta::NewUser user{*name, email->value_or(""), std::move(*hash), superuser->value_or(false),
                     meta::UserSource::kLocal};
  auto created = call.accounts().create_user(user, call.now());
  if (!created) {
    return explain_conflict(created.error(), "a user or organization named " + *name + " already exists");
  }
  return once_recorded(record_change(call, kAccountChange, *name, std::nullopt,
                                     {{"change", "user_created"}, {"user", *name}, {"superuser", created->superuser}}),
                       json_response(201, user_view(*created, "user")));
}

Result<Response> delete_user(Call& call) {
  const auto& name = call.params["user"];
  if (auto checked = check_account_name("user", name); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  // Another superuser can always undo a mistake; nobody could undo removing the last one.
  if (name == call.caller.name) return make_error(ErrorCode::kBadRequest, "you cannot delete your own account");
  if (auto deleted = call.accounts().delete_user(name); !deleted) return deleted.error();
  return once_recorded(record_change(call, kAccountChange, name, std::nullopt, {{"change", "user_deleted"}, {"user", name}}),
                       no_content());
}

}  // namespace pier::api
