// Permissions and visibility of a repository, for whoever may manage it (auth::decide with
// Action::kManage, through access::RepositoryPolicy):
//   GET    /api/v1/repositories/{repository...}/permissions               -> {permissions: [{kind, name, role}]}
//   PUT    /api/v1/repositories/{repository...}/permissions/{kind}/{name} {role: read|write|admin}
//   DELETE /api/v1/repositories/{repository...}/permissions/{kind}/{name}
//   PUT    /api/v1/repositories/{repository...}/visibility {public: true|false}
// A repository need not exist yet: its permissions and visibility may be set before the first
// push (which adds the organization's default permissions to them). Teams are those of the
// repository's organization.
#include "access/repository_policy.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/subjects.h"
#include "api/views.h"
#include "api/vocabulary.h"
#include "common/names.h"

namespace pier::api {

namespace {

Result<void> record_permission_change(Call& call, std::string_view repository, boost::json::object detail) {
  return record_change(call, kPermissionChange, access::namespace_of(repository), repository, std::move(detail));
}

}  // namespace

Result<Response> list_permissions(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();
  auto permissions = call.accounts().list_permissions(*repository);
  if (!permissions) return permissions.error();
  boost::json::array views;
  for (const auto& permission : *permissions) views.emplace_back(permission_view(permission));
  return json_response(200, boost::json::object{{"permissions", std::move(views)}});
}

Result<Response> put_permission(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto grant = parse_requested_grant(call.params["kind"], call.params["name"], call.request.body);
  if (!grant) return grant.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();

  auto subject = find_subject(call.accounts(), grant->subject, access::namespace_of(*repository));
  if (!subject) return subject.error();
  if (auto granted = call.accounts().grant_permission(*repository, *subject, grant->role); !granted) return granted.error();
  const meta::Permission permission{*subject, std::string(grant->subject.name), grant->role};
  return once_recorded(record_permission_change(call, *repository,
                                                {{"change", "permission_granted"},
                                                 {"kind", call.params["kind"]},
                                                 {"name", grant->subject.name},
                                                 {"role", grant->role_text}}),
                       json_response(200, permission_view(permission)));
}

Result<Response> delete_permission(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto subject_name = parse_subject(call.params["kind"], call.params["name"]);
  if (!subject_name) return subject_name.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();

  auto subject = find_subject(call.accounts(), *subject_name, access::namespace_of(*repository));
  if (!subject) return subject.error();
  auto revoked = call.accounts().revoke_permission(*repository, *subject);
  if (!revoked) return revoked.error();
  if (!*revoked) return make_error(ErrorCode::kNameUnknown, "no such permission on the repository");
  return once_recorded(
      record_permission_change(
          call, *repository,
          {{"change", "permission_revoked"}, {"kind", call.params["kind"]}, {"name", subject_name->name}}),
      no_content());
}

Result<Response> put_visibility(Call& call) {
  auto repository = repository_of(call);
  if (!repository) return repository.error();
  auto body = JsonBody::parse(call.request.body, {"public"});
  if (!body) return body.error();
  auto is_public = body->boolean("public");
  if (!is_public) return is_public.error();
  if (auto allowed = require_repository_admin(call, *repository); !allowed) return allowed.error();

  if (auto set = call.accounts().set_repository_public(*repository, *is_public); !set) return set.error();
  return once_recorded(
      record_permission_change(call, *repository, {{"change", "visibility_changed"}, {"public", *is_public}}),
      json_response(200, boost::json::object{{"repository", *repository}, {"public", *is_public}}));
}

}  // namespace pier::api
