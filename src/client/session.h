// client/session.h: which server a client command talks to, and with which token.
//
// Each comes from, in decreasing priority: the command's flags (--server, --token), the
// environment (PIER_SERVER, PIER_TOKEN), the config file pier login wrote. The stored token
// is used only with the stored server: naming another server without naming a token gives
// no session, so a token is never sent to a server it was not made for. The stored TLS
// settings go with the stored server too; --ca-file and --insecure-skip-tls-verify add to
// them.
#pragma once

#include <optional>
#include <string>

#include "client/config_file.h"
#include "client/http_client.h"
#include "common/error.h"

namespace pier::client {

struct SessionSources {
  // Flags; empty when not given.
  std::string server_flag;
  std::string token_flag;
  std::string ca_file_flag;
  bool insecure_flag = false;
  // PIER_SERVER and PIER_TOKEN; empty when unset.
  std::string server_env;
  std::string token_env;
  std::optional<ClientConfig> stored;
};

struct Server {
  std::string url;  // normalised
  TlsOptions tls;
  std::optional<ClientConfig> stored;  // the config file's entry, when `url` is its server
};

struct Session {
  Server server;
  std::string token;
};

// nullopt when no server is named anywhere; kBadRequest for a server that is not a URL or
// host[:port].
Result<std::optional<Server>> resolve_server(const SessionSources& sources);
// nullopt when there is no server, or no token for it.
Result<std::optional<Session>> resolve_session(const SessionSources& sources);

}  // namespace pier::client
