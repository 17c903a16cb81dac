#include "vuln/layer_paths.h"

#include <vector>

namespace pier::vuln {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::vector<std::string_view> components_of(std::string_view path) {
  std::vector<std::string_view> components;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (const auto part = path.substr(0, slash); !part.empty() && part != ".") components.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return components;
}

// A directory below node_modules that can hold a package: not a scope ("@types"), nor a
// hidden folder such as ".bin" or pnpm's ".pnpm" store.
bool is_package_directory(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.front() != '@' && name != "node_modules";
}

bool is_scope_directory(std::string_view name) { return name.size() > 1 && name.front() == '@'; }

bool is_npm_package_json(const std::vector<std::string_view>& parts) {
  const auto n = parts.size();
  if (n < 3 || parts[n - 1] != "package.json" || !is_package_directory(parts[n - 2])) return false;
  if (parts[n - 3] == "node_modules") return true;
  return n >= 4 && is_scope_directory(parts[n - 3]) && parts[n - 4] == "node_modules";
}

bool is_python_metadata(const std::vector<std::string_view>& parts) {
  const auto n = parts.size();
  if (n < 2) return false;
  const auto directory = parts[n - 2];
  const auto in_directory_ending = [&](std::string_view suffix) {
    return directory.size() > suffix.size() && directory.ends_with(suffix);
  };
  return (parts[n - 1] == "METADATA" && in_directory_ending(".dist-info")) ||
         (parts[n - 1] == "PKG-INFO" && in_directory_ending(".egg-info"));
}

std::string_view parent_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

std::string_view base_name_of(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string normalize_layer_path(std::string_view name) {
  std::string path;
  for (const auto part : components_of(name)) {
    if (!path.empty()) path.push_back('/');
    path.append(part);
  }
  return path;
}

std::optional<InventoryFile> inventory_file_at(std::string_view path) {
  if (path == "var/lib/dpkg/status") return InventoryFile::kDpkgStatus;
  if (path == "lib/apk/db/installed") return InventoryFile::kApkInstalled;
  if (path == "etc/os-release" || path == "usr/lib/os-release") return InventoryFile::kOsRelease;
  // Fedora 36 and later keep the database under /usr (/var/lib/rpm is a link there).
  for (const std::string_view folder : {"var/lib/rpm/", "usr/lib/sysimage/rpm/"}) {
    if (path.starts_with(folder) && (path.substr(folder.size()) == "rpmdb.sqlite" || path.substr(folder.size()) == "Packages")) {
      return InventoryFile::kRpmDatabase;
    }
  }
  // Distroless keeps "<package>.md5sums" beside each package's fields; those list files only.
  if (parent_of(path) == "var/lib/dpkg/status.d" && !path.ends_with(".md5sums")) {
    return InventoryFile::kDpkgStatusFragment;
  }
  const auto parts = components_of(path);
  if (is_python_metadata(parts)) return InventoryFile::kPythonMetadata;
  if (is_npm_package_json(parts)) return InventoryFile::kNpmPackage;
  return std::nullopt;
}

std::optional<Whiteout> whiteout_of(std::string_view path) {
  const auto name = base_name_of(path);
  if (!name.starts_with(kWhiteoutPrefix)) return std::nullopt;
  const auto directory = parent_of(path);
  if (name == kOpaqueMarker) return Whiteout{Whiteout::Kind::kMakesOpaque, std::string(directory)};
  const auto removed = name.substr(kWhiteoutPrefix.size());
  if (removed.empty() || removed.starts_with(kWhiteoutPrefix)) return std::nullopt;
  std::string removed_path(directory);
  if (!removed_path.empty()) removed_path.push_back('/');
  removed_path.append(removed);
  return Whiteout{Whiteout::Kind::kRemoves, std::move(removed_path)};
}

bool is_at_or_below(std::string_view path, std::string_view dir) {
  if (dir.empty()) return true;
  if (!path.starts_with(dir)) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

}  // namespace pier::vuln
