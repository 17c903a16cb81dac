// cli/offline_user.h: `pier user create --offline`, which writes a local user straight into the
// metadata database of a Pier that need not be running (bootstrap, or a lost admin password),
// through the same checks and store call as the management API (api/local_users.h).
#pragma once

#include "api/local_users.h"
#include "cli/outcome.h"
#include "cli/wiring.h"

namespace pier::cli {

// The created user in the database of the server `target` configures (its --config file and
// --data-dir, as `pier serve` would be given them, and the PIER_* environment), or why not (a
// configuration error is a usage failure).
Outcome<meta::User> create_user_offline(const ServerFlags& target, const api::NewLocalUser& user);

}  // namespace pier::cli
