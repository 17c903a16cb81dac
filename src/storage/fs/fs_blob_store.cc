#include "storage/fs/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "storage/layout.h"

namespace pier::storage {

namespace {

namespace fs = std::filesystem;

// The one place errno becomes an Error: a missing file is the caller's "unknown" code,
// anything else is internal (the message stays generic; paths are not shown to clients).
Error posix_error(int err, ErrorCode not_found, std::string_view what) {
  if (err == ENOENT) return make_error(not_found, std::string(what) + " not found");
  if (err == ENOSPC || err == EDQUOT) {
    return make_error(ErrorCode::kUnavailable, "storage is full");
  }
  return make_error(ErrorCode::kInternal, std::string(what) + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Result<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

bool fsync_directory(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.get() >= 0 && ::fsync(fd.get()) == 0;
}

class FsAppender final : public UploadAppender {
 public:
  explicit FsAppender(int fd) : fd_(fd), opened_at_(static_cast<std::uint64_t>(::lseek(fd, 0, SEEK_END))) {}

  Result<void> append(std::string_view bytes) override {
    if (auto r = write_all(fd_.get(), bytes); !r) {
      // A disk that fills mid-request took part of the request's bytes: cut them off, so the
      // refused request leaves the upload where its client was last told it ends (a retry
      // starts there) and the space is free again. Should that fail too, the writer still
      // rehashes from whatever is stored before completing.
      (void)::ftruncate(fd_.get(), static_cast<off_t>(opened_at_));
      return r;
    }
    offset_ += bytes.size();
    // Start writeback of each completed stretch while the rest is still arriving, so the
    // fsync at commit has little left to do. Only a hint: errors surface at that fsync.
    if (offset_ - flushed_ >= kWritebackStretch) {
      ::sync_file_range(fd_.get(), static_cast<off_t>(flushed_), static_cast<off_t>(offset_ - flushed_),
                        SYNC_FILE_RANGE_WRITE);
      flushed_ = offset_;
    }
    return {};
  }

 private:
  static constexpr std::uint64_t kWritebackStretch = 8 << 20;
  Fd fd_;
  const std::uint64_t opened_at_;
  std::uint64_t offset_ = opened_at_;
  std::uint64_t flushed_ = opened_at_;
};

class FsBlobStore final : public BlobStore {
 public:
  explicit FsBlobStore(fs::path root) : root_(std::move(root)) {
    fs::create_directories(root_ / "blobs");
    fs::create_directories(root_ / "uploads");
  }

  Result<std::uint64_t> stat(const Digest& digest) override {
    struct stat st;
    if (::stat(path_of(blob_key(digest)).c_str(), &st) != 0) {
      return posix_error(errno, ErrorCode::kBlobUnknown, "blob");
    }
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<std::shared_ptr<FileRegion>> open(const Digest& digest, std::uint64_t offset,
                                           std::uint64_t length) override {
    const int fd = ::open(path_of(blob_key(digest)).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return posix_error(errno, ErrorCode::kBlobUnknown, "blob");
    return std::make_shared<FileRegion>(fd, offset, length);
  }

  Result<void> remove(const Digest& digest) override {
    if (::unlink(path_of(blob_key(digest)).c_str()) != 0 && errno != ENOENT) {
      return posix_error(errno, ErrorCode::kBlobUnknown, "blob");
    }
    return {};
  }

  Result<void> create_upload(std::string_view id) override {
    Fd fd(::open(path_of(upload_key(id)).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    return {};
  }

  Result<std::uint64_t> upload_size(std::string_view id) override {
    struct stat st;
    if (::stat(path_of(upload_key(id)).c_str(), &st) != 0) {
      return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    }
    return static_cast<std::uint64_t>(st.st_size);
  }

  Result<std::unique_ptr<UploadAppender>> append_upload(std::string_view id) override {
    const int fd = ::open(path_of(upload_key(id)).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    return std::unique_ptr<UploadAppender>(std::make_unique<FsAppender>(fd));
  }

  Result<void> read_upload(std::string_view id,
                           const std::function<void(std::string_view)>& consumer) override {
    Fd fd(::open(path_of(upload_key(id)).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    // Sized to the file (a small upload is read in one call), at most 1 MiB, and left
    // uninitialised: zeroing a megabyte cost more than reading a small upload.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    const auto size = static_cast<std::size_t>(std::clamp<off_t>(st.st_size + 1, 4096, 1 << 20));
    std::unique_ptr<char[]> buffer(new char[size]);
    while (true) {
      const ssize_t n = ::read(fd.get(), buffer.get(), size);
      if (n < 0) {
        if (errno == EINTR) continue;
        return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
      }
      if (n == 0) return {};
      consumer(std::string_view(buffer.get(), static_cast<std::size_t>(n)));
    }
  }

  Result<void> commit_upload(std::string_view id, const Digest& digest) override {
    const fs::path from = path_of(upload_key(id));
    const fs::path to = path_of(blob_key(digest));
    {
      Fd fd(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
      if (fd.get() < 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
      if (::fsync(fd.get()) != 0) return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    }
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    if (ec) return posix_error(ec.value(), ErrorCode::kInternal, "blob directory");
    // rename() replaces an existing blob atomically; both hold the same bytes, so a
    // reader that opened the old file keeps reading correct content.
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    }
    if (!fsync_directory(to.parent_path())) {
      return make_error(ErrorCode::kInternal, "fsync of blob directory failed");
    }
    return {};
  }

  Result<void> remove_upload(std::string_view id) override {
    if (::unlink(path_of(upload_key(id)).c_str()) != 0 && errno != ENOENT) {
      return posix_error(errno, ErrorCode::kBlobUploadUnknown, "upload");
    }
    return {};
  }

  Result<std::vector<std::string>> list_uploads(std::int64_t cutoff) override {
    std::vector<std::string> ids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_ / "uploads", ec)) {
      auto name = entry.path().filename().string();
      struct stat st;
      if (!is_valid_upload_id(name) || ::stat(entry.path().c_str(), &st) != 0) continue;
      if (st.st_mtim.tv_sec < cutoff) ids.push_back(std::move(name));
    }
    if (ec) return posix_error(ec.value(), ErrorCode::kInternal, "uploads directory");
    return ids;
  }

 private:
  fs::path path_of(const std::string& key) const { return root_ / key; }

  const fs::path root_;
};

}  // namespace

std::unique_ptr<BlobStore> make_filesystem_blob_store(const std::filesystem::path& root) {
  return std::make_unique<FsBlobStore>(root);
}

}  // namespace pier::storage
