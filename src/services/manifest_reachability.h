// services/manifest_reachability.h: which manifests of a repository nothing reaches.
//
// Reached: a tagged manifest, one that left a tag within the history window, one never
// tagged that is younger than the grace (an index's children and referrers arrive before
// what points at them), and everything a reached manifest reaches: the children of an index
// and the referrers (signatures, SBOMs) whose subject it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "meta/lifecycle_store.h"

namespace pier::services {

// The digests of `graph` nothing reaches, ordered for deletion: an index before its children
// and a subject before its referrers, so each deletion's own check finds nothing pointing at
// it any more.
std::vector<std::string> unreachable_in_deletion_order(const std::vector<meta::ManifestNode>& graph,
                                                       std::int64_t created_before);

// The blobs that the `doomed` manifests reference and no other manifest of `graph` does.
std::vector<std::string> blobs_only_reached_from(const std::vector<meta::ManifestNode>& graph,
                                                 const std::vector<std::string>& doomed);

}  // namespace pier::services
