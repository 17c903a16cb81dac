// vuln/layer_paths.h: how the scanner reads the paths in a layer: their one spelling, which
// files say what is installed, and the whiteouts that remove files of the layers below.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pier::vuln {

// A tar entry's name as one spelling: no leading "./" or "/", no trailing "/", no empty or
// "." components ("./usr//lib/" is "usr/lib"; the root is "").
std::string normalize_layer_path(std::string_view name);

// The files that tell what an image has installed.
enum class InventoryFile {
  kDpkgStatus,          // var/lib/dpkg/status
  kDpkgStatusFragment,  // var/lib/dpkg/status.d/<package> (distroless: one package, no Status)
  kApkInstalled,        // lib/apk/db/installed
  kOsRelease,           // etc/os-release, usr/lib/os-release
  kPythonMetadata,      // <any>.dist-info/METADATA, <any>.egg-info/PKG-INFO
  kNpmPackage,          // node_modules/<name>/package.json, node_modules/@scope/<name>/package.json
  kRpmDatabase,         // rpmdb.sqlite or Packages in var/lib/rpm/ or usr/lib/sysimage/rpm/
  kGoBinary,            // an executable with Go build information (found by content, not by path)
};

// nullopt for a file the inventory does not read. `path` is normalized.
std::optional<InventoryFile> inventory_file_at(std::string_view path);

// What a whiteout entry does to the layers below its own.
struct Whiteout {
  enum class Kind {
    kRemoves,     // "<dir>/.wh.<name>": <dir>/<name> and everything below it are gone
    kMakesOpaque  // "<dir>/.wh..wh..opq": everything below <dir> is gone
  };
  Kind kind = Kind::kRemoves;
  std::string path;  // <dir>/<name>, or <dir> ("" for the root)
};

// nullopt for an entry that is no whiteout, or an overlay bookkeeping name (".wh..wh.plnk").
std::optional<Whiteout> whiteout_of(std::string_view path);

// Whether `path` is `dir` or lies below it; every path lies below the root "".
bool is_at_or_below(std::string_view path, std::string_view dir);

}  // namespace pier::vuln
