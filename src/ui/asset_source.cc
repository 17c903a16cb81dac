#include "ui/asset_source.h"

#include "ui/embedded_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <utility>

namespace pier::ui {

namespace {

class EmbeddedAssets final : public AssetSource {
 public:
  std::optional<Asset> find(std::string_view path) const override {
    const auto files = embedded_files();
    const auto it = std::lower_bound(files.begin(), files.end(), path,
                                     [](const EmbeddedFile& file, std::string_view p) { return file.path < p; });
    if (it == files.end() || it->path != path) return std::nullopt;
    return Asset{std::string_view(it->begin, static_cast<std::size_t>(it->end - it->begin)), nullptr};
  }
};

// A URL path names a file of the folder only if each segment is a plain name: no "..", no
// hidden files, nothing that could leave the folder.
bool is_plain_path(std::string_view path) {
  if (!path.starts_with('/')) return false;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (segment.empty() || segment.starts_with('.') || segment.find('\0') != std::string_view::npos ||
        segment.find('\\') != std::string_view::npos) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

class FolderAssets final : public AssetSource {
 public:
  explicit FolderAssets(std::filesystem::path root) : root_(std::move(root)) {}

  std::optional<Asset> find(std::string_view path) const override {
    if (!is_plain_path(path)) return std::nullopt;
    const auto file = root_ / std::filesystem::path(path.substr(1));
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat info {};
    if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd);
      return std::nullopt;
    }
    return Asset{{}, std::make_shared<FileRegion>(fd, 0, static_cast<std::uint64_t>(info.st_size))};
  }

 private:
  std::filesystem::path root_;
};

}  // namespace

std::unique_ptr<AssetSource> embedded_assets() { return std::make_unique<EmbeddedAssets>(); }

std::unique_ptr<AssetSource> folder_assets(std::filesystem::path root) {
  return std::make_unique<FolderAssets>(std::move(root));
}

std::string_view content_type_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  const auto extension = path.substr(dot);
  for (const auto& [suffix, type] : kTypes) {
    if (extension == suffix) return type;
  }
  return "application/octet-stream";
}

}  // namespace pier::ui
