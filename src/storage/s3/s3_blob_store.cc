#include "storage/s3/s3_blob_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <future>
#include <sstream>
#include <thread>

#include "storage/layout.h"

namespace pier::storage {

namespace {

Error unknown_blob() { return make_error(ErrorCode::kBlobUnknown, "blob unknown to registry"); }
Error unknown_upload() { return make_error(ErrorCode::kBlobUploadUnknown, "blob upload unknown to registry"); }
Error damaged_state() { return make_error(ErrorCode::kInternal, "an upload's saved state is damaged"); }

std::string data_key(std::string_view id) { return "uploads/" + std::string(id) + "/data"; }
// Named by the upload's size with it, so a tail is never overwritten while the journal
// names it: a request cut off between writing its tail and saving the journal leaves the
// tail the journal knows intact, and the hash saved with it true.
std::string tail_key(std::string_view id, std::uint64_t upload_size) {
  return "uploads/" + std::string(id) + "/tail-" + std::to_string(upload_size);
}

// What an upload has in the bucket, as the journal keeps it:
//   "<multipart id or -> <tail size>\n" then "<size> <etag>\n" per part, numbered from 1.
struct UploadState {
  struct StoredPart {
    std::uint64_t size = 0;
    std::string etag;
  };
  std::string multipart_id;
  std::vector<StoredPart> parts;
  std::uint64_t tail_size = 0;

  std::uint64_t size() const {
    std::uint64_t total = tail_size;
    for (const auto& part : parts) total += part.size;
    return total;
  }

  std::string text() const {
    std::string out = (multipart_id.empty() ? "-" : multipart_id) + " " + std::to_string(tail_size) + "\n";
    for (const auto& part : parts) out += std::to_string(part.size) + " " + part.etag + "\n";
    return out;
  }

  static std::optional<UploadState> parse(const std::string& text) {
    std::istringstream in(text);
    UploadState state;
    if (!(in >> state.multipart_id >> state.tail_size)) return std::nullopt;
    if (state.multipart_id == "-") state.multipart_id.clear();
    StoredPart part;
    while (in >> part.size >> part.etag) state.parts.push_back(part);
    if (!in.eof() || (state.multipart_id.empty() && !state.parts.empty())) return std::nullopt;
    return state;
  }
};

class S3BlobStore;

class S3Appender final : public UploadAppender {
 public:
  S3Appender(S3BlobStore& store, std::string id, UploadState state)
      : store_(store), id_(std::move(id)), state_(std::move(state)), before_(state_.size()) {}
  ~S3Appender() override {
    if (!closed_) (void)close();
  }
  Result<void> append(std::string_view bytes) override;
  Result<void> close() override;

 private:
  Result<void> load_tail();
  Result<void> send_part(std::string_view bytes);

  S3BlobStore& store_;
  const std::string id_;
  UploadState state_;
  const std::uint64_t before_;  // the upload's size when this appender was opened
  std::string buffer_;  // bytes after the last part, the stored tail's first once loaded
  bool tail_loaded_ = false;
  bool failed_ = false;
  bool closed_ = false;
};

class S3BlobStore final : public BlobStore {
 public:
  S3BlobStore(S3StoreOptions options, UploadJournal& journal, Clock& clock)
      : options_(std::move(options)),
        client_(std::make_shared<s3::S3Client>(options_.bucket)),
        journal_(journal),
        clock_(clock) {}

  Result<std::uint64_t> stat(const Digest& digest) override {
    auto size = client_->head(blob_key(digest));
    if (!size) return size.error();
    if (!*size) return unknown_blob();
    return **size;
  }

  std::optional<std::string> redirect_url(const Digest& digest) override {
    if (options_.redirect_seconds <= 0) return std::nullopt;
    return client_->presigned_get(blob_key(digest), clock_.unix_seconds(), options_.redirect_seconds);
  }

  // The bytes arrive through a pipe that a thread of this request fills from the bucket, so
  // http/ sends them as they come, whatever the blob's size, holding no more than the pipe.
  Result<std::shared_ptr<FileRegion>> open(const Digest& digest, std::uint64_t offset,
                                           std::uint64_t length) override {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(ErrorCode::kInternal, "pipe failed");
    (void)::fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
    auto outcome = std::make_shared<std::promise<Result<void>>>();
    auto started = outcome->get_future();
    std::thread([client = client_, key = blob_key(digest), offset, length, write_fd = fds[1], outcome] {
      bool told = false;
      const auto tell = [&](const Result<void>& result) {
        if (told) return;
        told = true;
        outcome->set_value(result);
      };
      const auto send = [write_fd](std::string_view bytes) {
        while (!bytes.empty()) {
          const ssize_t n = ::write(write_fd, bytes.data(), bytes.size());
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return false;  // the reader is gone
          bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
      };
      auto fetched = client->get_range(key, offset, length, tell, send);
      tell(fetched);
      ::close(write_fd);
    }).detach();
    if (auto r = started.get(); !r) {
      ::close(fds[0]);
      return r.error();
    }
    return std::make_shared<FileRegion>(fds[0], length, FileRegion::Sequential{});
  }

  Result<void> remove(const Digest& digest) override { return client_->remove(blob_key(digest)); }

  Result<void> create_upload(std::string_view id) override { return save(id, UploadState{}); }

  Result<std::uint64_t> upload_size(std::string_view id) override {
    auto state = load(id);
    if (!state) return state.error();
    return state->size();
  }

  Result<std::unique_ptr<UploadAppender>> append_upload(std::string_view id) override {
    auto state = load(id);
    if (!state) return state.error();
    return std::unique_ptr<UploadAppender>(new S3Appender(*this, std::string(id), std::move(*state)));
  }

  Result<void> read_upload(std::string_view id, const std::function<void(std::string_view)>& consumer) override {
    auto state = load(id);
    if (!state) return state.error();
    if (!state->parts.empty()) {
      return make_error(ErrorCode::kUnsupported, "an S3 upload's completed parts cannot be read back");
    }
    if (state->tail_size == 0) return {};
    auto tail = client_->get(tail_key(id, state->size()));
    if (!tail) return tail.error();
    if (tail->size() != state->tail_size) return damaged_state();
    consumer(*tail);
    return {};
  }

  Result<void> commit_upload(std::string_view id, const Digest& digest) override {
    auto state = load(id);
    if (!state) return state.error();
    const std::string target = blob_key(digest);
    auto existing = client_->head(target);
    if (!existing) return existing.error();
    if (!*existing) {
      if (auto r = place(id, *state, target); !r) return r.error();
    }
    return remove_upload(id);
  }

  Result<void> remove_upload(std::string_view id) override {
    auto state = load(id);
    if (!state) return state.error().code == ErrorCode::kBlobUploadUnknown ? Result<void>() : state.error();
    if (!state->multipart_id.empty()) {
      auto aborted = client_->abort_multipart(data_key(id), state->multipart_id);
      // A store that cannot abort (or has completed it already) leaves the parts to the
      // bucket's lifecycle rule; only an unreachable store is worth a retry.
      if (!aborted && aborted.error().code == ErrorCode::kUnavailable) return aborted.error();
    }
    if (auto r = client_->remove(data_key(id)); !r) return r.error();
    if (state->tail_size > 0) {
      if (auto r = client_->remove(tail_key(id, state->size())); !r) return r.error();
    }
    return journal_.remove(id);
  }

  Result<std::vector<std::string>> list_uploads(std::int64_t cutoff) override { return journal_.idle_since(cutoff); }

  // For S3Appender.
  s3::S3Client& client() { return *client_; }
  std::uint64_t part_size() const { return options_.part_size; }
  Result<void> save(std::string_view id, const UploadState& state) {
    return journal_.save(id, state.text(), clock_.unix_seconds());
  }

 private:
  Result<UploadState> load(std::string_view id) {
    if (!is_valid_upload_id(id)) return unknown_upload();
    auto text = journal_.load(id);
    if (!text) return text.error();
    if (!*text) return unknown_upload();
    auto state = UploadState::parse(**text);
    if (!state) return damaged_state();
    return std::move(*state);
  }

  // Puts the upload's bytes at `target`. Safe to repeat after a failure part-way: a
  // completed multipart upload is recognised by its object.
  Result<void> place(std::string_view id, UploadState& state, const std::string& target) {
    if (state.parts.empty()) {
      if (state.tail_size == 0) return client_->put(target, {});
      return client_->copy(tail_key(id, state.size()), target, state.tail_size);
    }
    const std::string data = data_key(id);
    const std::uint64_t size = state.size();
    auto completed = client_->head(data);
    if (!completed) return completed.error();
    if (!*completed || **completed != size) {
      std::vector<s3::Part> parts;
      for (std::size_t i = 0; i < state.parts.size(); ++i) parts.push_back({static_cast<int>(i) + 1, state.parts[i].etag});
      if (state.tail_size > 0) {  // the last part may be short
        auto tail = client_->get(tail_key(id, size));
        if (!tail) return tail.error();
        if (tail->size() != state.tail_size) return damaged_state();
        const int number = static_cast<int>(parts.size()) + 1;
        auto etag = client_->upload_part(data, state.multipart_id, number, *tail);
        if (!etag) return etag.error();
        parts.push_back({number, std::move(*etag)});
      }
      if (auto r = client_->complete_multipart(data, state.multipart_id, parts); !r) return r.error();
    }
    return client_->copy(data, target, size);
  }

  const S3StoreOptions options_;
  std::shared_ptr<s3::S3Client> client_;  // shared with the threads that stream reads
  UploadJournal& journal_;
  Clock& clock_;
};

Result<void> S3Appender::load_tail() {
  if (tail_loaded_) return {};
  tail_loaded_ = true;
  if (state_.tail_size == 0) return {};
  auto tail = store_.client().get(tail_key(id_, state_.size()));
  if (!tail) return tail.error();
  if (tail->size() != state_.tail_size) return damaged_state();
  buffer_ = std::move(*tail);
  return {};
}

Result<void> S3Appender::send_part(std::string_view bytes) {
  const std::string key = data_key(id_);
  if (state_.multipart_id.empty()) {
    auto created = store_.client().create_multipart(key);
    if (!created) return created.error();
    state_.multipart_id = std::move(*created);
  }
  // A part number past those the journal lists: a request cut off before close() leaves
  // parts the next request uploads again under the same numbers, replacing them.
  const int number = static_cast<int>(state_.parts.size()) + 1;
  auto etag = store_.client().upload_part(key, state_.multipart_id, number, bytes);
  if (!etag) return etag.error();
  state_.parts.push_back({bytes.size(), std::move(*etag)});
  return {};
}

Result<void> S3Appender::append(std::string_view bytes) {
  if (failed_ || closed_) return make_error(ErrorCode::kInternal, "upload write after a failure");
  const auto fail = [this](Error error) {
    failed_ = true;
    return error;
  };
  if (auto r = load_tail(); !r) return fail(r.error());
  const std::size_t part = static_cast<std::size_t>(store_.part_size());
  if (!buffer_.empty()) {
    const std::size_t take = std::min(part - buffer_.size(), bytes.size());
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (buffer_.size() == part) {
      if (auto r = send_part(buffer_); !r) return fail(r.error());
      buffer_.clear();
    }
  }
  while (bytes.size() >= part) {  // whole parts straight from the request's buffer
    if (auto r = send_part(bytes.substr(0, part)); !r) return fail(r.error());
    bytes.remove_prefix(part);
  }
  buffer_.append(bytes);
  return {};
}

Result<void> S3Appender::close() {
  if (closed_) return {};
  closed_ = true;
  if (failed_) return make_error(ErrorCode::kInternal, "upload closed after a failure");
  if (!tail_loaded_) return {};  // nothing appended: nothing changed
  const std::string old_tail = state_.tail_size > 0 ? tail_key(id_, before_) : std::string();
  state_.tail_size = buffer_.size();
  if (state_.size() == before_) return {};  // nothing appended
  const std::string new_tail = state_.tail_size > 0 ? tail_key(id_, state_.size()) : std::string();
  if (!new_tail.empty()) {
    if (auto r = store_.client().put(new_tail, buffer_); !r) return r.error();
  }
  if (auto r = store_.save(id_, state_); !r) return r.error();
  if (!old_tail.empty()) (void)store_.client().remove(old_tail);  // a leftover costs space, nothing else
  return {};
}

}  // namespace

std::unique_ptr<BlobStore> make_s3_blob_store(S3StoreOptions options, UploadJournal& journal, Clock& clock) {
  if (options.part_size < (5ull << 20)) throw std::invalid_argument("storage.s3.part_size must be at least 5 MiB");
  return std::make_unique<S3BlobStore>(std::move(options), journal, clock);
}

}  // namespace pier::storage
