// api/namespace_content.h: what goes with a repository or a namespace when it is deleted.
//
// A repository's content (tags, manifests, blob links) and its own lifecycle rules; for a
// namespace (an organization, or a user's), every repository in it and the namespace's quota,
// history window, immutable patterns and retention policy, so that a namespace made again under
// the name starts afresh. The bytes go at the next garbage collection. A namespace holding an
// immutable tag is refused whole, before anything is deleted.
#pragma once

#include <string_view>

#include "api/handlers.h"
#include "common/error.h"

namespace pier::api {

// The repository's content and rules; false if it held nothing.
Result<bool> remove_repository_content(const Call& call, std::string_view repository);
Result<void> remove_namespace_content(const Call& call, std::string_view namespace_name);

}  // namespace pier::api
