// Role bindings of a namespace (OpenShift style), for whoever may manage it:
//   GET    /api/v1/namespaces/{ns}/role-bindings                       -> {role_bindings: [{role, kind, name}]}
//   PUT    /api/v1/namespaces/{ns}/role-bindings/{role}/{kind}/{name}  (idempotent)
//   DELETE /api/v1/namespaces/{ns}/role-bindings/{role}/{kind}/{name}
// {role} is one of system:image-puller, system:image-pusher, system:image-builder,
// registry-viewer, registry-editor, registry-admin (what each grants: auth/authorizer.h).
#include "api/account_names.h"
#include "api/authorize.h"
#include "api/change_log.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/subjects.h"
#include "api/views.h"
#include "api/vocabulary.h"

namespace pier::api {

namespace {

struct Binding {
  std::string_view namespace_name;
  std::string_view role;
  SubjectName subject;
};

// The namespace, role and subject of the path, checked.
Result<Binding> binding_of(Call& call) {
  const auto& ns = call.params["ns"];
  if (auto checked = check_account_name("namespace", ns); !checked) return checked.error();
  if (auto checked = check_binding_role(call.params["role"]); !checked) return checked.error();
  auto subject = parse_subject(call.params["kind"], call.params["name"]);
  if (!subject) return subject.error();
  return Binding{ns, call.params["role"], *subject};
}

boost::json::object detail_of(std::string_view change, const Binding& binding, std::string_view kind) {
  return {{"change", change}, {"role", binding.role}, {"kind", kind}, {"name", binding.subject.name}};
}

}  // namespace

Result<Response> list_role_bindings(Call& call) {
  const auto& ns = call.params["ns"];
  if (auto checked = check_account_name("namespace", ns); !checked) return checked.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, ns); !allowed) return allowed.error();
  auto bindings = call.accounts().list_role_bindings(ns);
  if (!bindings) return bindings.error();
  boost::json::array views;
  for (const auto& binding : *bindings) views.emplace_back(role_binding_view(binding));
  return json_response(200, boost::json::object{{"role_bindings", std::move(views)}});
}

Result<Response> put_role_binding(Call& call) {
  auto binding = binding_of(call);
  if (!binding) return binding.error();
  if (auto body = JsonBody::parse(call.request.body, {}); !body) return body.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, binding->namespace_name); !allowed) {
    return allowed.error();
  }
  auto subject = find_subject(call.accounts(), binding->subject, binding->namespace_name);
  if (!subject) return subject.error();
  if (auto added = call.accounts().add_role_binding(binding->namespace_name, binding->role, *subject); !added) {
    return added.error();
  }
  return once_recorded(record_change(call, kPermissionChange, binding->namespace_name, std::nullopt,
                                     detail_of("role_binding_added", *binding, call.params["kind"])),
                       no_content());
}

Result<Response> delete_role_binding(Call& call) {
  auto binding = binding_of(call);
  if (!binding) return binding.error();
  if (auto allowed = require(call, auth::NamespaceAction::kManage, binding->namespace_name); !allowed) {
    return allowed.error();
  }
  auto subject = find_subject(call.accounts(), binding->subject, binding->namespace_name);
  if (!subject) return subject.error();
  auto removed = call.accounts().remove_role_binding(binding->namespace_name, binding->role, *subject);
  if (!removed) return removed.error();
  if (!*removed) return make_error(ErrorCode::kNameUnknown, "no such role binding");
  return once_recorded(record_change(call, kPermissionChange, binding->namespace_name, std::nullopt,
                                     detail_of("role_binding_removed", *binding, call.params["kind"])),
                       no_content());
}

}  // namespace pier::api
