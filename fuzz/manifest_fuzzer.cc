// fuzz/manifest_fuzzer.cc: manifests and indexes as pushed (services/manifest_parser.h).
//
// Input: the manifest's bytes; unless they start with '{', the first line is the Content-Type
// they were pushed with and the rest are the bytes.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/digest.h"
#include "fuzz_check.h"
#include "services/manifest_parser.h"
#include "services/media_types.h"

namespace {

namespace media_type = pier::services::media_type;

bool is_digest(std::string_view text) { return pier::Digest::parse(text).has_value(); }

void check_descriptor(const pier::services::Descriptor& descriptor) {
  FUZZ_CHECK(!descriptor.media_type.empty());
  FUZZ_CHECK(is_digest(descriptor.digest));
}

void check_document(const pier::services::ManifestDocument& manifest) {
  FUZZ_CHECK(media_type::is_supported(manifest.media_type));
  FUZZ_CHECK(manifest.subject.empty() || is_digest(manifest.subject));
  if (media_type::is_index(manifest.media_type)) {
    FUZZ_CHECK(!manifest.config && manifest.layers.empty());
  } else {
    FUZZ_CHECK(manifest.config && manifest.manifests.empty());
    check_descriptor(*manifest.config);
  }
  for (const auto& layer : manifest.layers) check_descriptor(layer);
  for (const auto& child : manifest.manifests) check_descriptor(child);
  if (!manifest.annotations_json.empty()) {
    // Stored and shown again as JSON: it must read back as an object of strings.
    boost::system::error_code ec;
    const auto annotations = boost::json::parse(manifest.annotations_json, ec);
    FUZZ_CHECK(!ec && annotations.is_object());
    for (const auto& entry : annotations.as_object()) FUZZ_CHECK(entry.value().is_string());
  }
}

void check_record(const pier::meta::ManifestRecord& record, const pier::services::ManifestDocument& manifest,
                  std::string_view content) {
  FUZZ_CHECK(record.content == content);
  FUZZ_CHECK(record.media_type == manifest.media_type);
  FUZZ_CHECK(record.subject == manifest.subject);
  if (!manifest.artifact_type.empty()) FUZZ_CHECK(record.artifact_type == manifest.artifact_type);
  for (std::size_t i = 0; i < record.references.size(); ++i) {
    FUZZ_CHECK(is_digest(record.references[i].digest));
    // An image's references are sorted, so the store checks them in one pass.
    if (manifest.config) FUZZ_CHECK(i == 0 || record.references[i - 1].digest <= record.references[i].digest);
  }
  if (manifest.config) {
    std::size_t blobs_stored_here = 1;  // the config
    for (const auto& layer : manifest.layers) blobs_stored_here += layer.external ? 0 : 1;
    FUZZ_CHECK(record.references.size() <= blobs_stored_here);
  } else {
    FUZZ_CHECK(record.references.size() == manifest.manifests.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view content_type;
  std::string_view content = input;
  if (!input.starts_with('{')) {
    const auto newline = input.find('\n');
    content_type = input.substr(0, newline);
    content = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  }

  const auto manifest = pier::services::read_manifest(content, content_type);
  const auto record = pier::services::parse_manifest(content, content_type);
  FUZZ_CHECK(manifest.has_value() == record.has_value());
  pier::services::read_config_platform(content);
  if (!manifest) {
    FUZZ_CHECK(manifest.error().code == pier::ErrorCode::kManifestInvalid);
    FUZZ_CHECK(record.error().code == pier::ErrorCode::kManifestInvalid);
    return 0;
  }
  check_document(*manifest);
  check_record(*record, *manifest, content);

  // Stored bytes are read again with the media type they were stored under.
  const auto stored = pier::services::parse_manifest(content, record->media_type);
  FUZZ_CHECK(stored && stored->media_type == record->media_type);
  FUZZ_CHECK(stored->references.size() == record->references.size());
  for (std::size_t i = 0; i < stored->references.size(); ++i) {
    FUZZ_CHECK(stored->references[i].digest == record->references[i].digest);
    FUZZ_CHECK(stored->references[i].kind == record->references[i].kind);
  }
  return 0;
}
