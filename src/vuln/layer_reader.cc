#include "vuln/layer_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>

#include "vuln/go_buildinfo.h"
#include "vuln/layer_paths.h"

namespace pier::vuln {

namespace {

constexpr std::size_t kReadBlockBytes = std::size_t{64} << 10;

struct ArchiveFree {
  void operator()(archive* reader) const { archive_read_free(reader); }
};

struct SourceState {
  const LayerSource* source = nullptr;
  std::vector<char> block = std::vector<char>(kReadBlockBytes);
  bool failed = false;  // the source, not the archive: an environment failure
};

// libarchive is C: nothing may be thrown through it.
la_ssize_t read_block(archive* reader, void* opaque, const void** buffer) {
  auto& state = *static_cast<SourceState*>(opaque);
  long got = -1;
  try {
    got = (*state.source)(state.block.data(), state.block.size());
  } catch (...) {
    got = -1;
  }
  if (got < 0) {
    state.failed = true;
    archive_set_error(reader, EIO, "the layer could not be read");
    return ARCHIVE_FATAL;
  }
  *buffer = state.block.data();
  return got;
}

class FindingsCollector {
 public:
  void keep(std::string path, std::string bytes) { kept_[std::move(path)] = std::move(bytes); }
  // A later entry of the same layer at `path` replaces an earlier one, as extraction would.
  void replace_with_unread(const std::string& path) {
    kept_.erase(path);
    removed_.insert(path);
  }
  void apply(Whiteout whiteout) {
    auto& paths = whiteout.kind == Whiteout::Kind::kMakesOpaque ? opaque_ : removed_;
    paths.insert(std::move(whiteout.path));
  }
  const std::string* kept(const std::string& path) const {
    const auto found = kept_.find(path);
    return found == kept_.end() ? nullptr : &found->second;
  }

  LayerFindings take() {
    LayerFindings findings;
    for (auto& [path, bytes] : kept_) findings.files.push_back({path, std::move(bytes)});
    findings.removed_paths.assign(removed_.begin(), removed_.end());
    findings.opaque_dirs.assign(opaque_.begin(), opaque_.end());
    return findings;
  }

 private:
  std::map<std::string, std::string> kept_;
  std::set<std::string> removed_;
  std::set<std::string> opaque_;
};

Error archive_failure(archive* reader, const SourceState& state) {
  if (state.failed) return make_error(ErrorCode::kInternal, "the layer could not be read");
  const char* reason = archive_error_string(reader);
  return make_error(ErrorCode::kBadRequest,
                    std::string("the layer is not a readable tar archive: ") + (reason ? reason : "unknown error"));
}

// nullopt when the entry's data is over the bound; the file is then not kept.
Result<std::optional<std::string>> read_entry_data(archive* reader, const SourceState& state) {
  std::string bytes;
  char chunk[kReadBlockBytes];
  for (;;) {
    const la_ssize_t got = archive_read_data(reader, chunk, sizeof chunk);
    if (got < 0) return archive_failure(reader, state);
    if (got == 0) return std::optional<std::string>(std::move(bytes));
    if (bytes.size() + static_cast<std::size_t>(got) > kMaxLayerFileBytes) return std::optional<std::string>();
    bytes.append(chunk, static_cast<std::size_t>(got));
  }
}

constexpr std::string_view kElfMagic{"\x7f" "ELF", 4};

bool is_executable(archive_entry* entry) { return (archive_entry_perm(entry) & 0111) != 0; }

// A Go binary's build information, read in one pass over the entry's data that stops once it
// is complete; nullopt for a file that is no ELF executable or holds none.
Result<std::optional<std::string>> read_go_buildinfo(archive* reader, const SourceState& state) {
  GoBuildInfoFinder finder;
  std::string head;  // the first bytes, until there are enough to tell an ELF file
  char chunk[kReadBlockBytes];
  while (!finder.done()) {
    const la_ssize_t got = archive_read_data(reader, chunk, sizeof chunk);
    if (got < 0) return archive_failure(reader, state);
    if (got == 0) break;
    const std::string_view bytes(chunk, static_cast<std::size_t>(got));
    if (head.size() < kElfMagic.size()) {
      head.append(bytes.substr(0, kElfMagic.size() - head.size()));
      if (!kElfMagic.starts_with(head)) return std::optional<std::string>();
    }
    finder.feed(bytes);
  }
  return std::move(finder).take();
}

// An executable whose path says nothing: kept only when it is a Go binary. Any other
// executable may have replaced a Go binary of a lower layer, so it hides that as an unread
// file of interest would.
Result<void> collect_executable(archive* reader, archive_entry* entry, std::string path, const SourceState& state,
                                FindingsCollector& collector) {
  if (const char* link_target = archive_entry_hardlink(entry)) {
    const auto* target_bytes = collector.kept(normalize_layer_path(link_target));
    if (target_bytes && target_bytes->starts_with(kGoBuildInfoMagic)) {
      collector.keep(std::move(path), *target_bytes);
    } else {
      collector.replace_with_unread(path);
    }
    return {};
  }
  auto buildinfo = read_go_buildinfo(reader, state);
  if (!buildinfo) return buildinfo.error();
  if (*buildinfo) {
    collector.keep(std::move(path), std::move(**buildinfo));
  } else {
    collector.replace_with_unread(path);
  }
  return {};
}

// One entry of the archive into `collector`; an error only when the archive is unreadable.
Result<void> collect_entry(archive* reader, archive_entry* entry, const SourceState& state,
                           FindingsCollector& collector) {
  const char* name = archive_entry_pathname(entry);
  if (name == nullptr) return {};
  std::string path = normalize_layer_path(name);
  if (auto whiteout = whiteout_of(path)) {
    collector.apply(std::move(*whiteout));
    return {};
  }
  const bool regular = archive_entry_filetype(entry) == AE_IFREG;
  if (!inventory_file_at(path)) {
    // libarchive gives a hard link's entry no file type.
    const bool file = regular || archive_entry_hardlink(entry) != nullptr;
    if (file && is_executable(entry)) return collect_executable(reader, entry, std::move(path), state, collector);
    // Whatever follows a Go binary kept earlier in this layer at its path replaces it.
    if (collector.kept(path)) collector.replace_with_unread(path);
    return {};
  }
  if (archive_entry_filetype(entry) == AE_IFDIR) return {};
  if (const char* link_target = archive_entry_hardlink(entry)) {
    // A hard link to a file kept earlier in this layer carries no data of its own.
    if (const auto* target_bytes = collector.kept(normalize_layer_path(link_target))) {
      collector.keep(std::move(path), *target_bytes);
    } else {
      collector.replace_with_unread(path);
    }
    return {};
  }
  if (!regular || archive_entry_size(entry) > static_cast<la_int64_t>(kMaxLayerFileBytes)) {
    collector.replace_with_unread(path);
    return {};
  }
  auto bytes = read_entry_data(reader, state);
  if (!bytes) return bytes.error();
  if (*bytes) {
    collector.keep(std::move(path), std::move(**bytes));
  } else {
    collector.replace_with_unread(path);
  }
  return {};
}

}  // namespace

Result<LayerFindings> read_layer(const LayerSource& source) {
  std::unique_ptr<archive, ArchiveFree> reader(archive_read_new());
  if (!reader) return make_error(ErrorCode::kInternal, "out of memory reading a layer");
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  // A zero-byte blob is an empty layer, as an archive of no entries is.
  archive_read_support_format_empty(reader.get());

  SourceState state;
  state.source = &source;
  if (archive_read_open(reader.get(), &state, nullptr, read_block, nullptr) != ARCHIVE_OK) {
    return archive_failure(reader.get(), state);
  }
  FindingsCollector collector;
  for (;;) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    // ARCHIVE_WARN is a header libarchive could read in part (an unknown pax keyword): the
    // entry is still usable.
    if (status < ARCHIVE_WARN) return archive_failure(reader.get(), state);
    if (auto collected = collect_entry(reader.get(), entry, state, collector); !collected) {
      return collected.error();
    }
  }
  return collector.take();
}

Result<LayerFindings> read_layer_file(const std::filesystem::path& blob_path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(blob_path.c_str(), "rb"), &std::fclose);
  if (!file) return make_error(ErrorCode::kInternal, "the layer blob could not be opened");
  return read_layer([&](char* buffer, std::size_t capacity) -> long {
    const auto got = std::fread(buffer, 1, capacity, file.get());
    if (got == 0 && std::ferror(file.get())) return -1;
    return static_cast<long>(got);
  });
}

}  // namespace pier::vuln
