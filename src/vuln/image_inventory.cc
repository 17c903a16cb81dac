#include "vuln/image_inventory.h"

#include <boost/json.hpp>

#include <algorithm>

#include "vuln/layer_paths.h"
#include "vuln/layer_stack.h"
#include "vuln/os_release.h"
#include "vuln/package_json.h"

namespace pier::vuln {

namespace json = boost::json;

namespace {

// The os-release spec: /etc/os-release wins over /usr/lib/os-release.
std::optional<EcosystemRelease> os_of(const std::vector<const IndexedFile*>& files) {
  const IndexedFile* chosen = nullptr;
  for (const auto* file : files) {
    if (file->path == "etc/os-release") chosen = file;
    if (file->path == "usr/lib/os-release" && chosen == nullptr) chosen = file;
  }
  if (chosen == nullptr || !chosen->os_release) return std::nullopt;
  return distribution_of(*chosen->os_release);
}

bool has_file(const std::vector<const IndexedFile*>& files, InventoryFile kind) {
  return std::ranges::any_of(files, [&](const IndexedFile* file) { return file->kind == kind; });
}

// When os-release says nothing Pier can use, the package database still says which family.
std::optional<EcosystemRelease> os_from_databases(const std::vector<const IndexedFile*>& files) {
  if (has_file(files, InventoryFile::kDpkgStatus) || has_file(files, InventoryFile::kDpkgStatusFragment)) {
    return EcosystemRelease{Ecosystem::kDebian, ""};
  }
  if (has_file(files, InventoryFile::kApkInstalled)) return EcosystemRelease{Ecosystem::kAlpine, ""};
  if (has_file(files, InventoryFile::kRpmDatabase)) return EcosystemRelease{Ecosystem::kRedHat, ""};
  return std::nullopt;
}

bool is_rpm_distribution(Ecosystem ecosystem) {
  return ecosystem == Ecosystem::kRedHat || ecosystem == Ecosystem::kRockyLinux || ecosystem == Ecosystem::kAlmaLinux;
}

// The distribution a database's packages belong to, which only the whole image tells.
Ecosystem distribution_for(InventoryFile kind, const std::optional<EcosystemRelease>& os, Ecosystem parsed_as) {
  const bool dpkg = kind == InventoryFile::kDpkgStatus || kind == InventoryFile::kDpkgStatusFragment;
  if (dpkg) return os && os->ecosystem == Ecosystem::kUbuntu ? Ecosystem::kUbuntu : Ecosystem::kDebian;
  if (kind == InventoryFile::kRpmDatabase) return os && is_rpm_distribution(os->ecosystem) ? os->ecosystem : Ecosystem::kRedHat;
  return parsed_as;
}

}  // namespace

ImageInventory inventory_of(const std::vector<LayerIndex>& layers_in_order) {
  const auto files = stacked_files(layers_in_order);
  ImageInventory inventory;
  inventory.os = os_of(files);
  if (!inventory.os) inventory.os = os_from_databases(files);
  for (const auto* file : files) {
    for (auto package : file->packages) {
      package.ecosystem = distribution_for(file->kind, inventory.os, package.ecosystem);
      inventory.packages.push_back(std::move(package));
    }
  }
  std::ranges::sort(inventory.packages);
  // std::unique rather than std::ranges::unique: clang 14 (the fuzz build) cannot compile the
  // latter against libstdc++ 12.
  inventory.packages.erase(std::unique(inventory.packages.begin(), inventory.packages.end()), inventory.packages.end());
  return inventory;
}

ImageInventory inventory_of(const std::vector<LayerFindings>& layers_in_order) {
  std::vector<LayerIndex> indexes;
  indexes.reserve(layers_in_order.size());
  for (const auto& layer : layers_in_order) indexes.push_back(index_layer(layer));
  return inventory_of(indexes);
}

std::string osv_ecosystem_name(const EcosystemRelease& ecosystem) {
  std::string name(osv_name(ecosystem.ecosystem));
  if (!ecosystem.release.empty()) name += ":" + ecosystem.release;
  return name;
}

std::string inventory_json(const ImageInventory& inventory) {
  json::object root{{"packages", packages_json(inventory.packages)}};
  root["os"] = inventory.os ? json::value(osv_ecosystem_name(*inventory.os)) : json::value(nullptr);
  return json::serialize(root);
}

Result<ImageInventory> parse_inventory(std::string_view text) {
  try {
    const auto root = json::parse(text).as_object();
    ImageInventory inventory;
    if (const auto& os = root.at("os"); os.is_string()) {
      inventory.os = parse_ecosystem(os.as_string());
      if (!inventory.os) throw std::invalid_argument("unknown ecosystem");
    }
    auto packages = packages_of(root.at("packages"));
    if (!packages) return packages.error();
    inventory.packages = std::move(*packages);
    return inventory;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("a stored image inventory is damaged: ") + e.what());
  }
}

}  // namespace pier::vuln
