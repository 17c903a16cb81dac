// client/api_client.h: calls to the management API (/api/v1) of one Pier.
//
// JSON in and out. A 2xx answer is its JSON body (null for an empty one, as 204 has); any other
// status becomes an Error whose message is the server's own (the first "message" of its
// {"errors": [...]} body) and whose code follows the status: kUnauthorized for 401, kDenied
// for 403, kNameUnknown for 404, kTooManyRequests for 429, kUnavailable for 503 and for no
// answer at all, kInternal for other 5xx, kBadRequest for other 4xx.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <variant>

#include <boost/json.hpp>

#include "client/http_client.h"
#include "common/error.h"

namespace pier::client {

struct BearerToken {
  std::string token;
};

// A password (HTTP Basic) or an API token (Bearer).
using Credentials = std::variant<BasicAuth, BearerToken>;

class ApiClient {
 public:
  // `server` as normalise_server_url() gives it.
  ApiClient(std::string server, TlsOptions tls, Credentials credentials);

  const std::string& server() const { return server_; }

  // `path` is under /api/v1 and already encoded (urls.h), e.g. "/organizations/acme/teams".
  Result<boost::json::value> get(std::string_view path);
  Result<boost::json::value> post(std::string_view path, const boost::json::value& body);
  Result<boost::json::value> put(std::string_view path, const boost::json::value& body);
  Result<boost::json::value> patch(std::string_view path, const boost::json::value& body);
  Result<boost::json::value> remove(std::string_view path);  // DELETE
  // A POST whose body is not JSON built here: a file as it is (a zip, a JSON document).
  Result<boost::json::value> post_bytes(std::string_view path, std::string bytes, std::string_view content_type);

 private:
  Result<boost::json::value> call(std::string_view method, std::string_view path, const boost::json::value* body);
  Result<boost::json::value> send(std::string_view method, std::string_view path,
                                  std::optional<std::pair<std::string, std::string>> body_and_type);

  std::string server_;
  Credentials credentials_;
  HttpClient http_;
};

// The Error an API answer with a status outside 2xx stands for (see the top of this file).
Error api_error(long status, std::string_view body);

}  // namespace pier::client
