// tests/vuln/tar_layer.h: layer blobs written with libarchive, for the layer reader's tests.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pier::vuln::testing {

struct TarEntry {
  enum class Kind { kFile, kDirectory, kSymlink, kHardlink };
  std::string path;
  std::string bytes;  // a file's contents
  Kind kind = Kind::kFile;
  std::string link_target;  // a link's
};

inline TarEntry file(std::string path, std::string bytes) {
  return {std::move(path), std::move(bytes), TarEntry::Kind::kFile, {}};
}
inline TarEntry directory(std::string path) { return {std::move(path), {}, TarEntry::Kind::kDirectory, {}}; }
inline TarEntry symlink(std::string path, std::string target) {
  return {std::move(path), {}, TarEntry::Kind::kSymlink, std::move(target)};
}
inline TarEntry hardlink(std::string path, std::string target) {
  return {std::move(path), {}, TarEntry::Kind::kHardlink, std::move(target)};
}

enum class Compression { kNone, kGzip, kZstd };

// A pax tar of `entries` in order, compressed as asked.
inline std::string tar_layer(const std::vector<TarEntry>& entries, Compression compression = Compression::kGzip) {
  std::string blob;
  std::unique_ptr<archive, int (*)(archive*)> writer(archive_write_new(), &archive_write_free);
  archive_write_set_format_pax_restricted(writer.get());
  // No zero padding after the compressed stream: registries' layers have none, and zstd
  // readers reject it.
  archive_write_set_bytes_in_last_block(writer.get(), 1);
  if (compression == Compression::kGzip) archive_write_add_filter_gzip(writer.get());
  if (compression == Compression::kZstd) archive_write_add_filter_zstd(writer.get());
  const auto append = [](archive*, void* sink, const void* bytes, size_t size) -> la_ssize_t {
    static_cast<std::string*>(sink)->append(static_cast<const char*>(bytes), size);
    return static_cast<la_ssize_t>(size);
  };
  if (archive_write_open2(writer.get(), &blob, nullptr, append, nullptr, nullptr) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(writer.get()));
  }
  for (const auto& entry : entries) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> header(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(header.get(), entry.path.c_str());
    archive_entry_set_perm(header.get(), 0644);
    switch (entry.kind) {
      case TarEntry::Kind::kFile:
        archive_entry_set_filetype(header.get(), AE_IFREG);
        archive_entry_set_size(header.get(), static_cast<la_int64_t>(entry.bytes.size()));
        break;
      case TarEntry::Kind::kDirectory:
        archive_entry_set_filetype(header.get(), AE_IFDIR);
        archive_entry_set_perm(header.get(), 0755);
        break;
      case TarEntry::Kind::kSymlink:
        archive_entry_set_filetype(header.get(), AE_IFLNK);
        archive_entry_set_symlink(header.get(), entry.link_target.c_str());
        break;
      case TarEntry::Kind::kHardlink:
        archive_entry_set_filetype(header.get(), AE_IFREG);
        archive_entry_set_hardlink(header.get(), entry.link_target.c_str());
        break;
    }
    if (archive_write_header(writer.get(), header.get()) != ARCHIVE_OK) {
      throw std::runtime_error(archive_error_string(writer.get()));
    }
    if (!entry.bytes.empty()) archive_write_data(writer.get(), entry.bytes.data(), entry.bytes.size());
  }
  archive_write_close(writer.get());
  return blob;
}

// A LayerSource over `blob` handing out at most `chunk` bytes a call, as a network read would.
inline auto source_over(const std::string& blob, std::size_t chunk = 1000) {
  return [&blob, chunk, offset = std::size_t{0}](char* buffer, std::size_t capacity) mutable -> long {
    const auto count = std::min({capacity, chunk, blob.size() - offset});
    blob.copy(buffer, count, offset);
    offset += count;
    return static_cast<long>(count);
  };
}

}  // namespace pier::vuln::testing
