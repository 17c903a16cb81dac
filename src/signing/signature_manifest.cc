#include "signing/signature_manifest.h"

#include <boost/json.hpp>

#include "auth/base64url.h"

namespace pier::signing {

namespace json = boost::json;

namespace {

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::string_view string_member(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string_view(value->as_string()) : std::string_view();
}

bool starts_with_any(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  for (auto prefix : prefixes) {
    if (text.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

std::vector<CosignSignatureLayer> cosign_signature_layers(std::string_view manifest) {
  std::vector<CosignSignatureLayer> found;
  const auto document = parse_object(manifest);
  if (!document) return found;
  const auto* layers = document->if_contains("layers");
  if (layers == nullptr || !layers->is_array()) return found;
  for (const auto& layer : layers->as_array()) {
    if (!layer.is_object()) continue;
    const auto& descriptor = layer.as_object();
    if (string_member(descriptor, "mediaType") != kCosignPayloadMediaType) continue;
    const auto* annotations = descriptor.if_contains("annotations");
    if (annotations == nullptr || !annotations->is_object()) continue;
    auto signature = auth::base64_decode(string_member(annotations->as_object(), kCosignSignatureAnnotation));
    const auto digest = string_member(descriptor, "digest");
    if (!signature || signature->empty() || !Digest::parse(digest)) continue;
    found.push_back({std::string(digest), std::move(*signature)});
  }
  return found;
}

bool is_runnable(std::string_view media_type, std::string_view manifest) {
  const auto document = parse_object(manifest);
  if (!document) return true;  // what cannot be read is not exempt
  if (document->contains("manifests") || media_type == "application/vnd.oci.image.index.v1+json" ||
      media_type == "application/vnd.docker.distribution.manifest.list.v2+json") {
    return true;
  }
  const auto* layers = document->if_contains("layers");
  if (layers == nullptr || !layers->is_array()) return document->contains("fsLayers");  // schema 1
  for (const auto& layer : layers->as_array()) {
    if (!layer.is_object()) continue;
    if (starts_with_any(string_member(layer.as_object(), "mediaType"),
                        {"application/vnd.oci.image.layer.", "application/vnd.docker.image.rootfs."})) {
      return true;
    }
  }
  return false;
}

}  // namespace pier::signing
