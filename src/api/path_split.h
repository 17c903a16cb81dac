// api/path_split.h: two RequestHandlers behind one, chosen by the first path segment.
//
// Requests whose path starts with `segment` ("api" for /api/...) go to `matching`, all others
// to `others`; each response is decorated by the handler its request went to.
#pragma once

#include <string>

#include "common/request_handler.h"

namespace pier::api {

class PathSplit final : public RequestHandler {
 public:
  PathSplit(std::string segment, RequestHandler& matching, RequestHandler& others)
      : segment_(std::move(segment)), matching_(matching), others_(others) {}

  Result<RequestPlan> plan(Request& request) override { return choose(request).plan(request); }
  Result<Reply> handle(Request& request) override { return choose(request).handle(request); }
  void decorate(const Request& request, Response& response) const override {
    choose(request).decorate(request, response);
  }

 private:
  RequestHandler& choose(const Request& request) const {
    return !request.path.empty() && request.path.front() == segment_ ? matching_ : others_;
  }

  std::string segment_;
  RequestHandler& matching_;
  RequestHandler& others_;
};

}  // namespace pier::api
