#include "services/manifest_parser.h"

#include <algorithm>
#include <tuple>

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

std::string string_or_empty(const json::object& object, std::string_view key) {
  const auto* value = string_field(object, key);
  return value ? std::string(*value) : std::string();
}

std::optional<Platform> read_platform(const json::object& object) {
  if (!string_field(object, "os") || !string_field(object, "architecture")) return std::nullopt;
  return Platform{string_or_empty(object, "os"), string_or_empty(object, "architecture"),
                  string_or_empty(object, "variant")};
}

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
  Descriptor d;
  d.media_type = std::string(*media_type);
  d.digest = std::string(*digest);
  d.size = size->is_int64() ? static_cast<std::uint64_t>(size->as_int64()) : size->as_uint64();
  if (const auto* urls = object->if_contains("urls"); urls && urls->is_array() && !urls->as_array().empty()) {
    d.external = true;
  }
  if (const auto* platform = object->if_contains("platform"); platform && platform->is_object()) {
    d.platform = read_platform(platform->as_object());
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

Result<ManifestDocument> read_manifest(std::string_view content, std::string_view content_type) {
  boost::system::error_code ec;
  const json::value doc = json::parse(content, ec);
  if (ec) return invalid("manifest is not valid JSON");
  const auto* root = doc.if_object();
  if (!root) return invalid("manifest must be a JSON object");
  const auto* version = root->if_contains("schemaVersion");
  if (!version || !version->is_int64() || version->as_int64() != 2) {
    return invalid("schemaVersion must be 2");
  }

  ManifestDocument manifest;
  auto type = determine_media_type(*root, content_type);
  if (!type) return type.error();
  manifest.media_type = std::move(*type);

  if (const auto* artifact_type = root->if_contains("artifactType")) {
    if (!artifact_type->is_string()) return invalid("artifactType must be a string");
    manifest.artifact_type = std::string(artifact_type->as_string());
  }
  if (const auto* annotations = root->if_contains("annotations")) {
    if (!annotations->is_object()) return invalid("annotations must be an object");
    for (const auto& [key, value] : annotations->as_object()) {
      if (!value.is_string()) return invalid("annotation values must be strings");
    }
    manifest.annotations_json = json::serialize(*annotations);
  }
  if (const auto* subject = root->if_contains("subject"); subject && !subject->is_null()) {
    auto d = read_descriptor(*subject, "subject");
    if (!d) return d.error();
    manifest.subject = d->digest;
  }

  if (media_type::is_index(manifest.media_type)) {
    const auto* manifests = root->if_contains("manifests");
    if (!manifests || !manifests->is_array()) return invalid("an index must have a manifests array");
    for (const auto& entry : manifests->as_array()) {
      auto d = read_descriptor(entry, "manifests");
      if (!d) return d.error();
      manifest.manifests.push_back(std::move(*d));
    }
    return manifest;
  }

  const auto* config = root->if_contains("config");
  if (!config) return invalid("an image manifest must have a config descriptor");
  auto config_descriptor = read_descriptor(*config, "config");
  if (!config_descriptor) return config_descriptor.error();
  manifest.config = std::move(*config_descriptor);

  const auto* layers = root->if_contains("layers");
  if (!layers || !layers->is_array()) return invalid("an image manifest must have a layers array");
  for (const auto& entry : layers->as_array()) {
    auto d = read_descriptor(entry, "layers");
    if (!d) return d.error();
    manifest.layers.push_back(std::move(*d));
  }
  return manifest;
}

Result<meta::ManifestRecord> parse_manifest(std::string_view content, std::string_view content_type) {
  auto manifest = read_manifest(content, content_type);
  if (!manifest) return manifest.error();
  meta::ManifestRecord record;
  record.media_type = std::move(manifest->media_type);
  record.content = std::string(content);
  record.artifact_type = std::move(manifest->artifact_type);
  record.subject = std::move(manifest->subject);
  record.annotations_json = std::move(manifest->annotations_json);
  const auto refer = [&record](const Descriptor& d, meta::ReferenceKind kind, std::string described_as) {
    record.references.push_back({d.digest, kind, d.size, std::move(described_as)});
  };
  for (std::size_t i = 0; i < manifest->manifests.size(); ++i) {
    refer(manifest->manifests[i], meta::ReferenceKind::kManifest, "manifests[" + std::to_string(i) + "]");
  }
  if (!manifest->config) return record;

  refer(*manifest->config, meta::ReferenceKind::kBlob, "config");
  if (record.artifact_type.empty()) record.artifact_type = manifest->config->media_type;
  for (std::size_t i = 0; i < manifest->layers.size(); ++i) {
    const auto& layer = manifest->layers[i];
    if (!layer.external) refer(layer, meta::ReferenceKind::kBlob, "layers[" + std::to_string(i) + "]");
  }
  // A layer listed twice is one reference, unless the two give different sizes: then both
  // are checked, and one is wrong.
  const auto same = [](const auto& a, const auto& b) { return a.digest == b.digest && a.size == b.size; };
  std::stable_sort(record.references.begin(), record.references.end(),
                   [](const auto& a, const auto& b) { return std::tie(a.digest, a.size) < std::tie(b.digest, b.size); });
  record.references.erase(std::unique(record.references.begin(), record.references.end(), same),
                          record.references.end());
  return record;
}

std::optional<Platform> read_config_platform(std::string_view config) {
  boost::system::error_code ec;
  const json::value doc = json::parse(config, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  return read_platform(doc.as_object());
}

}  // namespace pier::services
