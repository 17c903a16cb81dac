// services/manifest_parser.h: reads a pushed manifest and checks it is well formed.
#pragma once

#include <string_view>

#include "common/error.h"
#include "meta/metadata_store.h"

namespace pier::services {

// Parses `content` pushed with Content-Type `content_type` (may be empty) into a record
// ready for the metadata store: media type, artifact type, subject, annotations and
// the blobs and manifests it references. kManifestInvalid, with the reason, for JSON
// that is malformed, of an unsupported media type, or whose descriptors are invalid.
// The record's digest is left empty: the caller computes it from the bytes.
Result<meta::ManifestRecord> parse_manifest(std::string_view content, std::string_view content_type);

}  // namespace pier::services
