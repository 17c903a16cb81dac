// api/authorize.h: the management API's questions to the authorizer.
//
// Every permission check of the API is one of these. They load what the stores know about the
// caller and ask auth::decide_namespace, or, for a repository's permissions and visibility,
// access::RepositoryPolicy (auth::decide with Action::kManage), so the rules live in
// auth/authorizer.h alone. A refusal is kDenied saying what was refused, never why (the reason
// is for logs: "principal is disabled" would tell too much); a failing store is its own error,
// never an allow or a deny.
#pragma once

#include <string_view>

#include "api/handlers.h"
#include "auth/authorizer.h"
#include "common/error.h"

namespace pier::api {

// `namespace_name` is the namespace the action is about; empty for actions about none.
Result<auth::Decision> decide(const Call& call, auth::NamespaceAction action, std::string_view namespace_name = {});
Result<void> require(const Call& call, auth::NamespaceAction action, std::string_view namespace_name = {});
// `action` on a repository, through access::RepositoryPolicy. A push to a repository that does
// not exist is creating it (and sets its first permissions, see repository_policy.h).
Result<auth::Decision> decide_repository(const Call& call, auth::Action action, std::string_view repository);
Result<void> require_repository(const Call& call, auth::Action action, std::string_view repository);
Result<void> require_repository_admin(const Call& call, std::string_view repository);

}  // namespace pier::api
