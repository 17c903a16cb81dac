// Image signing:
//   GET    /api/v1/namespaces/{ns}/signing-policy -> {enforce, keys: [{type, public_key}]}, as it was put
//   PUT    /api/v1/namespaces/{ns}/signing-policy {enforce, keys: [{type: "gpg"|"cosign", public_key}]}
//   DELETE /api/v1/namespaces/{ns}/signing-policy
//   GET    /api/v1/namespaces/{ns}/signing-keys -> {namespace, enforce, keys: [{type, key_id, public_key}]}:
//          the policy with each key's identity (a GPG fingerprint, a cosign key's sha256)
// A namespace's policy is for whoever may manage the namespace. The signatures of a manifest
// are shown with it (tags.cc: GET .../manifests/{digest}).
#include "api/change_log.h"
#include "api/content_views.h"
#include "api/handlers.h"
#include "api/json_body.h"
#include "api/namespace_scope.h"

namespace pier::api {

namespace json = boost::json;

namespace {

// The policy as it was put: a client reads back exactly what it sent.
json::object policy_view(const std::optional<meta::SigningPolicy>& policy) {
  json::array keys;
  if (policy) {
    for (const auto& key : policy->keys) keys.push_back(json::object{{"type", key.type}, {"public_key", key.public_key}});
  }
  return {{"enforce", policy && policy->enforce}, {"keys", std::move(keys)}};
}

json::object keys_view(std::string_view ns, const std::optional<meta::SigningPolicy>& policy) {
  json::array keys;
  if (policy) {
    for (const auto& key : policy->keys) {
      keys.push_back(json::object{{"type", key.type}, {"key_id", key.key_id}, {"public_key", key.public_key}});
    }
  }
  return {{"namespace", ns}, {"enforce", policy && policy->enforce}, {"keys", std::move(keys)}};
}

json::array key_ids(const meta::SigningPolicy& policy) {
  json::array ids;
  for (const auto& key : policy.keys) ids.push_back(json::string(key.key_id));
  return ids;
}

}  // namespace

json::array signatures_view(const std::vector<services::SignatureView>& signatures) {
  json::array views;
  for (const auto& signature : signatures) {
    views.push_back(json::object{{"type", signature.type},
                                 {"key_id", signature.key_id.empty() ? json::value(nullptr) : json::value(signature.key_id)},
                                 {"verified", signature.verified},
                                 {"source", signature.source},
                                 {"name", signature.name}});
  }
  return views;
}

Result<Response> get_signing_policy(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto policy = call.services.signing.policy(*ns);
  if (!policy) return policy.error();
  return json_response(200, policy_view(*policy));
}

Result<Response> get_signing_keys(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto policy = call.services.signing.policy(*ns);
  if (!policy) return policy.error();
  return json_response(200, keys_view(*ns, *policy));
}

Result<Response> put_signing_policy(Call& call) {
  auto body = JsonBody::parse(call.request.body, {"enforce", "keys"});
  if (!body) return body.error();
  auto enforce = body->boolean("enforce");
  if (!enforce) return enforce.error();
  auto entries = body->optional_objects("keys", {"type", "public_key", "key_id"});
  if (!entries) return entries.error();
  std::vector<services::KeyInput> keys;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = "keys[" + std::to_string(i) + "]";
    auto type = (*entries)[i].string("type");
    auto public_key = (*entries)[i].string("public_key");
    if (!type) return make_error(ErrorCode::kBadRequest, where + "." + type.error().message);
    if (!public_key) return make_error(ErrorCode::kBadRequest, where + "." + public_key.error().message);
    keys.push_back({std::move(*type), std::move(*public_key)});
  }
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  auto policy = call.services.signing.set_policy(*ns, *enforce, keys);
  if (!policy) return policy.error();
  return once_recorded(record_change(call, kRepositoryChange, *ns, std::nullopt,
                                     {{"change", "signing_policy_set"}, {"enforce", policy->enforce},
                                      {"keys", key_ids(*policy)}}),
                       json_response(200, policy_view(*policy)));
}

Result<Response> delete_signing_policy(Call& call) {
  auto ns = managed_namespace(call);
  if (!ns) return ns.error();
  if (auto removed = call.services.signing.remove_policy(*ns); !removed) return removed.error();
  return once_recorded(record_change(call, kRepositoryChange, *ns, std::nullopt, {{"change", "signing_policy_removed"}}),
                       no_content());
}

}  // namespace pier::api
