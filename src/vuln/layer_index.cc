#include "vuln/layer_index.h"

#include <boost/json.hpp>

#include "vuln/go_buildinfo.h"
#include "vuln/package_json.h"
#include "vuln/rpm_database.h"

namespace pier::vuln {

namespace json = boost::json;

namespace {

// The reader keeps, besides the files found by path, the build information of Go binaries,
// which it finds by content wherever they are.
InventoryFile kind_of(const LayerFile& file) { return inventory_file_at(file.path).value_or(InventoryFile::kGoBinary); }

std::vector<Package> one_or_none(std::optional<Package> package) {
  if (!package) return {};
  return {std::move(*package)};
}

IndexedFile index_file(const LayerFile& file) {
  IndexedFile indexed{file.path, kind_of(file), {}, std::nullopt};
  switch (indexed.kind) {
    case InventoryFile::kDpkgStatus:
      indexed.packages = parse_dpkg_status(file.bytes, Ecosystem::kDebian, file.path);
      break;
    case InventoryFile::kDpkgStatusFragment:
      indexed.packages = parse_dpkg_status_fragment(file.bytes, Ecosystem::kDebian, file.path);
      break;
    case InventoryFile::kApkInstalled: indexed.packages = parse_apk_installed(file.bytes, file.path); break;
    case InventoryFile::kOsRelease: indexed.os_release = parse_os_release(file.bytes); break;
    case InventoryFile::kPythonMetadata: indexed.packages = one_or_none(parse_python_metadata(file.bytes, file.path)); break;
    case InventoryFile::kNpmPackage: indexed.packages = one_or_none(parse_npm_package_json(file.bytes, file.path)); break;
    case InventoryFile::kRpmDatabase: indexed.packages = parse_rpm_database(file.bytes, file.path); break;
    case InventoryFile::kGoBinary: indexed.packages = parse_go_buildinfo(file.bytes, file.path); break;
  }
  return indexed;
}

json::array strings_json(const std::vector<std::string>& strings) {
  json::array array;
  for (const auto& s : strings) array.emplace_back(s);
  return array;
}

std::vector<std::string> strings_of(const json::value& value) {
  std::vector<std::string> strings;
  for (const auto& s : value.as_array()) strings.emplace_back(s.as_string());
  return strings;
}

}  // namespace

LayerIndex index_layer(const LayerFindings& findings) {
  LayerIndex index;
  index.files.reserve(findings.files.size());
  for (const auto& file : findings.files) index.files.push_back(index_file(file));
  index.removed_paths = findings.removed_paths;
  index.opaque_dirs = findings.opaque_dirs;
  return index;
}

std::string layer_index_json(const LayerIndex& index) {
  json::array files;
  for (const auto& file : index.files) {
    json::object entry{{"path", file.path},
                       {"kind", static_cast<int>(file.kind)},
                       {"packages", packages_json(file.packages)}};
    if (file.os_release) {
      entry["os_release"] = json::object{{"id", file.os_release->id},
                                         {"version_id", file.os_release->version_id},
                                         {"version_codename", file.os_release->version_codename}};
    }
    files.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"files", std::move(files)},
                                      {"removed_paths", strings_json(index.removed_paths)},
                                      {"opaque_dirs", strings_json(index.opaque_dirs)}});
}

Result<LayerIndex> parse_layer_index(std::string_view text) {
  try {
    const auto root = json::parse(text).as_object();
    LayerIndex index;
    for (const auto& value : root.at("files").as_array()) {
      const auto& entry = value.as_object();
      IndexedFile file;
      file.path = entry.at("path").as_string();
      const auto kind = entry.at("kind").to_number<int>();
      if (kind < 0 || kind > static_cast<int>(InventoryFile::kGoBinary)) throw std::out_of_range("kind");
      file.kind = static_cast<InventoryFile>(kind);
      auto packages = packages_of(entry.at("packages"));
      if (!packages) return packages.error();
      file.packages = std::move(*packages);
      if (const auto* os = entry.if_contains("os_release")) {
        const auto& fields = os->as_object();
        file.os_release = OsRelease{std::string(fields.at("id").as_string()),
                                    std::string(fields.at("version_id").as_string()),
                                    std::string(fields.at("version_codename").as_string())};
      }
      index.files.push_back(std::move(file));
    }
    index.removed_paths = strings_of(root.at("removed_paths"));
    index.opaque_dirs = strings_of(root.at("opaque_dirs"));
    return index;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("a stored layer inventory is damaged: ") + e.what());
  }
}

}  // namespace pier::vuln
