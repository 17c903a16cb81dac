#include "ui/ui_app.h"

#include <string>

namespace pier::ui {

namespace {

constexpr std::string_view kIndex = "/index.html";
constexpr std::string_view kHashedAssets = "/assets/";
constexpr std::string_view kPagePolicy =
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

std::string path_of(const Request& request) {
  std::string path;
  for (const auto& segment : request.path) {
    if (segment.empty()) continue;
    path.push_back('/');
    path += segment;
  }
  return path.empty() ? std::string(kIndex) : path;
}

Response respond(const Asset& asset, std::string_view path, bool head) {
  Response response;
  response.header("Content-Type", std::string(content_type_of(path)));
  response.header("X-Content-Type-Options", "nosniff");
  if (path.starts_with(kHashedAssets)) {
    response.header("Cache-Control", "public, max-age=31536000, immutable");
  } else {
    response.header("Cache-Control", "no-cache");
  }
  if (path.ends_with(".html")) {
    response.header("Content-Security-Policy", std::string(kPagePolicy));
    response.header("X-Frame-Options", "DENY");
    response.header("Referrer-Policy", "same-origin");
  }
  if (asset.file) {
    response.file = asset.file;
  } else {
    response.body = std::string(asset.bytes);
  }
  response.omit_body = head;
  return response;
}

}  // namespace

Result<RequestPlan> UiApp::plan(Request& request) {
  if (request.method != Method::kGet && request.method != Method::kHead) {
    return make_error(ErrorCode::kMethodNotAllowed, "the web UI answers GET and HEAD only");
  }
  RequestPlan plan;
  plan.body = BodyMode::kBuffer;
  plan.body_limit = 0;
  plan.route = "ui";
  return plan;
}

Result<Reply> UiApp::handle(Request& request) {
  const bool head = request.method == Method::kHead;
  const std::string path = path_of(request);
  if (const auto asset = assets_->find(path)) return Reply(respond(*asset, path, head));
  if (path.starts_with(kHashedAssets)) return make_error(ErrorCode::kRouteUnknown, "no such file");
  if (const auto index = assets_->find(kIndex)) return Reply(respond(*index, kIndex, head));
  return make_error(ErrorCode::kRouteUnknown, "this server was built without its web UI (make ui, then build again)");
}

}  // namespace pier::ui
