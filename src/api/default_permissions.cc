// Default permissions of an organization: given to each repository created in it, on its first
// push (access/repository_policy.h). For whoever may manage the organization:
//   GET    /api/v1/organizations/{org}/default-permissions               -> {default_permissions: [{kind, name, role}]}
//   PUT    /api/v1/organizations/{org}/default-permissions/{kind}/{name} {role: read|write|admin}
//   DELETE /api/v1/organizations/{org}/default-permissions/{kind}/{name}
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/subjects.h"
#include "api/views.h"
#include "api/vocabulary.h"

namespace pier::api {

Result<Response> list_default_permissions(Call& call) {
  const auto& org = call.params["org"];
  if (auto checked = check_account_name("organization", org); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();
  auto permissions = call.accounts().list_default_permissions(org);
  if (!permissions) return permissions.error();
  boost::json::array views;
  for (const auto& permission : *permissions) views.emplace_back(permission_view(permission));
  return json_response(200, boost::json::object{{"default_permissions", std::move(views)}});
}

Result<Response> put_default_permission(Call& call) {
  const auto& org = call.params["org"];
  if (auto checked = check_account_name("organization", org); !checked) return checked.error();
  auto grant = parse_requested_grant(call.params["kind"], call.params["name"], call.request.body);
  if (!grant) return grant.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();

  auto subject = find_subject(call.accounts(), grant->subject, org);
  if (!subject) return subject.error();
  if (auto set = call.accounts().set_default_permission(org, *subject, grant->role); !set) return set.error();
  const meta::Permission permission{*subject, std::string(grant->subject.name), grant->role};
  return once_recorded(record_change(call, kPermissionChange, org, std::nullopt,
                                     {{"change", "default_permission_set"},
                                      {"kind", call.params["kind"]},
                                      {"name", grant->subject.name},
                                      {"role", grant->role_text}}),
                       json_response(200, permission_view(permission)));
}

Result<Response> delete_default_permission(Call& call) {
  const auto& org = call.params["org"];
  if (auto checked = check_account_name("organization", org); !checked) return checked.error();
  auto subject_name = parse_subject(call.params["kind"], call.params["name"]);
  if (!subject_name) return subject_name.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, org); !allowed) return allowed.error();

  auto subject = find_subject(call.accounts(), *subject_name, org);
  if (!subject) return subject.error();
  auto removed = call.accounts().remove_default_permission(org, *subject);
  if (!removed) return removed.error();
  if (!*removed) return make_error(ErrorCode::kNameUnknown, "no such default permission");
  return once_recorded(
      record_change(call, kPermissionChange, org, std::nullopt,
                    {{"change", "default_permission_removed"}, {"kind", call.params["kind"]}, {"name", subject_name->name}}),
      no_content());
}

}  // namespace pier::api
