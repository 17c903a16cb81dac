// storage/layout.h: the key of every object a BlobStore holds.
//
//   <root>/
//     blobs/
//       sha256/<first two hex>/<hex>     one file per blob, named by its digest
//       sha512/<first two hex>/<hex>
//     uploads/
//       <upload id>                      bytes received so far for an open upload
//
// Keys are slash-separated and relative to the store's root. They are built only from
// validated digests and upload ids, so no client input can name another path.
#pragma once

#include <string>
#include <string_view>

#include "common/digest.h"

namespace pier::storage {

std::string blob_key(const Digest& digest);
std::string upload_key(std::string_view upload_id);

// Upload ids are lowercase UUIDs (8-4-4-4-12 hex).
bool is_valid_upload_id(std::string_view id);
// A fresh random upload id (122 random bits).
std::string new_upload_id();

}  // namespace pier::storage
