// api/account_names.h: the grammar of the names the management API is given.
//
// Every name from a path or a body is checked here before any store call, so the store only
// ever sees names it can hold (meta/account_store.h relies on it). Repository names are
// checked by common/names.h.
#pragma once

#include <string_view>

#include "common/error.h"

namespace pier::api {

// Users, organizations and teams: [a-z0-9][a-z0-9_.-]{1,254} (is_valid_account_name of
// common/names.h). `what` names the kind in the message ("user", "team", ...). kBadRequest.
Result<void> check_account_name(std::string_view what, std::string_view name);
// A robot's short name: [a-z0-9][a-z0-9_]{0,254}.
Result<void> check_robot_name(std::string_view name);
// A robot's full name, "<namespace>+<short name>".
Result<void> check_robot_full_name(std::string_view name);

}  // namespace pier::api
