// client/http_client.h: one HTTP exchange at a time, over libcurl.
//
// libcurl stays inside http_client.cc. A client keeps one connection open between requests
// (a command that makes two calls pays for one TLS handshake). Redirects are not followed,
// so credentials never go anywhere the user did not name; only http and https are spoken.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"

namespace pier::client {

// How the server's certificate is checked: against the system's CAs, or `ca_file` (PEM)
// when set; not at all when insecure_skip_verify (for test installations).
struct TlsOptions {
  std::string ca_file;
  bool insecure_skip_verify = false;
};

struct BasicAuth {
  std::string user;
  std::string password;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;   // sent with a Content-Length when set
  std::optional<BasicAuth> basic_auth;
  // The whole exchange, connecting included. The client's 120 s: creating a user hashes a
  // password with Argon2 server-side.
  std::chrono::seconds timeout{120};
  std::string user_agent = "pier-cli";
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(TlsOptions tls);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // The response, whatever its status. kUnavailable when no response came (name lookup,
  // connection, TLS, timeout), saying why.
  Result<HttpResponse> send(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pier::client
