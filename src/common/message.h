// common/message.h: the HTTP request and response as handlers see them.
//
// Handlers never touch a socket: http/ parses a request into Request, calls the handler,
// and writes the Response it gets back (a string body, or a file region that http/ sends
// with sendfile). A handler that wants to stream a request body returns a BodySink, which
// http/ feeds chunk by chunk as the bytes arrive.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/error.h"

namespace pier {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOther };

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  Method method = Method::kGet;
  std::string target;       // as received, e.g. "/v2/a/b/tags/list?n=10"
  std::vector<std::string> path;  // percent-decoded path segments
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  HeaderList headers;       // names lowercased
  std::string body;         // filled for routes whose body is buffered
  std::optional<std::uint64_t> content_length;
  std::string remote_address;
  bool secure = false;      // arrived over TLS

  // Route parameters, set by the router.
  std::string repository;
  std::string reference;
  std::string upload_id;
  int route_index = -1;  // the handler's own route id, from plan() to handle()

  // First header with this (lowercase) name, or empty.
  std::string_view header(std::string_view name) const;
  // First query parameter with this name.
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::vector<std::string_view> query_params(std::string_view name) const;
};

// A region of an open file, sent with sendfile where the transport allows.
class FileRegion {
 public:
  FileRegion(int fd, std::uint64_t offset, std::uint64_t length);
  // A region read from `fd` front to back (a pipe another thread fills), `length` bytes.
  struct Sequential {};
  FileRegion(int fd, std::uint64_t length, Sequential);
  ~FileRegion();
  FileRegion(const FileRegion&) = delete;
  FileRegion& operator=(const FileRegion&) = delete;
  int fd() const { return fd_; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t length() const { return length_; }
  bool sequential() const { return sequential_; }
  // Reads the whole region into `out` (length() bytes); false if the file ends early or fails.
  // Blocks: for callers off the I/O threads.
  bool read_into(char* out) const;

 private:
  int fd_;
  std::uint64_t offset_;
  std::uint64_t length_;
  bool sequential_ = false;
};

struct Response {
  unsigned status = 200;
  HeaderList headers;
  std::string body;
  std::shared_ptr<FileRegion> file;  // when set, the body is this file region
  // For HEAD: the length the GET would have had. Unset means body.size() / file length.
  std::optional<std::uint64_t> content_length;
  bool omit_body = false;  // HEAD: send headers (with Content-Length) only

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Receives a streamed request body. write() is called for each chunk in order, then
// finish() once the whole body has arrived. If the client goes away first, the sink is
// destroyed without finish(), and must leave nothing half-done that a retry could not mend.
// A chunk stays readable until kBodySinkChunksHeld more chunks have been written, or
// finish() has returned, or the sink is destroyed: a sink may go on working on a few chunks
// while the next ones arrive.
inline constexpr std::size_t kBodySinkChunksHeld = 2;

class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Result<void> write(std::string_view chunk) = 0;
  virtual Result<Response> finish() = 0;
};

// What a handler answers: a response now, or a sink for the body and a response after it.
using Reply = std::variant<Response, std::unique_ptr<BodySink>>;

}  // namespace pier
