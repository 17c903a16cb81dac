// vuln/spdx.h: an image's inventory as an SPDX 2.3 JSON document (spdx.github.io/spdx-spec/v2.3),
// the software bill of materials Pier attaches to each image it scans.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "vuln/image_inventory.h"

namespace pier::vuln {

inline constexpr std::string_view kSpdxMediaType = "application/spdx+json";

// The image as one package that CONTAINS each installed package, each with its package URL
// (github.com/package-url/purl-spec) and the file that lists it. The same inventory, image and
// time always give the same bytes.
std::string spdx_document(std::string_view repository, std::string_view digest, const ImageInventory& inventory,
                          std::int64_t created_unix);

// A package URL: "pkg:deb/debian/openssl@3.0.11-1?distro=debian-12", "pkg:pypi/requests@2.31.0".
std::string package_url(const Package& package, const std::optional<EcosystemRelease>& os);

}  // namespace pier::vuln
