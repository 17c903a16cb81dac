// services/manifest_parser.h: reads a pushed manifest and checks it is well formed.
//
// One reader for every use: read_manifest() gives what a manifest says (its descriptors with
// their sizes and platforms), parse_manifest() turns that into the record the metadata store
// keeps, and the management API shows the same reading of the stored bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "meta/metadata_store.h"

namespace pier::services {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // empty when none
  friend bool operator==(const Platform&, const Platform&) = default;
};

struct Descriptor {
  std::string media_type;
  std::string digest;
  std::uint64_t size = 0;
  bool external = false;             // foreign layer with "urls": its bytes live elsewhere
  std::optional<Platform> platform;  // an index entry's
};

// What a manifest says, as written (no defaults filled in).
struct ManifestDocument {
  std::string media_type;
  std::string artifact_type;     // empty when the manifest names none
  std::string subject;           // digest; empty when none
  std::string annotations_json;  // empty when none
  std::optional<Descriptor> config;    // image manifests
  std::vector<Descriptor> layers;      // image manifests
  std::vector<Descriptor> manifests;   // indexes
};

// Reads `content` pushed with Content-Type `content_type` (may be empty; for stored bytes,
// their media type). kManifestInvalid, with the reason, for JSON that is malformed, of an
// unsupported media type, or whose descriptors are invalid.
Result<ManifestDocument> read_manifest(std::string_view content, std::string_view content_type);

// read_manifest() as a record ready for the metadata store: media type, artifact type (an
// image's config type when it names none, as the referrers API wants), subject, annotations
// and the blobs and manifests it references. The record's digest is left empty: the caller
// computes it from the bytes.
Result<meta::ManifestRecord> parse_manifest(std::string_view content, std::string_view content_type);

// The platform an image config blob names ({"os", "architecture", "variant"}); nullopt when
// it is not such a config.
std::optional<Platform> read_config_platform(std::string_view config);

}  // namespace pier::services
