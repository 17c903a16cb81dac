#include "api/authorize.h"

#include <string>

namespace pier::api {

namespace {

Error refused(std::string what) { return make_error(ErrorCode::kDenied, "not allowed to " + std::move(what)); }

}  // namespace

Result<auth::Decision> decide(const Call& call, auth::NamespaceAction action, std::string_view namespace_name) {
  meta::NamespaceGrants grants;  // exists == false: a caller whose account is gone may do nothing
  auto subject = call.services.policy.subject_of(call.caller);
  if (!subject) return subject.error();
  if (*subject) {
    auto loaded = call.accounts().namespace_grants_for((*subject)->kind, (*subject)->id, namespace_name);
    if (!loaded) return loaded.error();
    grants = std::move(*loaded);
  }
  return auth::decide_namespace(call.caller, action, grants);
}

Result<void> require(const Call& call, auth::NamespaceAction action, std::string_view namespace_name) {
  auto decision = decide(call, action, namespace_name);
  if (!decision) return decision.error();
  if (decision->allowed) return {};
  std::string what(auth::action_name(action));
  if (!namespace_name.empty()) what += " " + std::string(namespace_name);
  return refused(std::move(what));
}

Result<auth::Decision> decide_repository(const Call& call, auth::Action action, std::string_view repository) {
  return call.services.policy.decide(call.caller, action, repository);
}

Result<void> require_repository(const Call& call, auth::Action action, std::string_view repository) {
  auto decision = decide_repository(call, action, repository);
  if (!decision) return decision.error();
  if (decision->allowed) return {};
  return refused(std::string(auth::action_name(action)) + " the repository " + std::string(repository));
}

Result<void> require_repository_admin(const Call& call, std::string_view repository) {
  return require_repository(call, auth::Action::kManage, repository);
}

}  // namespace pier::api
