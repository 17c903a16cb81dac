#include "services/manifest_parser.h"

#include <boost/json.hpp>

#include "common/digest.h"
#include "services/media_types.h"

namespace pier::services {

namespace json = boost::json;

namespace {

Error invalid(std::string message) { return make_error(ErrorCode::kManifestInvalid, std::move(message)); }

// Media type parameters ("; charset=utf-8") are not part of the type.
std::string_view bare_media_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

const json::string* string_field(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value ? value->if_string() : nullptr;
}

struct Descriptor {
  std::string media_type;
  std::string digest;
  bool external = false;  // foreign layer with "urls": its bytes live elsewhere
};

Result<Descriptor> read_descriptor(const json::value& value, std::string_view where) {
  const auto* object = value.if_object();
  if (!object) return invalid(std::string(where) + ": descriptor must be an object");
  const auto* media_type = string_field(*object, "mediaType");
  const auto* digest = string_field(*object, "digest");
  const auto* size = object->if_contains("size");
  if (!media_type || media_type->empty()) return invalid(std::string(where) + ": descriptor has no mediaType");
  if (!digest) return invalid(std::string(where) + ": descriptor has no digest");
  if (!Digest::parse(*digest)) return invalid(std::string(where) + ": descriptor digest is invalid");
  if (!size || !(size->is_int64() || size->is_uint64()) || (size->is_int64() && size->as_int64() < 0)) {
    return invalid(std::string(where) + ": descriptor size must be a non-negative integer");
  }
  Descriptor d{std::string(*media_type), std::string(*digest)};
  if (const auto* urls = object->if_contains("urls"); urls && urls->is_array() && !urls->as_array().empty()) {
    d.external = true;
  }
  return d;
}

Result<std::string> determine_media_type(const json::object& root, std::string_view content_type) {
  const auto* field = string_field(root, "mediaType");
  const std::string_view header = bare_media_type(content_type);
  std::string_view type;
  if (field && !field->empty()) {
    type = *field;
    if (!header.empty() && media_type::is_supported(header) && header != type) {
      return invalid("mediaType does not match Content-Type");
    }
  } else if (media_type::is_supported(header)) {
    type = header;
  } else if (root.contains("manifests")) {
    type = media_type::kOciIndex;
  } else if (root.contains("config")) {
    type = media_type::kOciManifest;
  } else {
    return invalid("cannot tell the manifest's media type");
  }
  if (!media_type::is_supported(type)) return invalid("unsupported manifest media type");
  return std::string(type);
}

}  // namespace

Result<meta::ManifestRecord> parse_manifest(std::string_view content, std::string_view content_type) {
  boost::system::error_code ec;
  const json::value doc = json::parse(content, ec);
  if (ec) return invalid("manifest is not valid JSON");
  const auto* root = doc.if_object();
  if (!root) return invalid("manifest must be a JSON object");
  const auto* version = root->if_contains("schemaVersion");
  if (!version || !version->is_int64() || version->as_int64() != 2) {
    return invalid("schemaVersion must be 2");
  }

  meta::ManifestRecord record;
  auto type = determine_media_type(*root, content_type);
  if (!type) return type.error();
  record.media_type = std::move(*type);
  record.content = std::string(content);

  if (const auto* artifact_type = root->if_contains("artifactType")) {
    if (!artifact_type->is_string()) return invalid("artifactType must be a string");
    record.artifact_type = std::string(artifact_type->as_string());
  }
  if (const auto* annotations = root->if_contains("annotations")) {
    if (!annotations->is_object()) return invalid("annotations must be an object");
    for (const auto& [key, value] : annotations->as_object()) {
      if (!value.is_string()) return invalid("annotation values must be strings");
    }
    record.annotations_json = json::serialize(*annotations);
  }
  if (const auto* subject = root->if_contains("subject"); subject && !subject->is_null()) {
    auto d = read_descriptor(*subject, "subject");
    if (!d) return d.error();
    record.subject = d->digest;
  }

  if (media_type::is_index(record.media_type)) {
    const auto* manifests = root->if_contains("manifests");
    if (!manifests || !manifests->is_array()) return invalid("an index must have a manifests array");
    for (const auto& entry : manifests->as_array()) {
      auto d = read_descriptor(entry, "manifests");
      if (!d) return d.error();
      record.references.push_back({d->digest, meta::ReferenceKind::kManifest});
    }
    return record;
  }

  const auto* config = root->if_contains("config");
  if (!config) return invalid("an image manifest must have a config descriptor");
  auto config_descriptor = read_descriptor(*config, "config");
  if (!config_descriptor) return config_descriptor.error();
  record.references.push_back({config_descriptor->digest, meta::ReferenceKind::kBlob});
  if (record.artifact_type.empty()) record.artifact_type = config_descriptor->media_type;

  const auto* layers = root->if_contains("layers");
  if (!layers || !layers->is_array()) return invalid("an image manifest must have a layers array");
  for (const auto& entry : layers->as_array()) {
    auto d = read_descriptor(entry, "layers");
    if (!d) return d.error();
    if (d->external) continue;
    record.references.push_back({d->digest, meta::ReferenceKind::kBlob});
  }
  // A layer listed twice is one reference.
  std::sort(record.references.begin(), record.references.end(),
            [](const auto& a, const auto& b) { return a.digest < b.digest; });
  record.references.erase(std::unique(record.references.begin(), record.references.end(),
                                      [](const auto& a, const auto& b) { return a.digest == b.digest; }),
                          record.references.end());
  return record;
}

}  // namespace pier::services
