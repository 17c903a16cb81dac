#include "storage/s3/s3_client.h"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

namespace pier::storage::s3 {

namespace {

// S3 needs x-amz-content-sha256 on every request; libcurl signs with the value given there.
// Bodies go unsigned: hashing every byte of a layer a second time would cost as much as the
// push's own digest, and the transport (TLS) or Pier's digest check guards the bytes.
constexpr std::string_view kEmptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::uint64_t kMaxCopyObjectBytes = 5ull << 30;  // S3's limit for one CopyObject
constexpr std::uint64_t kCopyPartBytes = 1ull << 30;
constexpr std::size_t kErrorBodyLimit = 64 * 1024;

std::string xml_text(std::string_view body, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const auto begin = body.find(open);
  if (begin == std::string_view::npos) return {};
  const auto end = body.find(close, begin + open.size());
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(begin + open.size(), end - begin - open.size()));
}

std::once_flag curl_initialised;

}  // namespace

struct S3Client::Call {
  // A request with no body (GET, HEAD, DELETE); see with_body().
  Call(std::string m, std::string u) : method(std::move(m)), url(std::move(u)) {}
  static Call with_body(std::string m, std::string u, std::string_view bytes) {
    Call call(std::move(m), std::move(u));
    call.body = bytes;
    call.has_body = true;
    return call;
  }

  std::string method;
  std::string url;
  std::string_view body;
  bool has_body = false;
  std::vector<std::string> headers;
  std::function<void(const Result<void>&)> started;
  std::function<bool(std::string_view)> sink;
};

struct S3Client::Reply {
  long status = 0;
  std::string body;
  std::string etag;
  std::optional<std::uint64_t> length;
  bool headers_done = false;
  bool sink_stopped = false;
};

class S3Client::HandlePool {
 public:
  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }
  CURL* take() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        curl_easy_reset(handle);
        return handle;
      }
    }
    CURL* handle = curl_easy_init();
    if (handle == nullptr) throw std::runtime_error("curl_easy_init failed");
    return handle;
  }
  void give_back(CURL* handle) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kKept) {
      idle_.push_back(handle);
      return;
    }
    curl_easy_cleanup(handle);
  }

 private:
  static constexpr std::size_t kKept = 64;
  std::mutex mutex_;
  std::vector<CURL*> idle_;
};

S3Client::S3Client(S3Options options) : options_(std::move(options)), handles_(std::make_unique<HandlePool>()) {
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string endpoint = options_.endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("storage.s3.endpoint needs a scheme: " + endpoint);
  const std::string scheme = endpoint.substr(0, scheme_end);
  std::string host = endpoint.substr(scheme_end + 3);
  if (host.find('/') != std::string::npos) throw std::invalid_argument("storage.s3.endpoint takes no path: " + endpoint);
  if (options_.path_style) {
    host_ = host;
    path_prefix_ = "/" + uri_encode(options_.bucket);
  } else {
    host_ = options_.bucket + "." + host;
  }
  base_ = scheme + "://" + host_;
}

S3Client::~S3Client() = default;

void S3Client::record_requests(std::function<void(const SentRequest&)> recorder) { recorder_ = std::move(recorder); }

std::string S3Client::url(std::string_view key, std::string_view query) const {
  std::string text = base_ + path_prefix_ + "/" + uri_encode(key, true);
  if (!query.empty()) {
    text += '?';
    text += query;
  }
  return text;
}

std::string S3Client::presigned_get(std::string_view key, std::int64_t now, std::int64_t expires_seconds) const {
  return presigned_get_url(base_, host_, path_prefix_ + "/" + uri_encode(key, true), options_.credentials,
                           {options_.region, "s3"}, now, expires_seconds);
}

Result<S3Client::Reply> S3Client::perform(Call& call) {
  CURL* curl = handles_->take();
  struct GiveBack {
    HandlePool& pool;
    CURL* handle;
    ~GiveBack() { pool.give_back(handle); }
  } give_back{*handles_, curl};

  Reply reply;
  const std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, options_.credentials.access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.credentials.secret_key.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  // A transfer that moves nothing for a minute is dead; a slow one is not.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());

  struct curl_slist* headers = nullptr;
  struct FreeHeaders {
    curl_slist*& list;
    ~FreeHeaders() { curl_slist_free_all(list); }
  } free_headers{headers};
  const std::string payload = "x-amz-content-sha256: " +
                              std::string(call.has_body && !call.body.empty() ? kUnsignedPayload : kEmptyPayload);
  headers = curl_slist_append(headers, payload.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip before a part
  for (const auto& header : call.headers) headers = curl_slist_append(headers, header.c_str());

  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (call.has_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

  struct Context {
    CURL* curl;
    Call& call;
    Reply& reply;
  } context{curl, call, reply};
  const auto on_header = +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
    auto& c = *static_cast<Context*>(user);
    const std::string_view line(data, size * count);
    if (line == "\r\n" || line == "\n") {
      curl_easy_getinfo(c.curl, CURLINFO_RESPONSE_CODE, &c.reply.status);
      if (c.reply.status >= 200) c.reply.headers_done = true;
      return size * count;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    if (name == "etag") c.reply.etag = std::string(value);
    if (name == "content-length") {
      try {
        c.reply.length = std::stoull(std::string(value));
      } catch (const std::exception&) {
      }
    }
    return size * count;
  };
  const auto on_body = +[](char* data, std::size_t size, std::size_t count, void* user) -> std::size_t {
    auto& c = *static_cast<Context*>(user);
    const std::string_view bytes(data, size * count);
    const bool success = c.reply.status >= 200 && c.reply.status < 300;
    if (success && c.call.sink) {
      if (c.call.started) {
        c.call.started(Result<void>());
        c.call.started = nullptr;
      }
      if (!c.call.sink(bytes)) {
        c.reply.sink_stopped = true;
        return 0;
      }
      return bytes.size();
    }
    if (c.reply.body.size() < kErrorBodyLimit || success) c.reply.body.append(bytes);
    return bytes.size();
  };
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &context);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &context);

  SentRequest sent;
  if (recorder_) {
    sent.method = call.method;
    sent.url = call.url;
    const auto on_debug = +[](CURL*, curl_infotype type, char* data, std::size_t size, void* user) -> int {
      if (type != CURLINFO_HEADER_OUT) return 0;
      auto& request = *static_cast<SentRequest*>(user);
      std::string_view text(data, size);
      bool first = true;
      while (!text.empty()) {
        const auto end = text.find("\r\n");
        const auto line = text.substr(0, end);
        if (!first && !line.empty()) request.headers.emplace_back(line);
        first = false;
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 2);
      }
      return 0;
    };
    curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &sent);
    curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
  }

  const CURLcode code = curl_easy_perform(curl);
  if (recorder_) recorder_(sent);
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && reply.sink_stopped)) {
    return make_error(ErrorCode::kUnavailable,
                      std::string("object storage unreachable: ") + curl_easy_strerror(code));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Result<S3Client::Reply> S3Client::expect_ok(Call& call, std::string_view what) {
  auto reply = perform(call);
  if (!reply) return reply.error();
  // CompleteMultipartUpload and CopyObject can fail after answering 200: the error is in the body.
  const bool error_body = reply->body.find("<Error>") != std::string::npos;
  if (reply->status >= 200 && reply->status < 300 && !error_body) return reply;
  const std::string code = xml_text(reply->body, "Code");
  const std::string message = "object storage refused " + std::string(what) + ": " + std::to_string(reply->status) +
                              (code.empty() ? "" : " " + code);
  if (reply->status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload") {
    return make_error(ErrorCode::kBlobUnknown, message);
  }
  if (reply->status == 503 || reply->status >= 500 || code == "SlowDown") {
    return make_error(ErrorCode::kUnavailable, message);
  }
  return make_error(ErrorCode::kInternal, message);
}

Result<std::optional<std::uint64_t>> S3Client::head(std::string_view key) {
  Call call("HEAD", url(key));
  auto reply = perform(call);
  if (!reply) return reply.error();
  if (reply->status == 404) return std::optional<std::uint64_t>();
  if (reply->status != 200 || !reply->length) {
    return make_error(ErrorCode::kInternal, "object storage refused HEAD: " + std::to_string(reply->status));
  }
  return std::optional<std::uint64_t>(*reply->length);
}

Result<void> S3Client::put(std::string_view key, std::string_view bytes) {
  Call call = Call::with_body("PUT", url(key), bytes);
  if (auto r = expect_ok(call, "PUT"); !r) return r.error();
  return {};
}

Result<std::string> S3Client::get(std::string_view key) {
  Call call("GET", url(key));
  auto reply = expect_ok(call, "GET");
  if (!reply) return reply.error();
  return std::move(reply->body);
}

Result<void> S3Client::get_range(std::string_view key, std::uint64_t offset, std::uint64_t length,
                                 const std::function<void(const Result<void>&)>& started,
                                 const std::function<bool(std::string_view)>& sink) {
  if (length == 0) {
    started(Result<void>());
    return {};
  }
  Call call("GET", url(key));
  call.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  call.started = started;
  call.sink = sink;
  auto reply = expect_ok(call, "GET");
  if (!reply) {
    if (call.started) call.started(reply.error());
    return reply.error();
  }
  if (call.started) call.started(Result<void>());  // a 2xx with no body bytes
  return {};
}

Result<void> S3Client::remove(std::string_view key) {
  Call call("DELETE", url(key));
  auto reply = expect_ok(call, "DELETE");
  if (!reply && reply.error().code != ErrorCode::kBlobUnknown) return reply.error();
  return {};
}

Result<void> S3Client::copy(std::string_view from, std::string_view to, std::uint64_t size) {
  const std::string source = "x-amz-copy-source: /" + uri_encode(options_.bucket) + "/" + uri_encode(from, true);
  if (size <= kMaxCopyObjectBytes) {
    Call call = Call::with_body("PUT", url(to), {});
    call.headers.push_back(source);
    if (auto r = expect_ok(call, "CopyObject"); !r) return r.error();
    return {};
  }
  auto upload_id = create_multipart(to);
  if (!upload_id) return upload_id.error();
  std::vector<Part> parts;
  for (std::uint64_t first = 0; first < size; first += kCopyPartBytes) {
    const int number = static_cast<int>(parts.size()) + 1;
    auto etag = upload_part_copy(from, to, *upload_id, number, first, std::min(size, first + kCopyPartBytes) - 1);
    if (!etag) {
      (void)abort_multipart(to, *upload_id);
      return etag.error();
    }
    parts.push_back({number, std::move(*etag)});
  }
  if (auto r = complete_multipart(to, *upload_id, parts); !r) {
    (void)abort_multipart(to, *upload_id);
    return r.error();
  }
  return {};
}

Result<std::string> S3Client::upload_part_copy(std::string_view from, std::string_view to, std::string_view upload_id,
                                               int number, std::uint64_t first, std::uint64_t last) {
  Call call = Call::with_body("PUT", url(to, "partNumber=" + std::to_string(number) + "&uploadId=" + uri_encode(upload_id)), {});
  call.headers.push_back("x-amz-copy-source: /" + uri_encode(options_.bucket) + "/" + uri_encode(from, true));
  call.headers.push_back("x-amz-copy-source-range: bytes=" + std::to_string(first) + "-" + std::to_string(last));
  auto reply = expect_ok(call, "UploadPartCopy");
  if (!reply) return reply.error();
  auto etag = xml_text(reply->body, "ETag");
  if (etag.empty()) return make_error(ErrorCode::kInternal, "object storage sent no ETag for a copied part");
  return etag;
}

// Queries are sent in canonical form (names sorted, values encoded, "uploads="), because
// libcurl signs the query string as it is given.
Result<std::string> S3Client::create_multipart(std::string_view key) {
  Call call = Call::with_body("POST", url(key, "uploads="), {});
  auto reply = expect_ok(call, "CreateMultipartUpload");
  if (!reply) return reply.error();
  auto id = xml_text(reply->body, "UploadId");
  if (id.empty()) return make_error(ErrorCode::kInternal, "object storage sent no UploadId");
  return id;
}

Result<std::string> S3Client::upload_part(std::string_view key, std::string_view upload_id, int number,
                                          std::string_view bytes) {
  Call call = Call::with_body("PUT", url(key, "partNumber=" + std::to_string(number) + "&uploadId=" + uri_encode(upload_id)), bytes);
  auto reply = expect_ok(call, "UploadPart");
  if (!reply) return reply.error();
  if (reply->etag.empty()) return make_error(ErrorCode::kInternal, "object storage sent no ETag for a part");
  return std::move(reply->etag);
}

std::string S3Client::complete_body(const std::vector<Part>& parts) {
  std::string body = "<CompleteMultipartUpload>";
  for (const auto& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>";
    for (const char c : part.etag) {  // ETags are quoted; XML wants the quotes escaped or not, either works
      if (c == '&') body += "&amp;";
      else if (c == '<') body += "&lt;";
      else body.push_back(c);
    }
    body += "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

Result<void> S3Client::complete_multipart(std::string_view key, std::string_view upload_id,
                                          const std::vector<Part>& parts) {
  const std::string body = complete_body(parts);
  Call call = Call::with_body("POST", url(key, "uploadId=" + uri_encode(upload_id)), body);
  if (auto r = expect_ok(call, "CompleteMultipartUpload"); !r) return r.error();
  return {};
}

Result<void> S3Client::abort_multipart(std::string_view key, std::string_view upload_id) {
  Call call("DELETE", url(key, "uploadId=" + uri_encode(upload_id)));
  auto reply = expect_ok(call, "AbortMultipartUpload");
  if (!reply && reply.error().code != ErrorCode::kBlobUnknown) return reply.error();
  return {};
}

}  // namespace pier::storage::s3
