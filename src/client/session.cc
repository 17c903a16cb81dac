#include "client/session.h"

#include "client/urls.h"

namespace pier::client {

Result<std::optional<Server>> resolve_server(const SessionSources& sources) {
  const ClientConfig* stored = sources.stored ? &*sources.stored : nullptr;
  std::string named = !sources.server_flag.empty() ? sources.server_flag : sources.server_env;
  Server server;
  if (named.empty()) {
    if (stored == nullptr) return std::optional<Server>();
    server.url = stored->server;
  } else {
    auto url = normalise_server_url(named);
    if (!url) return url.error();
    server.url = std::move(*url);
  }
  if (stored != nullptr && stored->server == server.url) {
    server.stored = *stored;
    server.tls = {stored->ca_file, stored->insecure_skip_tls_verify};
  }
  if (!sources.ca_file_flag.empty()) server.tls.ca_file = sources.ca_file_flag;
  if (sources.insecure_flag) server.tls.insecure_skip_verify = true;
  return std::optional<Server>(std::move(server));
}

Result<std::optional<Session>> resolve_session(const SessionSources& sources) {
  auto server = resolve_server(sources);
  if (!server) return server.error();
  if (!*server) return std::optional<Session>();
  std::string token = !sources.token_flag.empty() ? sources.token_flag : sources.token_env;
  if (token.empty() && (*server)->stored) token = (*server)->stored->token;
  if (token.empty()) return std::optional<Session>();
  return std::optional<Session>(Session{std::move(**server), std::move(token)});
}

}  // namespace pier::client
