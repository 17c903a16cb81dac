// vuln/layer_reader.h: one pass over a layer's tar stream (gzip, zstd or uncompressed) keeping
// what the inventory needs: the bytes of the files that say what is installed, and the
// whiteouts that remove files of the layers below. A layer is read once per digest and its
// findings kept; image_inventory.h stacks the findings of an image's layers.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"

namespace pier::vuln {

struct LayerFile {
  std::string path;  // normalized (layer_paths.h)
  std::string bytes;
  friend bool operator==(const LayerFile&, const LayerFile&) = default;
};

struct LayerFindings {
  // The files of interest (layer_paths.h), sorted by path; of a Go binary, only its build
  // information (go_buildinfo.h).
  std::vector<LayerFile> files;
  // Paths whose lower-layer versions, and everything below them, are gone: whiteouts, and files
  // of interest this layer replaced with something not kept (a symlink, a file over the size
  // bound), which hide the lower version all the same; and executables that are no Go binary,
  // since one may replace a Go binary of a lower layer. Sorted.
  std::vector<std::string> removed_paths;
  std::vector<std::string> opaque_dirs;  // everything below each is gone from lower layers. Sorted.
  friend bool operator==(const LayerFindings&, const LayerFindings&) = default;
};

// Files of interest larger than this are not kept: no package database is near it.
inline constexpr std::size_t kMaxLayerFileBytes = std::size_t{64} << 20;

// Fills `buffer` with up to `capacity` bytes of the layer blob; returns how many, 0 at its end,
// or a negative number when it cannot read.
using LayerSource = std::function<long(char* buffer, std::size_t capacity)>;

// kBadRequest for a stream that is not a (compressed) tar archive or is cut short; kInternal
// when `source` fails.
Result<LayerFindings> read_layer(const LayerSource& source);
Result<LayerFindings> read_layer_file(const std::filesystem::path& blob_path);

}  // namespace pier::vuln
