// vuln/layer_stack.h: the files of interest of an image's final filesystem, from what each of
// its layers holds, stacked as a container runtime stacks them.
#pragma once
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vuln/layer_paths.h"

namespace pier::vuln {

// The files present once every layer is applied over those before it, sorted by path: each
// layer first removes from the layers below what its whiteouts, opaque directories and unread
// replacements remove, then adds its files, a file at a path present below replacing it.
// `Layer` has `files` (each with a `path`), `removed_paths` and `opaque_dirs`: a layer's raw
// findings (layer_reader.h) or its parsed index (layer_index.h). The pointers point into
// `layers_in_order` (lowest layer first).
template <typename Layer>
auto stacked_files(const std::vector<Layer>& layers_in_order) {
  using File = typename decltype(Layer::files)::value_type;
  std::map<std::string, const File*, std::less<>> files;
  // Paths below "a" sort right after it, but paths such as "a-b" or "a.b" can sort in between
  // ("a" < "a-b" < "a/"), so the range is walked to its end rather than cut at the first path
  // not below.
  const auto remove_at_or_below = [&files](std::string_view dir) {
    for (auto it = files.lower_bound(dir); it != files.end() && it->first.starts_with(dir);) {
      it = is_at_or_below(it->first, dir) ? files.erase(it) : std::next(it);
    }
  };
  for (const auto& layer : layers_in_order) {
    for (const auto& dir : layer.opaque_dirs) remove_at_or_below(dir);
    for (const auto& path : layer.removed_paths) remove_at_or_below(path);
    for (const auto& file : layer.files) files[file.path] = &file;
  }
  std::vector<const File*> present;
  present.reserve(files.size());
  for (const auto& [path, file] : files) present.push_back(file);
  return present;
}

}  // namespace pier::vuln
