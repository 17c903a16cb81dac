// services/metadata_upload_journal.h: a blob store's upload journal kept in the metadata store,
// the one place every replica shares.
#pragma once

#include "meta/metadata_store.h"
#include "storage/upload_journal.h"

namespace pier::services {

class MetadataUploadJournal final : public storage::UploadJournal {
 public:
  explicit MetadataUploadJournal(meta::MetadataStore& metadata) : metadata_(metadata) {}

  Result<void> save(std::string_view id, std::string_view state, std::int64_t now) override {
    return metadata_.save_store_upload(id, state, now);
  }
  Result<std::optional<std::string>> load(std::string_view id) override { return metadata_.store_upload(id); }
  Result<void> remove(std::string_view id) override { return metadata_.delete_store_upload(id); }
  Result<std::vector<std::string>> idle_since(std::int64_t cutoff) override {
    return metadata_.store_uploads_idle_since(cutoff);
  }

 private:
  meta::MetadataStore& metadata_;
};

}  // namespace pier::services
