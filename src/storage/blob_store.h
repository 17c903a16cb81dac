// storage/blob_store.h: content-addressed blobs and the upload files they are made from.
//
// The seam between registry rules (services/) and where bytes live. A BlobStore knows
// nothing of repositories, manifests or hashing: services/ hashes while it streams and
// asks the store to commit an upload under the digest it computed. Implementations are
// thread-safe; one upload is written by one caller at a time (services/ serialises).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/error.h"
#include "common/message.h"

namespace pier::storage {

// Appends to one upload. Bytes reach durable storage no later than commit_upload(). Once an
// append fails, the upload holds what it held when this appender was opened (as far as
// the storage allows): a request refused for want of space takes none of it.
class UploadAppender {
 public:
  virtual ~UploadAppender() = default;
  virtual Result<void> append(std::string_view bytes) = 0;
  // Ends this request's appends: what was appended is kept and visible to every process
  // sharing the store (upload_size, the next appender). Called once, after the last append;
  // an appender destroyed without it closes as well as it can.
  virtual Result<void> close() { return {}; }
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Size in bytes; kBlobUnknown if no blob has this digest.
  virtual Result<std::uint64_t> stat(const Digest& digest) = 0;
  // The bytes [offset, offset + length) of a blob, ready for http/ to send.
  // kBlobUnknown if absent. The caller checks the range against stat().
  virtual Result<std::shared_ptr<FileRegion>> open(const Digest& digest, std::uint64_t offset,
                                                   std::uint64_t length) = 0;
  // A URL the client may fetch the blob from itself (an S3 presigned URL), when the store is
  // set up to hand reads off; nullopt means the bytes come through open().
  virtual std::optional<std::string> redirect_url(const Digest&) { return std::nullopt; }
  // Removes a blob; succeeds if it was already gone. Only garbage collection calls this.
  virtual Result<void> remove(const Digest& digest) = 0;

  // Creates an empty upload. `id` is a valid upload id (layout.h).
  virtual Result<void> create_upload(std::string_view id) = 0;
  // Bytes written so far; kBlobUploadUnknown if there is no such upload.
  virtual Result<std::uint64_t> upload_size(std::string_view id) = 0;
  virtual Result<std::unique_ptr<UploadAppender>> append_upload(std::string_view id) = 0;
  // Calls `consumer` with the upload's bytes in order (to rebuild a hash after a restart).
  virtual Result<void> read_upload(std::string_view id,
                                   const std::function<void(std::string_view)>& consumer) = 0;
  // Makes the upload durable and moves it to `digest`; if that blob already exists the
  // upload is discarded (the bytes are the same). The upload is gone afterwards.
  virtual Result<void> commit_upload(std::string_view id, const Digest& digest) = 0;
  // Removes an upload; succeeds if it was already gone.
  virtual Result<void> remove_upload(std::string_view id) = 0;
  // Ids of the uploads last written before `cutoff` (Unix seconds), for expiry;
  // kAllUploads lists every upload.
  static constexpr std::int64_t kAllUploads = std::numeric_limits<std::int64_t>::max();
  virtual Result<std::vector<std::string>> list_uploads(std::int64_t cutoff) = 0;
};

}  // namespace pier::storage
