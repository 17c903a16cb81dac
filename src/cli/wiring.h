// cli/wiring.h: builds the object graph of a serving Pier from its Config.
#pragma once

#include <memory>

#include "config/config.h"

namespace pier::cli {

// Serves until SIGTERM/SIGINT. Returns the process exit code.
int serve(const config::Config& config);

// Opens the metadata store (applying migrations) and reports the schema version.
int migrate(const config::Config& config);

}  // namespace pier::cli
