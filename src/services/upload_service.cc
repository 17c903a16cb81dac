#include "services/upload_service.h"

#include <condition_variable>

#include "storage/layout.h"

namespace pier::services {

// In-memory state of an open upload. `busy` keeps a second writer out while one is
// appending (a writer may live across threads, so it is a flag, not a held mutex).
struct UploadWriter::Session {
  // Claimed by one writer or completion at a time. A writer may live across threads, so
  // the claim is a flag, not a held mutex. A claimant waits a little for the previous one:
  // a client whose connection just dropped retries before the server has let go.
  bool claim(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex);
    if (!released.wait_for(lock, wait, [&] { return !busy.load(); })) return false;
    busy = true;
    return true;
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      busy = false;
    }
    released.notify_all();
  }

  std::mutex mutex;
  std::condition_variable released;
  std::atomic<bool> busy{false};
  std::optional<Hasher> hasher;  // touched only by the claimant
  std::int64_t touched_at = 0;   // when the row's updated_at was last set; only by the claimant
  std::string repository;
  bool transient = false;        // no row in the metadata store
  std::uint64_t size = 0;        // bytes appended, as far as this process knows
};

namespace {
// Below this a chunk is written and hashed faster than a hand-over to another thread.
constexpr std::size_t kHashAlongsideBytes = 64 * 1024;

Error unknown_upload() { return make_error(ErrorCode::kBlobUploadUnknown, "blob upload unknown to registry"); }
Error digest_mismatch(const Digest& expected, const Digest& actual) {
  return make_error(ErrorCode::kDigestInvalid, "provided digest did not match uploaded content",
                    "{\"expected\":\"" + expected.str() + "\",\"actual\":\"" + actual.str() + "\"}");
}
Error busy_upload() {
  return make_error(ErrorCode::kBlobUploadInvalid, "another request is writing to this upload");
}
}  // namespace

UploadWriter::UploadWriter(UploadService& service, std::string id, std::shared_ptr<Session> session,
                           std::unique_ptr<storage::UploadAppender> appender)
    : service_(service), id_(std::move(id)), session_(std::move(session)), appender_(std::move(appender)) {}

UploadWriter::~UploadWriter() {
  hashing_.drain();
  if (!finished_ && appender_ && !appender_->close()) session_->hasher.reset();
  appender_.reset();
  session_->release();
}

Result<void> UploadWriter::finish() {
  finished_ = true;
  hashing_.drain();
  if (auto r = appender_->close(); !r) {
    session_->hasher.reset();
    return r.error();
  }
  if (session_->transient || !session_->hasher || !service_.metadata_.shared_with_other_processes()) return {};
  const auto state = session_->hasher->save_state();
  if (!state) return {};
  const auto now = service_.clock_.unix_seconds();
  if (auto r = service_.metadata_.save_upload_hash(id_, *state, now); !r) return r.error();
  session_->touched_at = now;
  return {};
}

Result<void> UploadWriter::write(std::string_view bytes) {
  if (!session_->hasher) return make_error(ErrorCode::kInternal, "upload write after a failure");
  Hasher& hasher = *session_->hasher;
  // Hashing is the heaviest part of taking a large upload: it runs on a spare core while
  // this thread writes the bytes out and receives the next ones.
  auto hash = [&hasher, bytes] { hasher.update(bytes); };
  if (bytes.size() >= kHashAlongsideBytes) {
    hashing_.push(hash);
  } else {
    hashing_.push_small(hash);
  }
  auto appended = appender_->append(bytes);
  if (!appended) {
    hashing_.drain();
    session_->hasher.reset();  // the stored bytes are now unknown: rehash before completing
    return appended.error();
  }
  session_->size += bytes.size();
  return {};
}

std::uint64_t UploadWriter::size() const { return session_->size; }

UploadService::UploadService(storage::BlobStore& blobs, meta::MetadataStore& metadata,
                             meta::LifecycleStore& lifecycle, Clock& clock, UploadSettings settings)
    : blobs_(blobs), metadata_(metadata), lifecycle_(lifecycle), clock_(clock), settings_(settings) {}

Result<std::string> UploadService::start(std::string_view repository) {
  auto id = storage::new_upload_id();
  const auto now = clock_.unix_seconds();
  // The row first: a crash between the two leaves a row that expiry removes, never an
  // unaccounted file.
  if (auto r = metadata_.create_upload({id, std::string(repository), now, now, {}}); !r) return r.error();
  if (auto r = blobs_.create_upload(id); !r) {
    (void)metadata_.delete_upload(id);
    return r.error();
  }
  new_session(repository, id, false)->touched_at = now;
  return id;
}

Result<std::string> UploadService::start_transient(std::string_view repository) {
  auto id = storage::new_upload_id();
  if (auto r = blobs_.create_upload(id); !r) return r.error();
  new_session(repository, id, true);
  return id;
}

std::shared_ptr<UploadService::Session> UploadService::new_session(std::string_view repository, std::string_view id,
                                                                   bool transient) {
  auto session = std::make_shared<Session>();
  session->hasher.emplace(DigestAlgorithm::kSha256);
  session->repository = std::string(repository);
  session->transient = transient;
  std::lock_guard lock(sessions_mutex_);
  sessions_.insert_or_assign(std::string(id), session);
  return session;
}

Result<std::shared_ptr<UploadService::Session>> UploadService::session_for(std::string_view repository,
                                                                           std::string_view id) {
  if (!storage::is_valid_upload_id(id)) return unknown_upload();
  {
    std::lock_guard lock(sessions_mutex_);
    if (auto it = sessions_.find(std::string(id)); it != sessions_.end() && it->second->transient) {
      if (it->second->repository != repository) return unknown_upload();
      return it->second;
    }
  }
  auto record = metadata_.get_upload(id);
  if (!record) return record.error();
  if (!*record || (*record)->repository != repository) return unknown_upload();
  std::lock_guard lock(sessions_mutex_);
  auto& session = sessions_[std::string(id)];
  if (!session) {  // opened before a restart
    session = std::make_shared<Session>();
    session->repository = std::string(repository);
  }
  return session;
}

Result<std::uint64_t> UploadService::status(std::string_view repository, std::string_view id) {
  auto session = session_for(repository, id);
  if (!session) return session.error();
  return blobs_.upload_size(id);
}

Result<void> UploadService::ensure_hash_current(std::string_view id, Session& session,
                                                DigestAlgorithm algorithm) {
  auto stored = blobs_.upload_size(id);
  if (!stored) return stored.error();
  if (session.hasher && session.hasher->algorithm() == algorithm && session.size == *stored &&
      session.hasher->bytes_hashed() == *stored) {
    return {};
  }
  if (algorithm == DigestAlgorithm::kSha256 && restore_saved_hash(id, session, *stored)) return {};
  // Rebuilt from the stored bytes: after a restart, a failed write, or for sha512.
  Hasher hasher(algorithm);
  if (auto r = blobs_.read_upload(id, [&](std::string_view bytes) { hasher.update(bytes); }); !r) {
    return r.error();
  }
  session.hasher.emplace(std::move(hasher));
  session.size = session.hasher->bytes_hashed();
  return {};
}

// The hash another replica saved, if it covers exactly the bytes stored.
bool UploadService::restore_saved_hash(std::string_view id, Session& session, std::uint64_t stored) {
  if (session.transient || !metadata_.shared_with_other_processes()) return false;
  auto record = metadata_.get_upload(id);
  if (!record || !*record || (*record)->hash_state.empty()) return false;
  auto hasher = Hasher::restore_state((*record)->hash_state);
  if (!hasher || hasher->bytes_hashed() != stored) return false;
  session.hasher.emplace(std::move(*hasher));
  session.size = stored;
  return true;
}

Result<std::unique_ptr<UploadWriter>> UploadService::open_writer(std::string_view repository,
                                                                 std::string_view id,
                                                                 std::optional<ByteRange> range) {
  auto session = session_for(repository, id);
  if (!session) return session.error();
  if (!(*session)->claim(settings_.claim_wait)) return busy_upload();
  // From here on the session is ours; release it on every early return.
  struct Release {
    Session* s;
    ~Release() {
      if (s) s->release();
    }
  } release{session->get()};
  // Expiry counts from the last write; the row is refreshed only when it is a quarter of
  // the expiry (at most a minute) old, which is precise enough and spares a disk sync.
  const auto now = clock_.unix_seconds();
  if (!(*session)->transient && now - (*session)->touched_at >= std::min<std::int64_t>(60, settings_.expiry.count() / 4)) {
    if (auto r = metadata_.touch_upload(id, now); !r) return r.error();
    (*session)->touched_at = now;
  }

  if (auto r = ensure_hash_current(id, **session, DigestAlgorithm::kSha256); !r) return r.error();
  if (range && range->first != (*session)->size) {
    return make_error(ErrorCode::kRangeNotSatisfiable, "chunk does not start where the upload ends",
                      "{\"offset\":" + std::to_string((*session)->size) + "}");
  }
  auto appender = blobs_.append_upload(id);
  if (!appender) return appender.error();
  release.s = nullptr;
  return std::unique_ptr<UploadWriter>(
      new UploadWriter(*this, std::string(id), std::move(*session), std::move(*appender)));
}

Result<CommittedBlob> UploadService::complete(std::string_view repository, std::string_view id,
                                              const Digest& expected) {
  auto session = session_for(repository, id);
  if (!session) return session.error();
  if (!(*session)->claim(settings_.claim_wait)) return busy_upload();
  struct Release {
    Session* s;
    ~Release() { s->release(); }
  } release{session->get()};

  if (auto r = ensure_hash_current(id, **session, expected.algorithm()); !r) return r.error();
  const auto size = (*session)->size;
  const Digest actual = (*session)->hasher->finish();
  (*session)->hasher.reset();
  if (actual != expected) {
    (void)discard(id);
    return digest_mismatch(expected, actual);
  }
  if (auto r = store_blob(repository, id, expected, size); !r) {
    // Nobody can retry a transient session (its client never learnt the id), and expiry
    // passes over the bytes of sessions this process knows: left here, they would hold
    // their space until a restart, and on a full disk that space is what a retry needs.
    if ((*session)->transient) {
      (void)blobs_.remove_upload(id);
      forget(id);
    }
    return r.error();
  }
  forget(id);
  return CommittedBlob{expected, size};
}

// Moves the verified bytes of upload `id` to where blob `digest` lives and links it, the
// session row closed in the same commit.
Result<void> UploadService::store_blob(std::string_view repository, std::string_view id, const Digest& digest,
                                       std::uint64_t size) {
  const auto now = clock_.unix_seconds();
  if (size > settings_.inline_max_bytes) {
    // The bytes are placed and linked under the blob's lock, so garbage collection never
    // removes them between the two (it claims, removes and forgets under the same lock).
    auto lock = lifecycle_.lock_blobs({digest.str()});
    if (!lock) return lock.error();
    auto stored_before = metadata_.blob_size(digest);
    if (!stored_before) return stored_before.error();
    if (auto r = blobs_.commit_upload(id, digest); !r) return r.error();
    auto linked = metadata_.link_uploaded_blob(repository, digest, size, id, now);
    // Refused (a quota): bytes no row accounts for would stay until a walk of the store,
    // which nothing does; the lock guarantees nobody linked them meanwhile.
    if (!linked && !*stored_before) (void)blobs_.remove(digest);
    return linked;
  }
  std::string bytes;
  bytes.reserve(size);
  if (auto r = blobs_.read_upload(id, [&](std::string_view chunk) { bytes.append(chunk); }); !r) return r.error();
  if (bytes.size() != size) return make_error(ErrorCode::kInternal, "upload changed while it was completed");
  if (auto r = metadata_.link_inline_blob(repository, digest, bytes, id, now); !r) return r.error();
  // Durable in the database now; the upload file was never synced and needs no sync to go.
  (void)blobs_.remove_upload(id);
  return {};
}

Result<CommittedBlob> UploadService::put_inline(std::string_view repository, const Digest& expected,
                                                std::string_view bytes) {
  if (bytes.size() > settings_.inline_max_bytes) return make_error(ErrorCode::kInternal, "blob too large to inline");
  Hasher hasher(expected.algorithm());
  hasher.update(bytes);
  if (const Digest actual = hasher.finish(); actual != expected) return digest_mismatch(expected, actual);
  if (auto r = metadata_.link_inline_blob(repository, expected, bytes, "", clock_.unix_seconds()); !r) {
    return r.error();
  }
  return CommittedBlob{expected, bytes.size()};
}

// True if the bytes of a blob the metadata knows are really there, in either place.
bool UploadService::has_bytes(const Digest& digest) {
  if (blobs_.stat(digest)) return true;
  auto kept = metadata_.inline_blob(digest);
  return kept && kept->has_value();
}

Result<void> UploadService::cancel(std::string_view repository, std::string_view id) {
  auto session = session_for(repository, id);
  if (!session) return session.error();
  return discard(id);
}

Result<std::vector<std::string>> UploadService::mount_sources(const Digest& digest, std::size_t limit) {
  return metadata_.repositories_linking(digest, limit);
}

Result<std::optional<std::uint64_t>> UploadService::mount(std::string_view repository, const Digest& digest,
                                                         std::string_view from) {
  // Under the blob's lock, so a collection is not halfway through removing it: the source's
  // link, read now, shows the bytes are there until this link is made.
  auto lock = lifecycle_.lock_blobs({digest.str()});
  if (!lock) return lock.error();
  auto size = metadata_.linked_blob_size(from, digest);
  if (!size) return size.error();
  if (!*size) return std::optional<std::uint64_t>();
  // The metadata says the blob exists; make sure its bytes do too before linking.
  if (!has_bytes(digest)) return std::optional<std::uint64_t>();
  if (auto r = metadata_.link_blob(repository, digest, **size, clock_.unix_seconds()); !r) {
    if (r.error().code == ErrorCode::kBlobUnknown) return std::optional<std::uint64_t>();
    return r.error();
  }
  return *size;
}

std::size_t UploadService::expire_idle() {
  const auto cutoff = clock_.unix_seconds() - settings_.expiry.count();
  auto idle = metadata_.uploads_idle_since(cutoff);
  if (!idle) return 0;
  std::size_t removed = 0;
  for (const auto& upload : *idle) {
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(sessions_mutex_);
      if (auto it = sessions_.find(upload.id); it != sessions_.end()) session = it->second;
    }
    if (session && session->busy.load()) continue;  // being written right now
    if (discard(upload.id)) ++removed;
  }
  // Bytes no session accounts for: a transient session cut off by a crash.
  auto stale_files = blobs_.list_uploads(cutoff);
  if (!stale_files) return removed;
  for (const auto& id : *stale_files) {
    {
      std::lock_guard lock(sessions_mutex_);
      if (sessions_.contains(id)) continue;
    }
    auto record = metadata_.get_upload(id);
    if (!record || *record) continue;
    if (blobs_.remove_upload(id)) ++removed;
  }
  return removed;
}

Result<void> UploadService::discard(std::string_view id) {
  // The bytes first, then the row: a crash in between leaves a row that expiry retries.
  if (auto r = blobs_.remove_upload(id); !r) return r.error();
  if (auto r = metadata_.delete_upload(id); !r) return r.error();
  forget(id);
  return {};
}

void UploadService::forget(std::string_view id) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.erase(std::string(id));
}

}  // namespace pier::services
