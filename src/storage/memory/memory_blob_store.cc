#include "storage/memory/memory_blob_store.h"

#include <sys/mman.h>
#include <unistd.h>

#include <map>
#include <mutex>

namespace pier::storage {

namespace {

using Bytes = std::shared_ptr<std::string>;

class MemoryAppender final : public UploadAppender {
 public:
  MemoryAppender(std::mutex& mutex, Bytes bytes) : mutex_(mutex), bytes_(std::move(bytes)) {}
  Result<void> append(std::string_view chunk) override {
    std::lock_guard lock(mutex_);
    bytes_->append(chunk);
    return {};
  }

 private:
  std::mutex& mutex_;
  Bytes bytes_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Result<std::uint64_t> stat(const Digest& digest) override {
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(digest.str());
    if (it == blobs_.end()) return unknown_blob();
    return it->second->size();
  }

  Result<std::shared_ptr<FileRegion>> open(const Digest& digest, std::uint64_t offset,
                                           std::uint64_t length) override {
    Bytes bytes;
    {
      std::lock_guard lock(mutex_);
      auto it = blobs_.find(digest.str());
      if (it == blobs_.end()) return unknown_blob();
      bytes = it->second;
    }
    // A memfd gives http/ the same file descriptor it gets from the filesystem store.
    const int fd = ::memfd_create("pier-blob", MFD_CLOEXEC);
    if (fd < 0) return make_error(ErrorCode::kInternal, "memfd_create failed");
    std::string_view rest(*bytes);
    while (!rest.empty()) {
      const ssize_t n = ::write(fd, rest.data(), rest.size());
      if (n <= 0) {
        ::close(fd);
        return make_error(ErrorCode::kInternal, "memfd write failed");
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    return std::make_shared<FileRegion>(fd, offset, length);
  }

  Result<void> remove(const Digest& digest) override {
    std::lock_guard lock(mutex_);
    blobs_.erase(digest.str());
    return {};
  }

  Result<void> create_upload(std::string_view id) override {
    std::lock_guard lock(mutex_);
    uploads_[std::string(id)] = std::make_shared<std::string>();
    return {};
  }

  Result<std::uint64_t> upload_size(std::string_view id) override {
    std::lock_guard lock(mutex_);
    auto it = uploads_.find(std::string(id));
    if (it == uploads_.end()) return unknown_upload();
    return it->second->size();
  }

  Result<std::unique_ptr<UploadAppender>> append_upload(std::string_view id) override {
    std::lock_guard lock(mutex_);
    auto it = uploads_.find(std::string(id));
    if (it == uploads_.end()) return unknown_upload();
    return std::unique_ptr<UploadAppender>(std::make_unique<MemoryAppender>(mutex_, it->second));
  }

  Result<void> read_upload(std::string_view id,
                           const std::function<void(std::string_view)>& consumer) override {
    Bytes bytes;
    {
      std::lock_guard lock(mutex_);
      auto it = uploads_.find(std::string(id));
      if (it == uploads_.end()) return unknown_upload();
      bytes = std::make_shared<std::string>(*it->second);
    }
    consumer(*bytes);
    return {};
  }

  Result<void> commit_upload(std::string_view id, const Digest& digest) override {
    std::lock_guard lock(mutex_);
    auto it = uploads_.find(std::string(id));
    if (it == uploads_.end()) return unknown_upload();
    blobs_[digest.str()] = it->second;
    uploads_.erase(it);
    return {};
  }

  Result<void> remove_upload(std::string_view id) override {
    std::lock_guard lock(mutex_);
    uploads_.erase(std::string(id));
    return {};
  }

  Result<std::vector<std::string>> list_uploads(std::int64_t cutoff) override {
    std::lock_guard lock(mutex_);
    // Held in memory, uploads have no write times: all are listed, or none.
    std::vector<std::string> ids;
    if (cutoff == kAllUploads) {
      for (const auto& [id, bytes] : uploads_) ids.push_back(id);
    }
    return ids;
  }

 private:
  static Error unknown_blob() { return make_error(ErrorCode::kBlobUnknown, "blob not found"); }
  static Error unknown_upload() {
    return make_error(ErrorCode::kBlobUploadUnknown, "upload not found");
  }

  std::mutex mutex_;
  std::map<std::string, Bytes> blobs_;    // guarded by mutex_
  std::map<std::string, Bytes> uploads_;  // guarded by mutex_
};

}  // namespace

std::unique_ptr<BlobStore> make_memory_blob_store() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace pier::storage
