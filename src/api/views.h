// api/views.h: how the management API shows stored records, in one place, so a record looks
// the same in every response. Times are Unix seconds; absent times are null. No view holds a
// secret or a hash of one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "meta/account_store.h"
#include "meta/job_store.h"

namespace pier::api {

// {name, email, superuser, kind}; `kind` is how the caller signed in ("user", "token") or
// "user" for a user shown to someone else.
boost::json::object user_view(const meta::User& user, std::string_view kind);
// {name, role, members}
boost::json::object team_view(const meta::Team& team, const std::vector<std::string>& members);
// {kind, name, role}
boost::json::object permission_view(const meta::Permission& permission);
// {role, kind, name}
boost::json::object role_binding_view(const meta::RoleBinding& binding);
// {name (full), description, created_at}
boost::json::object robot_view(const meta::Robot& robot);
// {id, name, scopes, created_at, expires_at, last_used_at}
boost::json::object token_view(const meta::ApiToken& token);
// {id, at, actor, actor_kind, client_address, action, namespace, repository, detail}
boost::json::object audit_event_view(const meta::AuditEvent& event);
// {id, kind, args, state, attempt, max_attempts, attempted_by, scheduled_at, attempted_at,
// finished_at, last_error}; attempted_by and last_error are null until there is one.
boost::json::object job_view(const meta::Job& job);

// Space-separated scopes as stored, as a JSON array.
boost::json::array scopes_view(std::string_view scopes);

}  // namespace pier::api
