#include "api/local_users.h"

#include "api/account_names.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "auth/password_hash.h"

namespace pier::api {

namespace {

constexpr std::size_t kMinPasswordLength = 8;
constexpr std::size_t kMaxPasswordLength = 1024;  // Argon2 cost does not depend on it; memory does
constexpr std::size_t kMaxEmailLength = 254;

}  // namespace

Result<void> check_password(const std::string& password) {
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return bad_field("password", "must be 8 to 1024 bytes long");
  }
  return {};
}

Result<void> check_new_user(const NewLocalUser& user) {
  if (auto checked = check_account_name("user", user.name); !checked) return checked.error();
  if (auto checked = check_password(user.password); !checked) return checked.error();
  if (user.email.size() > kMaxEmailLength) return bad_field("email", "too long");
  if (!user.email.empty() && user.email.find('@') == std::string::npos) {
    return bad_field("email", "not an email address");
  }
  return {};
}

Result<meta::User> create_local_user(meta::AccountStore& accounts, const NewLocalUser& user, std::int64_t now) {
  auto hash = auth::hash_password(user.password);
  if (!hash) return hash.error();
  auto created =
      accounts.create_user(meta::NewUser{user.name, user.email, std::move(*hash), user.superuser, meta::UserSource::kLocal},
                           now);
  if (!created) return explain_conflict(created.error(), "a user or organization named " + user.name + " already exists");
  return created;
}

}  // namespace pier::api
