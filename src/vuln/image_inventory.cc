#include "vuln/image_inventory.h"

#include <algorithm>

#include "vuln/layer_paths.h"
#include "vuln/layer_stack.h"
#include "vuln/os_release.h"

namespace pier::vuln {

namespace {

// The os-release spec: /etc/os-release wins over /usr/lib/os-release.
std::optional<EcosystemRelease> os_of(const std::vector<const LayerFile*>& files) {
  const LayerFile* chosen = nullptr;
  for (const auto* file : files) {
    if (file->path == "etc/os-release") chosen = file;
    if (file->path == "usr/lib/os-release" && chosen == nullptr) chosen = file;
  }
  if (chosen == nullptr) return std::nullopt;
  return distribution_of(parse_os_release(chosen->bytes));
}

bool has_file(const std::vector<const LayerFile*>& files, InventoryFile kind) {
  return std::ranges::any_of(files, [&](const LayerFile* file) { return inventory_file_at(file->path) == kind; });
}

// When os-release says nothing Pier can use, the package database still says which family.
std::optional<EcosystemRelease> os_from_databases(const std::vector<const LayerFile*>& files) {
  if (has_file(files, InventoryFile::kDpkgStatus) || has_file(files, InventoryFile::kDpkgStatusFragment)) {
    return EcosystemRelease{Ecosystem::kDebian, ""};
  }
  if (has_file(files, InventoryFile::kApkInstalled)) return EcosystemRelease{Ecosystem::kAlpine, ""};
  return std::nullopt;
}

void append(std::vector<Package>& packages, std::vector<Package> more) {
  packages.insert(packages.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

}  // namespace

ImageInventory inventory_of(const std::vector<LayerFindings>& layers_in_order) {
  const auto files = stacked_files(layers_in_order);
  ImageInventory inventory;
  inventory.os = os_of(files);
  if (!inventory.os) inventory.os = os_from_databases(files);
  const auto dpkg_distribution =
      inventory.os && inventory.os->ecosystem == Ecosystem::kUbuntu ? Ecosystem::kUbuntu : Ecosystem::kDebian;

  for (const auto* file : files) {
    const auto kind = inventory_file_at(file->path);
    if (!kind) continue;
    switch (*kind) {
      case InventoryFile::kDpkgStatus:
        append(inventory.packages, parse_dpkg_status(file->bytes, dpkg_distribution, file->path));
        break;
      case InventoryFile::kDpkgStatusFragment:
        append(inventory.packages, parse_dpkg_status_fragment(file->bytes, dpkg_distribution, file->path));
        break;
      case InventoryFile::kApkInstalled:
        append(inventory.packages, parse_apk_installed(file->bytes, file->path));
        break;
      case InventoryFile::kPythonMetadata:
        if (auto package = parse_python_metadata(file->bytes, file->path)) inventory.packages.push_back(*package);
        break;
      case InventoryFile::kNpmPackage:
        if (auto package = parse_npm_package_json(file->bytes, file->path)) inventory.packages.push_back(*package);
        break;
      case InventoryFile::kOsRelease:
      case InventoryFile::kRpmDatabase: break;
    }
  }
  std::ranges::sort(inventory.packages);
  const auto duplicates = std::ranges::unique(inventory.packages);
  inventory.packages.erase(duplicates.begin(), duplicates.end());
  return inventory;
}

}  // namespace pier::vuln
