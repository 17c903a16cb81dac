// ui/asset_source.h: the files of the web UI's build (ui/dist, made by Vite), by URL path.
//
// Two sources: the build that CMake turned into bytes of the binary (embedded_assets.cc, made
// at build time), so one binary serves its UI, and a folder read at each request (ui.dir), to
// serve a build being worked on without rebuilding the server.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/message.h"

namespace pier::ui {

// A file's bytes: held in memory (embedded) or an open file (a folder's, sent with sendfile).
struct Asset {
  std::string_view bytes;
  std::shared_ptr<FileRegion> file;
};

class AssetSource {
 public:
  virtual ~AssetSource() = default;
  // The file at `path` ("/index.html", "/assets/index-1a2b.js"), or nullopt.
  virtual std::optional<Asset> find(std::string_view path) const = 0;
};

// The build embedded at compile time; empty when ui/dist did not exist then.
std::unique_ptr<AssetSource> embedded_assets();
// The files under `root`; paths are checked before any file is opened.
std::unique_ptr<AssetSource> folder_assets(std::filesystem::path root);

// The MIME type for a file name's extension.
std::string_view content_type_of(std::string_view path);

}  // namespace pier::ui
