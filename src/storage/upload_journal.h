// storage/upload_journal.h: where a blob store keeps what one upload needs between requests.
//
// A store whose uploads cannot be read back or appended to in place (S3: a multipart upload
// whose parts are invisible until it completes) records their progress here, in the metadata
// database the replicas share, so the next request continues on whichever replica takes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::storage {

class UploadJournal {
 public:
  virtual ~UploadJournal() = default;
  virtual Result<void> save(std::string_view id, std::string_view state, std::int64_t now) = 0;
  // nullopt when the upload has no entry.
  virtual Result<std::optional<std::string>> load(std::string_view id) = 0;
  virtual Result<void> remove(std::string_view id) = 0;
  // Uploads last saved before `cutoff` (Unix seconds).
  virtual Result<std::vector<std::string>> idle_since(std::int64_t cutoff) = 0;
};

}  // namespace pier::storage
