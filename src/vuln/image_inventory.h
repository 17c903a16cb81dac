// vuln/image_inventory.h: what an image has installed, from the findings of its layers.
#pragma once

#include <optional>
#include <vector>

#include "vuln/ecosystem.h"
#include "vuln/layer_reader.h"
#include "vuln/package_parsers.h"

namespace pier::vuln {

struct ImageInventory {
  // From etc/os-release, else usr/lib/os-release, of the final filesystem. With neither (or a
  // distribution Pier does not scan) but a dpkg or apk database: Debian or Alpine, no release.
  std::optional<EcosystemRelease> os;
  // Sorted, without duplicates. dpkg packages are Ubuntu's on Ubuntu, else Debian's.
  std::vector<Package> packages;
  friend bool operator==(const ImageInventory&, const ImageInventory&) = default;
};

// `layers_in_order`: the image's layers' findings, lowest layer first. RPM databases are not
// read yet.
ImageInventory inventory_of(const std::vector<LayerFindings>& layers_in_order);

}  // namespace pier::vuln
