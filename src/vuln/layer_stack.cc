#include "vuln/layer_stack.h"

#include <map>
#include <string>
#include <string_view>

#include "vuln/layer_paths.h"

namespace pier::vuln {

namespace {

using FilesByPath = std::map<std::string, const LayerFile*, std::less<>>;

// Removes `dir` and everything below it. Paths below "a" sort right after it, but paths such
// as "a-b" or "a.b" can sort in between ("a" < "a-b" < "a/"), so the range is walked to its end
// rather than cut at the first path not below.
void remove_at_or_below(FilesByPath& files, std::string_view dir) {
  for (auto it = files.lower_bound(dir); it != files.end() && it->first.starts_with(dir);) {
    it = is_at_or_below(it->first, dir) ? files.erase(it) : std::next(it);
  }
}

}  // namespace

std::vector<const LayerFile*> stacked_files(const std::vector<LayerFindings>& layers_in_order) {
  FilesByPath files;
  for (const auto& layer : layers_in_order) {
    for (const auto& dir : layer.opaque_dirs) remove_at_or_below(files, dir);
    for (const auto& path : layer.removed_paths) remove_at_or_below(files, path);
    for (const auto& file : layer.files) files[file.path] = &file;
  }
  std::vector<const LayerFile*> present;
  present.reserve(files.size());
  for (const auto& [path, file] : files) present.push_back(file);
  return present;
}

}  // namespace pier::vuln
