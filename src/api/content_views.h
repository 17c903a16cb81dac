// api/content_views.h: how the management API shows what repositories hold (see views.h for
// accounts). Times are Unix seconds; absent values are null.
#pragma once

#include <boost/json.hpp>

#include "meta/metadata_store.h"
#include "services/repository_content.h"
#include "services/signing_service.h"

namespace pier::api {

// {name, namespace, public, tag_count, last_modified}
boost::json::object repository_view(const meta::RepositorySummary& summary, bool is_public);
// {name, digest, media_type, size, platforms, last_modified}
boost::json::object tag_view(const services::TagInfo& tag);
// {tag, old_digest, new_digest, changed_at}
boost::json::object tag_event_view(const meta::TagEvent& event);
// {digest, media_type, size, total_size, artifact_type, config, layers, manifests, platforms,
//  subject, annotations, tags}
boost::json::object manifest_view(const services::ManifestInfo& manifest);
// A manifest's signatures (signing.cc).
boost::json::array signatures_view(const std::vector<services::SignatureView>& signatures);

}  // namespace pier::api
