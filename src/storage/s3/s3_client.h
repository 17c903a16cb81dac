// storage/s3/s3_client.h: the S3 requests the blob store makes, over libcurl.
//
// Requests are signed by libcurl (CURLOPT_AWS_SIGV4). Easy handles are pooled so their
// connections are reused. Every call is synchronous and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "storage/s3/sigv4.h"

namespace pier::storage::s3 {

struct S3Options {
  std::string endpoint;  // scheme://host[:port], e.g. http://127.0.0.1:9000
  std::string bucket;
  std::string region = "us-east-1";
  Credentials credentials;
  bool path_style = true;  // endpoint/bucket/key; otherwise bucket.host/key
  std::string ca_file;     // empty: the system's
};

struct Part {
  int number = 0;
  std::string etag;  // as S3 returned it, quotes included
};

// What one request looked like on the wire, for tests of signing.
struct SentRequest {
  std::string method;
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines curl sent
};

class S3Client {
 public:
  explicit S3Client(S3Options options);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // nullopt when the object does not exist.
  Result<std::optional<std::uint64_t>> head(std::string_view key);
  Result<void> put(std::string_view key, std::string_view bytes);
  // The whole object; kBlobUnknown when it does not exist.
  Result<std::string> get(std::string_view key);
  // Streams bytes [offset, offset + length) of an object to `sink`, which returns false to
  // stop. `started` is called once, before any byte, with the outcome of the request
  // (kBlobUnknown when the object does not exist).
  Result<void> get_range(std::string_view key, std::uint64_t offset, std::uint64_t length,
                         const std::function<void(const Result<void>&)>& started,
                         const std::function<bool(std::string_view)>& sink);
  // Succeeds when the object was already gone.
  Result<void> remove(std::string_view key);
  // A server-side copy; objects above 5 GiB are copied in parts.
  Result<void> copy(std::string_view from, std::string_view to, std::uint64_t size);

  Result<std::string> create_multipart(std::string_view key);
  Result<std::string> upload_part(std::string_view key, std::string_view upload_id, int number,
                                  std::string_view bytes);
  Result<void> complete_multipart(std::string_view key, std::string_view upload_id, const std::vector<Part>& parts);
  Result<void> abort_multipart(std::string_view key, std::string_view upload_id);

  // A GET URL for `key` that needs no credentials until `now + expires_seconds`.
  std::string presigned_get(std::string_view key, std::int64_t now, std::int64_t expires_seconds) const;

  // The requests made from now on are also recorded (tests only).
  void record_requests(std::function<void(const SentRequest&)> recorder);

  // The body of CompleteMultipartUpload for `parts` (exposed for tests).
  static std::string complete_body(const std::vector<Part>& parts);

 private:
  struct Call;
  struct Reply;
  class HandlePool;

  std::string url(std::string_view key, std::string_view query = {}) const;
  Result<Reply> perform(Call& call);
  Result<Reply> expect_ok(Call& call, std::string_view what);
  Result<std::string> upload_part_copy(std::string_view from, std::string_view to, std::string_view upload_id,
                                       int number, std::uint64_t first, std::uint64_t last);

  S3Options options_;
  std::string host_;  // the Host header a presigned URL is signed for
  std::string base_;  // scheme://host[:port] (with the bucket in it for virtual-host addressing)
  std::string path_prefix_;  // "/bucket" for path-style addressing, "" otherwise
  std::unique_ptr<HandlePool> handles_;
  std::function<void(const SentRequest&)> recorder_;
};

}  // namespace pier::storage::s3
