// common/request_handler.h: what http/ asks of the layers that answer requests.
//
// http/ owns sockets, parsing, timeouts and threads; a RequestHandler owns meaning. For
// each request http/ first asks plan() (cheap, never blocks) how to read the body and
// where handle() may run, then reads the body accordingly and calls handle().
#pragma once

#include <cstddef>
#include <string_view>

#include "common/error.h"
#include "common/message.h"

namespace pier {

enum class BodyMode {
  kBuffer,  // read the whole body (at most body_limit bytes) into Request::body
  kStream,  // handle() returns a BodySink and the body is fed to it as it arrives
};

struct RequestPlan {
  BodyMode body = BodyMode::kBuffer;
  std::size_t body_limit = 0;
  ErrorCode too_large = ErrorCode::kPayloadTooLarge;  // the error for a body over body_limit
  // handle() may block (disk sync, database write, password check): http/ runs it off the
  // connection threads. BodySink::finish() always runs off them (a streamed body ends in a
  // commit); sink writes always run on the connection thread.
  bool may_block = false;
  std::string_view route = "unknown";  // a fixed label for metrics and the access log
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Matches the route and fills the Request's route fields. An error is answered as is.
  virtual Result<RequestPlan> plan(Request& request) = 0;
  virtual Result<Reply> handle(Request& request) = 0;
  // Headers every response of this handler carries (errors included). `request` is what the
  // response answers; its path may be empty when the request could not be parsed.
  virtual void decorate(const Request& request, Response& response) const = 0;
};

}  // namespace pier
