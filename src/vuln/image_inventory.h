// vuln/image_inventory.h: what an image has installed, from the indexes of its layers.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "vuln/ecosystem.h"
#include "vuln/layer_index.h"
#include "vuln/layer_reader.h"
#include "vuln/package_parsers.h"

namespace pier::vuln {

struct ImageInventory {
  // From etc/os-release, else usr/lib/os-release, of the final filesystem. With neither (or a
  // distribution Pier does not scan) but a dpkg or apk database: Debian or Alpine, no release.
  std::optional<EcosystemRelease> os;
  // Sorted, without duplicates. dpkg packages are Ubuntu's on Ubuntu, else Debian's; RPM
  // packages those of the RPM distribution os-release names, else Red Hat's.
  std::vector<Package> packages;
  friend bool operator==(const ImageInventory&, const ImageInventory&) = default;
};

// `layers_in_order`: the image's layers' indexes, lowest layer first.
ImageInventory inventory_of(const std::vector<LayerIndex>& layers_in_order);
// The same from the layers' raw findings.
ImageInventory inventory_of(const std::vector<LayerFindings>& layers_in_order);

// "Debian:12", "Alpine:v3.19", "PyPI": an ecosystem as OSV names it, with its release if any.
std::string osv_ecosystem_name(const EcosystemRelease& ecosystem);

// As kept in the metadata store; kInternal for text inventory_json did not write.
std::string inventory_json(const ImageInventory& inventory);
Result<ImageInventory> parse_inventory(std::string_view json);

}  // namespace pier::vuln
