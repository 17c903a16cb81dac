// api/change_log.h: the audit event of every change made through the management API.
//
// Written at once, in the request, not queued like registry traffic (access/audit_trail.h):
// changes are rare and each must be on record before it is reported done. A change whose event
// cannot be written is answered with the store's error (the change itself stays: no
// transaction spans both), so nobody is told of a change the log does not hold. `detail` says
// what changed ({"change": "team_created", ...}) and never holds a secret.
#pragma once

#include <optional>
#include <string_view>

#include <boost/json.hpp>

#include "api/handlers.h"
#include "common/error.h"

namespace pier::api {

// Users, organizations, teams and their members, robots, API tokens.
inline constexpr std::string_view kAccountChange = "account_change";
// Repositories created and deleted, tags moved and deleted.
inline constexpr std::string_view kRepositoryChange = "repository_change";
// Repository permissions and visibility, default permissions, role bindings, team roles.
inline constexpr std::string_view kPermissionChange = "permission_change";
// Jobs enqueued by an operator.
inline constexpr std::string_view kJobChange = "job_change";

Result<void> record_change(const Call& call, std::string_view action, std::string_view namespace_name,
                           std::optional<std::string_view> repository, boost::json::object detail);

// `response` if the change is on record, else the error that kept it off:
// `return once_recorded(record_change(...), no_content());`
inline Result<Response> once_recorded(Result<void> recorded, Response response) {
  if (!recorded) return recorded.error();
  return response;
}

}  // namespace pier::api
