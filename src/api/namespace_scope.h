// api/namespace_scope.h: the {ns} of a route's path, checked to exist and authorized.
#pragma once

#include <string_view>

#include "api/handlers.h"

namespace pier::api {

// The {ns} parameter: a valid account name (kBadRequest) of an existing user or organization
// (kNameUnknown).
Result<std::string_view> namespace_of_path(const Call& call);
// namespace_of_path(), for a caller who may manage the namespace (kDenied otherwise).
Result<std::string_view> managed_namespace(const Call& call);

}  // namespace pier::api
