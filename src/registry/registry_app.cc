#include "registry/registry_app.h"

#include "registry/routes.h"

namespace pier::registry {

namespace {

// Bodies the registry does not read (POST without a digest, DELETE, GET) may still carry a
// few bytes from lax clients; anything larger is refused rather than read.
constexpr std::size_t kIgnoredBodyLimit = 64 * 1024;

Error method_not_allowed() { return make_error(ErrorCode::kMethodNotAllowed, "method not allowed on this endpoint"); }

bool is_read(Method m) { return m == Method::kGet || m == Method::kHead; }

// The route a request resolves to; kept on the Request between plan() and handle().
Route route_of(const Request& request) { return static_cast<Route>(request.route_index); }

}  // namespace

Result<RequestPlan> RegistryApp::plan(Request& request) {
  auto route = match_route(request);
  if (!route) return route.error();
  request.route_index = static_cast<int>(*route);
  const Method m = request.method;
  RequestPlan plan;
  plan.route = route_label(*route, m);
  plan.body_limit = kIgnoredBodyLimit;
  switch (*route) {
    case Route::kBase:
    case Route::kCatalog:
    case Route::kTags:
    case Route::kReferrers:
      if (!is_read(m)) return method_not_allowed();
      return plan;
    case Route::kManifest:
      if (m == Method::kPut) {
        plan.body_limit = services_.manifests.max_manifest_bytes();
        plan.too_large = ErrorCode::kManifestTooLarge;
        plan.may_block = true;
      } else if (m == Method::kDelete) {
        plan.may_block = true;
      } else if (!is_read(m)) {
        return method_not_allowed();
      }
      return plan;
    case Route::kBlob:
      if (m == Method::kDelete) {
        plan.may_block = true;
      } else if (!is_read(m)) {
        return method_not_allowed();
      }
      return plan;
    case Route::kUploadStart:
      if (m != Method::kPost) return method_not_allowed();
      plan.may_block = true;
      if (request.query_param("digest") && !request.query_param("mount")) plan.body = BodyMode::kStream;
      return plan;
    case Route::kUpload:
      if (m == Method::kPatch || m == Method::kPut) {
        plan.body = BodyMode::kStream;
      } else if (!is_read(m) && m != Method::kDelete) {
        return method_not_allowed();
      }
      plan.may_block = true;
      return plan;
  }
  return make_error(ErrorCode::kRouteUnknown, "no such endpoint");
}

Result<Reply> RegistryApp::handle(Request& request) {
  auto& s = services_;
  const Method m = request.method;
  switch (route_of(request)) {
    case Route::kBase: return Reply(json_response("{}"));
    case Route::kCatalog: return list_catalog(s, request);
    case Route::kTags: return list_tags(s, request);
    case Route::kReferrers: return list_referrers(s, request);
    case Route::kManifest:
      if (m == Method::kPut) return put_manifest(s, request);
      if (m == Method::kDelete) return delete_manifest(s, request);
      return get_manifest(s, request);
    case Route::kBlob:
      if (m == Method::kDelete) return delete_blob(s, request);
      return get_blob(s, request);
    case Route::kUploadStart: return start_upload(s, request);
    case Route::kUpload:
      if (m == Method::kPatch) return patch_upload(s, request);
      if (m == Method::kPut) return put_upload(s, request);
      if (m == Method::kDelete) return delete_upload(s, request);
      return get_upload(s, request);
  }
  return make_error(ErrorCode::kRouteUnknown, "no such endpoint");
}

void RegistryApp::decorate(Response& response) const {
  response.header("Docker-Distribution-API-Version", "registry/2.0");
}

Response empty_response(unsigned status) {
  Response response;
  response.status = status;
  return response;
}

Response json_response(std::string body, std::string content_type) {
  Response response;
  response.header("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

std::string blob_location(std::string_view repository, std::string_view digest) {
  return "/v2/" + std::string(repository) + "/blobs/" + std::string(digest);
}

}  // namespace pier::registry
