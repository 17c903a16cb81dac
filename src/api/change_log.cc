#include "api/change_log.h"

#include "auth/authenticator.h"

namespace pier::api {

Result<void> record_change(const Call& call, std::string_view action, std::string_view namespace_name,
                           std::optional<std::string_view> repository, boost::json::object detail) {
  meta::AuditEvent event;
  event.at = call.now();
  event.actor = call.caller.name;
  event.actor_kind = auth::actor_kind_of(call.caller.kind);
  event.client_address = call.request.remote_address;
  event.action = std::string(action);
  event.namespace_name = std::string(namespace_name);
  if (repository) event.repository = std::string(*repository);
  event.detail = boost::json::serialize(detail);
  auto id = call.accounts().append_audit_event(event);
  if (!id) return id.error();
  return {};
}

}  // namespace pier::api
