// The caller (GET and PATCH /api/v1/user) and users (GET and POST /api/v1/users, PATCH and
// DELETE /api/v1/users/{user}). Listing, creating, changing and deleting users is for
// superusers; anyone signed in with a password may change their own, giving the current one.
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/namespace_content.h"
#include "api/json_body.h"
#include "api/paging.h"
#include "api/views.h"
#include "api/vocabulary.h"
#include "api/local_users.h"
#include "api/session_cookie.h"
#include "auth/password_hash.h"

namespace pier::api {

namespace {

// Hashes and stores a new password for `name`. Their web UI sessions end, as they were begun
// with the old password; the one this request came with, if it is theirs, goes on.
Result<void> set_password(const Call& call, const std::string& name, const std::string& password) {
  auto hashed = auth::hash_password(password);
  if (!hashed) return hashed.error();
  std::optional<std::string_view> kept;
  if (name == call.caller.name) kept = session_secret(call.request);
  return call.services.sessions.set_password_hash(name, *hashed, kept);
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

Result<Response> change_own_password(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"current_password", "password"});
  if (!body) return body.error();
  auto current = body->string("current_password");
  if (!current) return current.error();
  auto password = body->string("password");
  if (!password) return password.error();
  if (auto checked = check_password(*password); !checked) return checked.error();
  // An API token stands for a user without their password, so it cannot change it.
  if (call.caller.kind != auth::PrincipalKind::kUser) {
    return make_error(ErrorCode::kDenied, "sign in with your password to change it");
  }
  auto user = call.accounts().get_user(call.caller.name);
  if (!user) return user.error();
  if (user->source != meta::UserSource::kLocal) {
    return bad_field("password", "you sign in through the directory; change your password there");
  }
  // Checked like any sign-in (throttled and audited), and it must be the password itself.
  auto confirmed =
      call.services.authenticator.authenticate_basic(call.caller.name, *current, call.request.remote_address);
  if (!confirmed) {
    if (confirmed.error().code != ErrorCode::kUnauthorized) return confirmed.error();
    return make_error(ErrorCode::kDenied, "the current password is wrong");
  }
  if (confirmed->kind != auth::PrincipalKind::kUser) {
    return make_error(ErrorCode::kDenied, "the current password is wrong");
  }
  if (auto r = set_password(call, call.caller.name, *password); !r) return r.error();
  return once_recorded(record_change(call, kAccountChange, call.caller.name, std::nullopt,
                                     {{"change", "password_changed"}, {"user", call.caller.name}}),
                       json_response(200, user_view(*user, "user")));
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

// Sets a user's password, superuser flag or disabled flag; any of them, at least one. A
// superuser cannot take either away from themselves, so the registry always keeps one who
// can sign in and administer it.
Result<Response> update_user(Call& call) {
  const auto& name = call.params["user"];
  if (auto checked = check_account_name("user", name); !checked) return checked.error();
  auto body = JsonBody::parse(call.request.body, {"password", "superuser", "disabled"});
  if (!body) return body.error();
  auto password = body->optional_string("password");
  if (!password) return password.error();
  auto superuser = body->optional_boolean("superuser");
  if (!superuser) return superuser.error();
  auto disabled = body->optional_boolean("disabled");
  if (!disabled) return disabled.error();
  if (!*password && !*superuser && !*disabled) {
    return make_error(ErrorCode::kBadRequest, "nothing to change: give password, superuser or disabled");
  }
  if (*password) {
    if (auto checked = check_password(**password); !checked) return checked.error();
  }
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  if (name == call.caller.name && ((*superuser && !**superuser) || (*disabled && **disabled))) {
    return make_error(ErrorCode::kBadRequest, "you cannot take superuser away from or disable your own account");
  }
  auto user = call.accounts().get_user(name);
  if (!user) return user.error();
  if (*password && user->source != meta::UserSource::kLocal) {
    return bad_field("password", "this user signs in through the directory; change the password there");
  }
  if (*password) {
    if (auto r = set_password(call, name, **password); !r) return r.error();
  }
  if (*superuser) {
    if (auto r = call.accounts().set_superuser(name, **superuser); !r) return r.error();
    user->superuser = **superuser;
  }
  if (*disabled) {
    if (auto r = call.accounts().set_disabled(name, **disabled); !r) return r.error();
    user->disabled = **disabled;
  }
  boost::json::object change{{"change", "user_updated"}, {"user", name}, {"password_changed", password->has_value()}};
  if (*superuser) change["superuser"] = **superuser;
  if (*disabled) change["disabled"] = **disabled;
  return once_recorded(record_change(call, kAccountChange, name, std::nullopt, std::move(change)),
                       json_response(200, user_view(*user, "user")));
}

Result<Response> delete_user(Call& call) {
  const auto& name = call.params["user"];
  if (auto checked = check_account_name("user", name); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kAdministerRegistry); !allowed) return allowed.error();
  // Another superuser can always undo a mistake; nobody could undo removing the last one.
  if (name == call.caller.name) return make_error(ErrorCode::kBadRequest, "you cannot delete your own account");
  auto kind = call.accounts().namespace_kind(name);
  if (!kind) return kind.error();
  if (*kind == "user") {
    if (auto removed = remove_namespace_content(call, name); !removed) return removed.error();
  }
  if (auto deleted = call.accounts().delete_user(name); !deleted) return deleted.error();
  return once_recorded(record_change(call, kAccountChange, name, std::nullopt, {{"change", "user_deleted"}, {"user", name}}),
                       no_content());
}

}  // namespace pier::api
