// registry/routes.h: the OCI distribution routes, matched from the right of the path
// because repository names may hold any number of slashes.
#pragma once

#include <string_view>

#include "common/error.h"
#include "common/message.h"

namespace pier::registry {

enum class Route {
  kBase,          // /v2/
  kCatalog,       // /v2/_catalog
  kTags,          // /v2/<name>/tags/list
  kManifest,      // /v2/<name>/manifests/<reference>
  kBlob,          // /v2/<name>/blobs/<digest>
  kUploadStart,   // /v2/<name>/blobs/uploads/
  kUpload,        // /v2/<name>/blobs/uploads/<id>
  kReferrers,     // /v2/<name>/referrers/<digest>
  kToken,         // /v2/auth: the token endpoint of Docker token auth
  kSignatures,    // /extensions/v2/<name>/signatures/<digest>: the signature API extension
};

// Matches the request's path, fills request.repository / reference / upload_id, and checks
// the repository name: kRouteUnknown, or kNameInvalid for a name outside the grammar.
Result<Route> match_route(Request& request);

std::string_view route_label(Route route, Method method);

}  // namespace pier::registry
