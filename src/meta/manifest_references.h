// meta/manifest_references.h: the one rule for a manifest's references, shared by every
// MetadataStore: each must name something the repository holds, at the size its descriptor
// gives.
#pragma once

#include <cstdint>
#include <optional>

#include "common/error.h"
#include "meta/metadata_store.h"

namespace pier::meta {

// Why `ref` cannot be accepted, given the size of what it names in the repository (nullopt:
// nothing there); nullopt when it can.
inline std::optional<Error> reference_error(const ManifestReference& ref, std::optional<std::uint64_t> stored_size) {
  const std::string detail = "{\"digest\":\"" + ref.digest + "\"}";
  if (!stored_size) {
    return make_error(ErrorCode::kManifestBlobUnknown,
                      ref.kind == ReferenceKind::kBlob ? "manifest references an unknown blob"
                                                       : "manifest references an unknown manifest",
                      detail);
  }
  if (ref.size && *ref.size != *stored_size) {
    return make_error(ErrorCode::kManifestInvalid,
                      "the descriptor " + ref.described_as + " gives size " + std::to_string(*ref.size) + " for " +
                          ref.digest + ", which is " + std::to_string(*stored_size) + " bytes",
                      detail);
  }
  return std::nullopt;
}

}  // namespace pier::meta
