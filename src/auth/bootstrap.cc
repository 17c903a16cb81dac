#include "auth/bootstrap.h"

#include "auth/password_hash.h"
#include "auth/secrets.h"

namespace pier::auth {

Result<std::optional<std::string>> ensure_admin(meta::AccountStore& accounts,
                                                std::optional<std::string> configured_password, std::int64_t now) {
  auto users = accounts.list_users("", 1);
  if (!users) return users.error();
  if (!users->empty()) return std::optional<std::string>();

  const bool generated = !configured_password || configured_password->empty();
  std::string password;
  if (generated) {
    auto token = random_token();
    if (!token) return token.error();
    password = std::move(*token);
  } else {
    password = std::move(*configured_password);
  }
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  auto created = accounts.create_user(
      meta::NewUser{std::string(kBootstrapAdmin), "", std::move(*hash), true, meta::UserSource::kLocal}, now);
  if (!created) {
    // Replicas starting together on a new database race to create it: one wins, and the
    // others find the account made, which is all they wanted.
    const bool made_by_another = created.error().code == ErrorCode::kBadRequest &&
                                 created.error().message == "already exists";
    if (made_by_another) return std::optional<std::string>();
    return created.error();
  }
  if (!generated) return std::optional<std::string>();
  return std::optional<std::string>(std::move(password));
}

}  // namespace pier::auth
