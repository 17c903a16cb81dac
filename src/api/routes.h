// api/routes.h: the routes of the management API under /api/v1, as one table.
//
// Each route is a method, a path pattern and its handler. A pattern is literal segments and
// {parameters}, each standing for one non-empty path segment, and at most one {name...} that
// takes one or more segments joined with '/' (repository names hold slashes): the segments
// before it are matched from the left and those after it from the right, so
// /api/v1/repositories/team/app/permissions/user/bob is repository "team/app". Parameters are
// matched only by shape: handlers validate their values before anything else sees them.
//
// The table is tried in order and the first route whose pattern and method both match wins, so
// routes with the longer literal suffix come first (a repository named ".../permissions/user"
// would otherwise be ambiguous). A path that some route matches with another method is
// kMethodNotAllowed; any other is kRouteUnknown.
//
// Every route but four is for callers who signed in. /api/v1/session (POST, GET, DELETE) signs
// a browser in and out by itself; GET /api/v1/openapi.json, the OpenAPI document of these routes
// (api/openapi.json), is for anyone: it describes the API and holds no data. route_templates()
// shows the table as that document names it, so a test can hold the two equal.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/message.h"

namespace pier::api {

struct Call;
using Handler = Result<Response> (*)(Call& call);

enum class Access {
  kSignedIn,   // the caller signs in first (credentials or a session)
  kSigningIn,  // the handler is called with an anonymous caller and signs it in itself (may block)
  kAnyone,     // the handler is called with an anonymous caller and serves what anyone may see
};

struct Route {
  Method method;
  std::string_view pattern;  // e.g. "/api/v1/organizations/{org}/teams/{team}"
  std::string_view label;    // a fixed label for metrics and the access log
  Handler handler;
  Access access = Access::kSignedIn;
  std::size_t body_limit = 0;  // bytes a request body may have; 0: management_app.h's kMaxBodyBytes
};

// Vulnerability data as osv.dev publishes it: a zip of an ecosystem's records.
inline constexpr std::size_t kMaxImportBytes = std::size_t{512} << 20;

// The values of a matched route's parameters, by the names in its pattern.
class RouteParams {
 public:
  void add(std::string_view name, std::string value) { values_.emplace_back(name, std::move(value)); }
  // The value of `name`; empty if the pattern has no such parameter.
  const std::string& operator[](std::string_view name) const;

 private:
  std::vector<std::pair<std::string_view, std::string>> values_;
};

// Every route, in matching order.
std::span<const Route> routes();

// The index in routes() of the route for this method and path.
Result<std::size_t> match_route(Method method, const std::vector<std::string>& path);

// The parameters of `path` under `pattern`, or nullopt if it does not match.
std::optional<RouteParams> match_pattern(std::string_view pattern, const std::vector<std::string>& path);

// A route as an OpenAPI document names it: its path below /api/v1 (the document's server) with
// every parameter as {name}, the greedy one too, e.g. "/repositories/{repository}/permissions".
struct RouteTemplate {
  Method method;
  std::string path;
  std::vector<std::string_view> parameters;  // the names in `path`, in order
  Access access;
};

// One per route, in matching order.
std::vector<RouteTemplate> route_templates();

}  // namespace pier::api
