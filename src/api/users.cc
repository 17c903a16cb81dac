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
#include "api/local_users.h"

namespace pier::api {


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
  return json_response(200, page_body("users", *users, page->limit, [](const meta::User& user) { return user.name; },
                                      [](const meta::User& user) { return user_view(user, "user"); }));
}

Result<Response> create_user(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"name", "password", "email", "superuser"});
  if (!body) return body.error();
  auto name = body->string("name");
  if (!name) return name.error();
  if (auto checked = check_account_name("user", *name); !checked) return checked.error();
  auto password = body->string("password");
  if (!password) return password.error();
  auto email = body->optional_string("email");
  if (!email) return email.error();
  auto superuser = body->optional_boolean("superuser");
  if (!superuser) return superuser.error();
  const NewLocalUser user{*name, std::move(*password), email->value_or(""), superuser->value_or(false)};
  if (auto checked = check_new_user(user); !checked) return checked.error();

  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  auto created = create_local_user(call.accounts(), user, call.now());
  if (!created) return created.error();
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
