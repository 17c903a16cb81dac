#include "common/byte_range.h"
#include "common/digest.h"
#include "common/names.h"
#include "registry/handlers.h"

namespace pier::registry {

namespace {

std::string upload_location(std::string_view repository, std::string_view id) {
  return "/v2/" + std::string(repository) + "/blobs/uploads/" + std::string(id);
}

// Range reports the last byte received ("0-<size-1>"); an empty upload reports "0-0".
std::string range_value(std::uint64_t size) { return "0-" + std::to_string(size == 0 ? 0 : size - 1); }

Response upload_progress(unsigned status, std::string_view repository, std::string_view id, std::uint64_t size) {
  Response response = empty_response(status);
  response.header("Location", upload_location(repository, id))
      .header("Range", range_value(size))
      .header("Docker-Upload-UUID", std::string(id));
  return response;
}

Response blob_created(std::string_view repository, const Digest& digest) {
  Response response = empty_response(201);
  response.header("Location", blob_location(repository, digest.str())).header("Docker-Content-Digest", digest.str());
  return response;
}

Result<Digest> required_digest(const Request& request) {
  const auto digest = request.query_param("digest");
  if (!digest) return make_error(ErrorCode::kDigestInvalid, "the digest query parameter is required");
  return Digest::parse(*digest);
}

// What happens once the body has arrived.
enum class Completion {
  kProgress,    // PATCH: report how far the upload has got
  kCommit,      // PUT: commit under the digest the client named
  kMonolithic,  // POST ?digest=: commit, and remove the session if the client goes away
};

class UploadSink final : public BodySink {
 public:
  UploadSink(services::UploadService& uploads, std::string repository, std::string id,
             std::unique_ptr<services::UploadWriter> writer, Completion completion, std::optional<Digest> digest)
      : uploads_(uploads), repository_(std::move(repository)), id_(std::move(id)), writer_(std::move(writer)),
        completion_(completion), digest_(std::move(digest)) {}

  ~UploadSink() override {
    writer_.reset();
    // The client never learnt this session's id, so nobody could resume it.
    if (completion_ == Completion::kMonolithic && !finished_) (void)uploads_.cancel(repository_, id_);
  }

  Result<void> write(std::string_view chunk) override { return writer_->write(chunk); }

  Result<Response> finish() override {
    finished_ = true;
    if (auto r = writer_->finish(); !r) return r.error();
    const std::uint64_t size = writer_->size();
    writer_.reset();  // releases the session before it is completed
    if (completion_ == Completion::kProgress) return upload_progress(202, repository_, id_, size);
    auto committed = uploads_.complete(repository_, id_, *digest_);
    if (!committed) return committed.error();
    return blob_created(repository_, committed->digest);
  }

 private:
  services::UploadService& uploads_;
  const std::string repository_;
  const std::string id_;
  std::unique_ptr<services::UploadWriter> writer_;
  const Completion completion_;
  const std::optional<Digest> digest_;
  bool finished_ = false;
};

Result<Reply> stream_into(services::UploadService& uploads, const Request& request, std::string id,
                          std::optional<ByteRange> range, Completion completion, std::optional<Digest> digest) {
  auto writer = uploads.open_writer(request.repository, id, range);
  if (!writer) return writer.error();
  return Reply(std::make_unique<UploadSink>(uploads, request.repository, std::move(id), std::move(*writer),
                                            completion, std::move(digest)));
}

}  // namespace

bool is_small_monolithic_upload(const Request& request, const services::UploadService& uploads) {
  return request.method == Method::kPost && request.query_param("digest") && !request.query_param("mount") &&
         request.content_length && *request.content_length <= uploads.inline_max_bytes();
}

Result<Reply> start_upload(RegistryServices& s, Request& request) {
  if (const auto mount = request.query_param("mount")) {
    auto digest = Digest::parse(*mount);
    if (!digest) return digest.error();
    // RegistryApp has chosen a source the caller may pull from, or removed the mount; an
    // invalid "from" mounts nothing.
    const auto from = request.query_param("from");
    if (from && is_valid_repository_name(*from)) {
      auto mounted = s.uploads.mount(request.repository, *digest, *from);
      if (!mounted) return mounted.error();
      if (*mounted) return Reply(blob_created(request.repository, *digest));
    }
    // Not mountable: fall back to an ordinary upload session, as the spec asks.
  } else if (request.query_param("digest")) {
    auto digest = required_digest(request);
    if (!digest) return digest.error();
    if (is_small_monolithic_upload(request, s.uploads)) {
      auto stored = s.uploads.put_inline(request.repository, *digest, request.body);
      if (!stored) return stored.error();
      return Reply(blob_created(request.repository, stored->digest));
    }
    auto id = s.uploads.start_transient(request.repository);
    if (!id) return id.error();
    return stream_into(s.uploads, request, std::move(*id), std::nullopt, Completion::kMonolithic, std::move(*digest));
  }
  auto id = s.uploads.start(request.repository);
  if (!id) return id.error();
  return Reply(upload_progress(202, request.repository, *id, 0));
}

Result<Reply> get_upload(RegistryServices& s, Request& request) {
  auto size = s.uploads.status(request.repository, request.upload_id);
  if (!size) return size.error();
  return Reply(upload_progress(204, request.repository, request.upload_id, *size));
}

Result<Reply> patch_upload(RegistryServices& s, Request& request) {
  std::optional<ByteRange> range;
  if (const auto header = request.header("content-range"); !header.empty()) {
    auto parsed = parse_upload_content_range(header);
    if (!parsed) return parsed.error();
    if (request.content_length && *request.content_length != parsed->length()) {
      return make_error(ErrorCode::kRangeNotSatisfiable, "Content-Range does not match Content-Length");
    }
    range = *parsed;
  }
  return stream_into(s.uploads, request, request.upload_id, range, Completion::kProgress, std::nullopt);
}

Result<Reply> put_upload(RegistryServices& s, Request& request) {
  auto digest = required_digest(request);
  if (!digest) return digest.error();
  std::optional<ByteRange> range;
  if (const auto header = request.header("content-range"); !header.empty()) {
    auto parsed = parse_upload_content_range(header);
    if (!parsed) return parsed.error();
    range = *parsed;
  }
  return stream_into(s.uploads, request, request.upload_id, range, Completion::kCommit, std::move(*digest));
}

Result<Reply> delete_upload(RegistryServices& s, Request& request) {
  if (auto r = s.uploads.cancel(request.repository, request.upload_id); !r) return r.error();
  return Reply(empty_response(204));
}

}  // namespace pier::registry
