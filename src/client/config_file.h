// client/config_file.h: where `pier login` keeps the server it signed in to and the API token
// it made there, for the client commands after it.
//
// One YAML file, $XDG_CONFIG_HOME/pier/config.yaml (~/.config/pier/config.yaml without it),
// holding one server. The token in it is a credential: the file is written whole to a new
// file of mode 0600 and renamed into place, so it is never readable by others nor half
// written; its folder is made 0700 when created. No password is ever stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/error.h"

namespace pier::client {

struct ClientConfig {
  std::string server;  // as normalise_server_url() gives it
  std::string user;    // who signed in
  std::string token;   // the API token, "pier_..."
  std::int64_t token_id = 0;  // its id on the server (0: unknown), for pier logout
  std::string ca_file;        // PEM CAs the server's certificate is checked against
  bool insecure_skip_tls_verify = false;
};

// The file's path given the values of XDG_CONFIG_HOME and HOME (null when unset). A relative
// XDG_CONFIG_HOME is ignored, as the XDG base directory specification says.
std::filesystem::path config_path(const char* xdg_config_home, const char* home);
// config_path() of this process's environment (HOME falls back to the password database).
std::filesystem::path default_config_path();

// nullopt when there is no file; kBadRequest naming the file when it cannot be read or is not
// what write_config() writes.
Result<std::optional<ClientConfig>> read_config(const std::filesystem::path& path);
Result<void> write_config(const std::filesystem::path& path, const ClientConfig& config);
// Succeeds when there is no file.
Result<void> remove_config(const std::filesystem::path& path);

}  // namespace pier::client
