#include "api/namespace_scope.h"

#include "api/account_names.h"
#include "api/authorize.h"

namespace pier::api {

Result<std::string_view> namespace_of_path(const Call& call) {
  const std::string& ns = call.params["ns"];
  if (auto checked = check_account_name("namespace", ns); !checked) return checked.error();
  auto kind = call.accounts().namespace_kind(ns);
  if (!kind) return kind.error();
  if (!*kind) return make_error(ErrorCode::kNameUnknown, "no such namespace: " + ns);
  return std::string_view(ns);
}

Result<std::string_view> managed_namespace(const Call& call) {
  auto ns = namespace_of_path(call);
  if (!ns) return ns.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, *ns); !allowed) return allowed.error();
  return ns;
}

}  // namespace pier::api
