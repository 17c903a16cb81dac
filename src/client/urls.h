// client/urls.h: the URLs the client commands send requests to.
//
// A user names a server as host[:port] or as a URL; normalise_server_url() turns either into
// scheme://host[:port], the one form stored in the config file and compared to tell whether a
// stored token belongs to a server. Without a scheme, http:// is assumed only for the loopback
// names (localhost, 127.0.0.1, [::1]), where nothing crosses a network; any other host gets
// https://. A URL may not carry a path (Pier serves /v2/ and /api/v1/ at the root), a query
// or credentials (they would end up in the config file).
//
// Paths and queries under the server are built from percent-encoded pieces, so no name a user
// types can change which endpoint is called.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace pier::client {

// kBadRequest saying what is wrong with `text`.
Result<std::string> normalise_server_url(std::string_view text);

// One path segment: everything outside RFC 3986's pchar, '/' included, as %XX.
std::string path_segment(std::string_view text);

// A repository name as a path: each '/'-separated component a segment.
std::string repository_path(std::string_view name);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "?name=value&..." with names and values encoded, or "" when there are no parameters.
std::string query_string(const QueryParams& params);

}  // namespace pier::client
