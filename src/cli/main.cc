// The pier binary: `pier serve`, `pier migrate`, `pier config check`, and the client
// commands that manage a running Pier (cli/client_commands.h).
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/client_commands.h"
#include "cli/outcome.h"
#include "cli/wiring.h"
#include "config/config.h"

namespace {

void add_common_flags(CLI::App& command, pier::cli::ServerFlags& flags) {
  command.add_option("--config", flags.config_file, "YAML configuration file")->check(CLI::ExistingFile);
  command.add_option("--listen", flags.listen, "address to serve on, [host]:port (default :5000)");
  command.add_option("--data-dir", flags.data_dir, "folder for the embedded database and blobs (default ./var)");
  command.add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
}

std::string keys_help() {
  std::string text = "\nConfiguration keys (YAML key / environment variable):\n";
  for (const auto& key : pier::config::config_keys()) {
    text += "  " + key.key + " / " + key.env + "\n      " + key.description + "\n";
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // Blocks of 4 MiB and more are mapped and unmapped, never kept in malloc's arenas: glibc
  // otherwise raises its threshold after the first such block is freed, and the 19 MiB of
  // each Argon2 sign-in then stayed in the arenas of the threads that had them (400 MiB
  // after a few dozen sign-ins at once).
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  CLI::App app{"Pier: a container image registry"};
  app.require_subcommand(1);
  pier::cli::ServerFlags flags;

  auto* serve = app.add_subcommand("serve", "serve the registry");
  add_common_flags(*serve, flags);
  serve->footer(keys_help());
  auto* migrate = app.add_subcommand("migrate", "create or upgrade the metadata database, then exit");
  add_common_flags(*migrate, flags);
  std::string migrate_to;
  migrate->add_option("--to", migrate_to,
                      "copy the embedded (SQLite) metadata into this empty PostgreSQL database (a libpq URI)");
  std::string blobs_from;
  migrate->add_option("--blobs-from", blobs_from,
                      "copy the blobs of this filesystem store (e.g. ./var/blobs) into the S3 bucket configured "
                      "(storage.driver: s3)")
      ->check(CLI::ExistingDirectory);
  auto* config = app.add_subcommand("config", "configuration tools");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "validate the configuration and exit (2 if invalid)");
  add_common_flags(*check, flags);

  pier::cli::ClientCommands client(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every usage error exits 2, whatever CLI11's own code for it.
    return app.exit(e) == 0 ? 0 : pier::cli::kExitUsage;
  }
  if (auto code = client.run()) return *code;
  try {
    const auto loaded = pier::cli::load_server_config(flags);
    if (*serve) return pier::cli::serve(loaded);
    if (*migrate && !blobs_from.empty()) return pier::cli::copy_blobs_to_bucket(loaded, blobs_from);
    if (*migrate) return pier::cli::migrate(loaded, migrate_to);
    if (*check) {
      std::printf("configuration is valid\n");
      return 0;
    }
  } catch (const pier::config::InvalidConfig& e) {
    for (const auto& error : e.errors) std::fprintf(stderr, "pier: config: %s: %s\n", error.key.c_str(), error.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pier: %s\n", e.what());
    return 1;
  }
  return 0;
}
