// The signature API extension of containers/image (X-Registry-Supports-Signatures), as
// OpenShift's registry serves it:
//   GET /extensions/v2/<name>/signatures/<digest> -> {"signatures": [{"schemaVersion": 2,
//       "name": "<digest>@<32 hex>", "type": "atomic", "content": "<base64>"}, ...]}
//   PUT the same path with one such object -> 201
#include <boost/json.hpp>

#include "auth/base64url.h"
#include "registry/handlers.h"

namespace pier::registry {

namespace json = boost::json;

namespace {

constexpr std::int64_t kSchemaVersion = 2;
constexpr std::string_view kAtomicType = "atomic";

Error bad_signature(std::string message) { return make_error(ErrorCode::kBadRequest, "signature: " + message); }

}  // namespace

Result<Reply> list_signatures(RegistryServices& s, Request& request) {
  auto digest = Digest::parse(request.reference);
  if (!digest) return digest.error();
  auto stored = s.signing.extension_signatures(request.repository, *digest);
  if (!stored) return stored.error();
  json::array signatures;
  for (const auto& signature : *stored) {
    signatures.push_back(json::object{{"schemaVersion", kSchemaVersion},
                                      {"name", signature.name},
                                      {"type", kAtomicType},
                                      {"content", auth::base64_encode(signature.content)}});
  }
  Response response = json_response(json::serialize(json::object{{"signatures", std::move(signatures)}}));
  if (request.method == Method::kHead) {
    response.content_length = response.body.size();
    response.omit_body = true;
  }
  return Reply(std::move(response));
}

Result<Reply> put_signature(RegistryServices& s, Request& request) {
  auto digest = Digest::parse(request.reference);
  if (!digest) return digest.error();
  boost::system::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return bad_signature("the body must be a JSON object");
  const auto& object = body.as_object();
  const auto* version = object.if_contains("schemaVersion");
  if (version == nullptr || !version->is_int64() || version->as_int64() != kSchemaVersion) {
    return bad_signature("schemaVersion must be 2");
  }
  const auto* type = object.if_contains("type");
  if (type == nullptr || !type->is_string() || type->as_string() != kAtomicType) {
    return bad_signature("type must be \"atomic\"");
  }
  const auto* name = object.if_contains("name");
  const auto* content = object.if_contains("content");
  if (name == nullptr || !name->is_string()) return bad_signature("name is required");
  if (content == nullptr || !content->is_string()) return bad_signature("content is required (base64)");
  auto bytes = auth::base64_decode(content->as_string());
  if (!bytes) return bad_signature("content must be base64");
  if (auto added = s.signing.add_extension_signature(request.repository, *digest, name->as_string(), *bytes); !added) {
    return added.error();
  }
  Response response = empty_response(201);
  response.header("Docker-Content-Digest", digest->str());
  return Reply(std::move(response));
}

}  // namespace pier::registry
