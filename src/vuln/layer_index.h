// vuln/layer_index.h: what one layer says about installed software, parsed once and kept per
// layer digest, so that an image is inventoried (and rescanned after new vulnerability data)
// without reading its layers again.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "vuln/layer_paths.h"
#include "vuln/layer_reader.h"
#include "vuln/os_release.h"
#include "vuln/package_parsers.h"

namespace pier::vuln {

// One file of interest, parsed. dpkg packages are Debian's and RPM packages Red Hat's until the
// image's os-release, which may be in another layer, says otherwise (image_inventory.h).
struct IndexedFile {
  std::string path;
  InventoryFile kind = InventoryFile::kOsRelease;
  std::vector<Package> packages;
  std::optional<OsRelease> os_release;  // kOsRelease only
  friend bool operator==(const IndexedFile&, const IndexedFile&) = default;
};

struct LayerIndex {
  std::vector<IndexedFile> files;  // sorted by path
  std::vector<std::string> removed_paths;
  std::vector<std::string> opaque_dirs;
  friend bool operator==(const LayerIndex&, const LayerIndex&) = default;
};

LayerIndex index_layer(const LayerFindings& findings);

// As kept in the metadata store: JSON, read back by parse_layer_index (kInternal when the text
// is not what layer_index_json writes).
std::string layer_index_json(const LayerIndex& index);
Result<LayerIndex> parse_layer_index(std::string_view json);

}  // namespace pier::vuln
