// api/local_users.h: creating a local user account, the one way both the management API
// (POST /api/v1/users) and the offline bootstrap (`pier user create --offline`) do it.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::api {

struct NewLocalUser {
  std::string name;
  std::string password;
  std::string email;
  bool superuser = false;
};

// The name (account grammar), password (8 to 1024 bytes) and email, each refused with a
// kBadRequest naming its field. Checked before anything else is asked.
Result<void> check_new_user(const NewLocalUser& user);

// A new password for an existing user: 8 to 1024 bytes, else kBadRequest naming "password".
Result<void> check_password(const std::string& password);

// Hashes the password (Argon2id: tens of milliseconds) and stores the user with its namespace.
// A taken name is kBadRequest saying so.
Result<meta::User> create_local_user(meta::AccountStore& accounts, const NewLocalUser& user, std::int64_t now);

}  // namespace pier::api
