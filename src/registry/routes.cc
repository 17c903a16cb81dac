#include "registry/routes.h"

#include "common/names.h"

namespace pier::registry {

namespace {

std::string join(const std::vector<std::string>& segments, std::size_t begin, std::size_t end) {
  std::string name;
  for (std::size_t i = begin; i < end; ++i) {
    if (i > begin) name.push_back('/');
    name += segments[i];
  }
  return name;
}

Error unknown_route() { return make_error(ErrorCode::kRouteUnknown, "no such endpoint"); }

}  // namespace

Result<Route> match_route(Request& request) {
  const auto& s = request.path;
  if (s.size() >= 5 && s[0] == "extensions" && s[1] == "v2" && s[s.size() - 2] == "signatures") {
    request.reference = s.back();
    request.repository = join(s, 2, s.size() - 2);
    if (auto checked = check_repository_name(request.repository); !checked) return checked.error();
    return Route::kSignatures;
  }
  if (s.empty() || s[0] != "v2") return unknown_route();
  const std::size_t n = s.size();
  if (n == 1 || (n == 2 && s[1].empty())) return Route::kBase;
  if (n == 2 && s[1] == "_catalog") return Route::kCatalog;
  // No repository route has fewer than four segments, so this name is free.
  if (n == 2 && s[1] == "auth") return Route::kToken;

  Route route;
  std::size_t name_end;
  if (n >= 4 && s[n - 2] == "tags" && s[n - 1] == "list") {
    route = Route::kTags;
    name_end = n - 2;
  } else if (n >= 5 && s[n - 3] == "blobs" && s[n - 2] == "uploads") {
    route = s[n - 1].empty() ? Route::kUploadStart : Route::kUpload;
    request.upload_id = s[n - 1];
    name_end = n - 3;
  } else if (n >= 4 && s[n - 2] == "blobs" && s[n - 1] == "uploads") {
    route = Route::kUploadStart;
    name_end = n - 2;
  } else if (n >= 4 && (s[n - 2] == "blobs" || s[n - 2] == "manifests" || s[n - 2] == "referrers")) {
    route = s[n - 2] == "blobs" ? Route::kBlob : s[n - 2] == "manifests" ? Route::kManifest : Route::kReferrers;
    request.reference = s[n - 1];
    name_end = n - 2;
  } else {
    return unknown_route();
  }
  request.repository = join(s, 1, name_end);
  if (auto checked = check_repository_name(request.repository); !checked) return checked.error();
  return route;
}

std::string_view route_label(Route route, Method method) {
  const bool read = method == Method::kGet || method == Method::kHead;
  switch (route) {
    case Route::kBase: return "base";
    case Route::kCatalog: return "catalog";
    case Route::kTags: return "tags";
    case Route::kManifest: return read ? "manifest_read" : method == Method::kPut ? "manifest_put" : "manifest_delete";
    case Route::kBlob: return read ? "blob_read" : "blob_delete";
    case Route::kUploadStart: return "upload_start";
    case Route::kUpload: return "upload";
    case Route::kReferrers: return "referrers";
    case Route::kToken: return "token";
    case Route::kSignatures: return read ? "signatures_read" : "signatures_put";
  }
  return "unknown";
}

}  // namespace pier::registry
