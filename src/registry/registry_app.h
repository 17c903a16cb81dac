// registry/registry_app.h: the OCI distribution API as a RequestHandler.
#pragma once

#include <cstddef>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/request_handler.h"
#include "registry/handlers.h"

namespace pier::registry {

// Every request is admitted by access::AccessControl before its handler runs; pushes, pulls
// of manifests and deletes are then recorded in the audit trail.
class RegistryApp final : public RequestHandler {
 public:
  RegistryApp(RegistryServices services, RegistryAccess access) : services_(services), access_(access) {}

  Result<RequestPlan> plan(Request& request) override;
  Result<Reply> handle(Request& request) override;
  void decorate(const Request& request, Response& response) const override;

 private:
  // Forwards to the handler of the request's route, for `caller`.
  Result<Reply> dispatch(Request& request, const access::Caller& caller);
  // The repository a blob mount takes its blob from: "from" if the caller may pull from it;
  // without "from", the first repository holding the blob that the caller may pull from.
  // nullopt when there is none, so that nothing tells the caller where else the blob exists.
  Result<std::optional<std::string>> mount_source(const Request& request, const access::Caller& caller);
  void audit(const Request& request, const access::Caller& caller, const Response& response);
  // A pull the namespace's signing policy refused.
  void audit_refusal(const Request& request, const access::Caller& caller, const Error& refusal);
  void record_event(const Request& request, const access::Caller& caller, std::string_view action,
                    boost::json::object detail);

  RegistryServices services_;
  RegistryAccess access_;
};

}  // namespace pier::registry
