// cli/wiring.h: builds the object graph of a serving Pier from its Config.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "meta/account_store.h"

namespace pier::cli {

// Where a server's settings come from besides the PIER_* environment: the flags of `pier serve`
// (empty: not given).
struct ServerFlags {
  std::string config_file;
  std::string listen;
  std::string data_dir;
  std::string log_level;
};

// Defaults, then the file, the environment and the flags. Throws config::InvalidConfig.
config::Config load_server_config(const ServerFlags& flags);

// The account store of the configured backend, its folder created and its schema migrated.
std::unique_ptr<meta::AccountStore> open_account_store(const config::Config& config);

// Serves until SIGTERM/SIGINT. Returns the process exit code.
int serve(const config::Config& config);

// Opens the metadata store (applying migrations) and reports the schema version; with `to` (a
// PostgreSQL URI), copies the embedded SQLite metadata there instead.
int migrate(const config::Config& config, const std::string& to);
// Copies the blobs of a filesystem store at `from` into the configured S3 bucket.
int copy_blobs_to_bucket(const config::Config& config, const std::string& from);

}  // namespace pier::cli
