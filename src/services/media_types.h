// services/media_types.h: the manifest media types Pier stores and serves.
#pragma once

#include <string_view>

namespace pier::services::media_type {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";

inline bool is_index(std::string_view type) { return type == kOciIndex || type == kDockerManifestList; }
inline bool is_image_manifest(std::string_view type) { return type == kOciManifest || type == kDockerManifest; }
inline bool is_supported(std::string_view type) { return is_index(type) || is_image_manifest(type); }

}  // namespace pier::services::media_type
