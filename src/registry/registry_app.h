// registry/registry_app.h: the OCI distribution API as a RequestHandler.
#pragma once

#include <cstddef>

#include "common/request_handler.h"
#include "registry/handlers.h"

namespace pier::registry {

class RegistryApp final : public RequestHandler {
 public:
  explicit RegistryApp(RegistryServices services) : services_(services) {}

  Result<RequestPlan> plan(Request& request) override;
  Result<Reply> handle(Request& request) override;
  void decorate(Response& response) const override;

 private:
  RegistryServices services_;
};

}  // namespace pier::registry
