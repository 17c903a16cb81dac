// api/path_split.h: two RequestHandlers behind one, chosen by the first path segment.
//
// Requests whose path starts with one of `segments` ("api" for /api/...) go to `matching`, all
// others to `others`; each response is decorated by the handler its request went to.
#pragma once

#include <string>
#include <vector>

#include "common/request_handler.h"

namespace pier::api {

class PathSplit final : public RequestHandler {
 public:
  PathSplit(std::vector<std::string> segments, RequestHandler& matching, RequestHandler& others)
      : segments_(std::move(segments)), matching_(matching), others_(others) {}

  Result<RequestPlan> plan(Request& request) override { return choose(request).plan(request); }
  Result<Reply> handle(Request& request) override { return choose(request).handle(request); }
  void decorate(const Request& request, Response& response) const override {
    choose(request).decorate(request, response);
  }

 private:
  RequestHandler& choose(const Request& request) const {
    if (request.path.empty()) return others_;
    for (const auto& segment : segments_) {
      if (request.path.front() == segment) return matching_;
    }
    return others_;
  }

  std::vector<std::string> segments_;
  RequestHandler& matching_;
  RequestHandler& others_;
};

}  // namespace pier::api
