// auth/bootstrap.h: the first superuser of a new installation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "meta/account_store.h"

namespace pier::auth {

inline constexpr std::string_view kBootstrapAdmin = "admin";

// If the store has no user at all, creates the local superuser "admin" with
// `configured_password` (e.g. from PIER_ADMIN_PASSWORD), or, when that is absent or empty, with a
// fresh random_token(). Returns the password only when it was generated, for the caller to show
// once; nullopt when it was configured or when users already exist (then nothing changes, even
// if the configured password differs from admin's). Hashing takes tens of milliseconds.
Result<std::optional<std::string>> ensure_admin(meta::AccountStore& accounts,
                                                std::optional<std::string> configured_password, std::int64_t now);

}  // namespace pier::auth
