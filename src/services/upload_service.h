// services/upload_service.h: blob upload sessions, from POST to the committed blob.
//
// Bytes are hashed as they stream in (one pass) and appended to the store's upload; the
// session row lives in the metadata store, so a session survives a restart: its hash is
// then rebuilt from the bytes already stored. When replicas share the metadata, the hash
// state is saved with the row after every request, so any replica continues the upload
// without reading the bytes back (an S3 multipart upload cannot be read back). A completed upload is committed under the
// digest the client named only if the bytes hash to it; otherwise nothing is left behind.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/byte_range.h"
#include "common/clock.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/message.h"
#include "common/side_queue.h"
#include "meta/lifecycle_store.h"
#include "meta/metadata_store.h"
#include "storage/blob_store.h"

namespace pier::services {

class UploadService;

// Appends one request's bytes to an upload. At most one writer per upload at a time.
class UploadWriter {
 public:
  ~UploadWriter();
  UploadWriter(const UploadWriter&) = delete;
  UploadWriter& operator=(const UploadWriter&) = delete;

  // `bytes` must stay valid until kHashQueueDepth more writes have returned or the writer
  // is destroyed: a large chunk may still be being hashed when write() returns. As deep as
  // a BodySink may hold chunks, since the upload handler's sink writes through here.
  static constexpr std::size_t kHashQueueDepth = kBodySinkChunksHeld;
  Result<void> write(std::string_view bytes);
  // Ends the request's writes: the bytes are kept where every replica finds them, and so is
  // the hash of them when replicas share uploads. Before the client is told the new size.
  Result<void> finish();
  // Size of the upload including what this writer appended.
  std::uint64_t size() const;

 private:
  friend class UploadService;
  struct Session;
  UploadWriter(UploadService& service, std::string id, std::shared_ptr<Session> session,
               std::unique_ptr<storage::UploadAppender> appender);

  UploadService& service_;
  const std::string id_;
  std::shared_ptr<Session> session_;
  std::unique_ptr<storage::UploadAppender> appender_;
  SideQueue hashing_{kHashQueueDepth};
  bool finished_ = false;
};

struct CommittedBlob {
  Digest digest;
  std::uint64_t size;
};

struct UploadSettings {
  // A session idle this long is removed with its bytes.
  std::chrono::seconds expiry{std::chrono::hours(24)};
  // Blobs of at most this many bytes are kept in the metadata store, where they become
  // durable with their link in one commit (no file or directory sync); 0 keeps every blob
  // in the blob store.
  std::uint64_t inline_max_bytes = 0;
  // A request for a session another request is writing waits up to this for it (a client
  // retrying after a dropped connection can be quicker than the server).
  std::chrono::milliseconds claim_wait{std::chrono::seconds(5)};
};

class UploadService {
 public:
  // `lifecycle` gives the blob locks that keep an upload's commit and garbage collection of
  // the same digest apart.
  UploadService(storage::BlobStore& blobs, meta::MetadataStore& metadata, meta::LifecycleStore& lifecycle, Clock& clock,
                UploadSettings settings);

  // Opens a session for `repository`; returns its id.
  Result<std::string> start(std::string_view repository);
  // Opens a session that lives within one request (a monolithic POST): it is kept only in
  // memory, saving a database write; bytes left by a crash are removed by expire_idle().
  Result<std::string> start_transient(std::string_view repository);
  // Bytes received so far; kBlobUploadUnknown if the session is not open for `repository`.
  Result<std::uint64_t> status(std::string_view repository, std::string_view id);
  // A writer for the next bytes. With `range` (a PATCH Content-Range), the range must begin
  // exactly where the upload ends: kRangeNotSatisfiable otherwise.
  Result<std::unique_ptr<UploadWriter>> open_writer(std::string_view repository, std::string_view id,
                                                    std::optional<ByteRange> range);
  // Closes the session: commits the bytes as blob `expected` and links it to the repository.
  // kDigestInvalid if the bytes hash otherwise; the session and its bytes are then removed.
  Result<CommittedBlob> complete(std::string_view repository, std::string_view id, const Digest& expected);
  // Stores a blob whose whole body came with one request (a monolithic POST of at most
  // inline_max_bytes): hashed in memory and kept in the metadata store, with no session and
  // no upload file. kDigestInvalid if the bytes hash otherwise.
  Result<CommittedBlob> put_inline(std::string_view repository, const Digest& expected, std::string_view bytes);
  std::uint64_t inline_max_bytes() const { return settings_.inline_max_bytes; }
  Result<void> cancel(std::string_view repository, std::string_view id);
  // Links an existing blob of `from` into `repository` without an upload; nullopt when
  // `from` does not have it. Whether the caller may pull from `from` is for the caller to check.
  Result<std::optional<std::uint64_t>> mount(std::string_view repository, const Digest& digest,
                                             std::string_view from);
  // Repositories a blob could be mounted from (they link it), at most `limit`, in name order.
  Result<std::vector<std::string>> mount_sources(const Digest& digest, std::size_t limit);
  // Removes sessions idle for longer than the expiry, with their bytes, and upload bytes as
  // old that no session accounts for. Returns how many.
  std::size_t expire_idle();

  std::chrono::seconds expiry() const { return settings_.expiry; }

 private:
  friend class UploadWriter;
  using Session = UploadWriter::Session;

  std::shared_ptr<Session> new_session(std::string_view repository, std::string_view id, bool transient);
  Result<std::shared_ptr<Session>> session_for(std::string_view repository, std::string_view id);
  Result<void> ensure_hash_current(std::string_view id, Session& session, DigestAlgorithm algorithm);
  bool restore_saved_hash(std::string_view id, Session& session, std::uint64_t stored);
  void forget(std::string_view id);
  Result<void> discard(std::string_view id);
  Result<void> store_blob(std::string_view repository, std::string_view id, const Digest& digest, std::uint64_t size);
  bool has_bytes(const Digest& digest);

  storage::BlobStore& blobs_;
  meta::MetadataStore& metadata_;
  meta::LifecycleStore& lifecycle_;
  Clock& clock_;
  const UploadSettings settings_;

  std::mutex sessions_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;  // guarded by sessions_mutex_
};

}  // namespace pier::services
