// meta/metadata_store.h: repositories, manifests, tags, blob links and upload sessions.
//
// The seam between registry rules (services/) and the database. Every method is one
// transaction; implementations are thread-safe and serialise writes so that concurrent
// pushes to one repository never lose a tag move (each move is recorded in tag history).
// Repository names, tags and digests passed in are already validated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/digest.h"
#include "common/error.h"

namespace pier::meta {

enum class ReferenceKind { kBlob = 0, kManifest = 1 };

struct ManifestReference {
  std::string digest;
  ReferenceKind kind = ReferenceKind::kBlob;
  // The size the manifest's descriptor gives, checked against what is stored; nullopt: not checked.
  std::optional<std::uint64_t> size;
  std::string described_as;  // where the descriptor is, for errors: "config", "layers[2]", ...
};

// A manifest as put: its exact bytes and what it points at.
struct ManifestRecord {
  std::string digest;
  std::string media_type;
  std::string content;
  std::string artifact_type;     // for the referrers API; empty when none
  std::string subject;           // digest of the subject, empty when none
  std::string annotations_json;  // the manifest's annotations object, empty when none
  std::vector<ManifestReference> references;
  std::string pushed_by = {};  // the account that pushed it, for its push event; empty: the registry
};

struct StoredManifest {
  std::string digest;
  std::string media_type;
  std::string content;
};

struct Referrer {
  std::string digest;
  std::string media_type;
  std::uint64_t size = 0;
  std::string artifact_type;
  std::string annotations_json;
};

struct TagEvent {
  std::string tag;
  std::string old_digest;  // empty: the tag was created
  std::string new_digest;  // empty: the tag was deleted
  std::int64_t changed_at = 0;
};

// A repository as the management API lists it.
struct RepositorySummary {
  std::string name;
  std::uint64_t tag_count = 0;
  std::optional<std::int64_t> last_modified;  // the last tag change; nullopt if never tagged
};

struct RepositoryQuery {
  std::string namespace_name;  // empty: every namespace
  std::string substring;       // empty: every name; else names holding it, ignoring case
  std::string after;           // names after this one in byte order
  std::size_t limit = 100;
};

// A tag and the manifest it points at.
struct TagDetail {
  std::string name;
  std::string digest;
  std::string media_type;
  std::string content;  // the manifest's bytes: sizes and platforms are read from them
  std::int64_t last_modified = 0;
  std::optional<std::int64_t> expires_at;  // when the tag is removed; nullopt: never
};

struct UploadRecord {
  std::string id;
  std::string repository;
  std::int64_t started_at = 0;
  std::int64_t updated_at = 0;
  // Hasher::save_state() of the bytes received so far, when the replicas share uploads;
  // empty if none was saved.
  std::string hash_state = {};
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // True when other processes may write the same database (replicas on PostgreSQL): what
  // this process read may then be changed by a write it never sees, so it must not be kept.
  virtual bool shared_with_other_processes() const { return false; }

  // Repositories exist from their first blob link or manifest.
  virtual Result<bool> repository_exists(std::string_view repository) = 0;
  // Names after `after` in byte order, at most `limit`.
  virtual Result<std::vector<std::string>> list_repositories(std::string_view after,
                                                             std::size_t limit) = 0;

  // Summaries of the repositories `query` selects, by name.
  virtual Result<std::vector<RepositorySummary>> list_repository_summaries(const RepositoryQuery& query) = 0;
  virtual Result<std::optional<RepositorySummary>> repository_summary(std::string_view repository) = 0;
  // An empty repository; false if it exists already.
  virtual Result<bool> create_repository(std::string_view repository, std::int64_t now) = 0;
  // Removes the repository with its tags, their history, manifests, references and blob
  // links (the blobs' bytes stay for garbage collection). False if it did not exist.
  virtual Result<bool> delete_repository(std::string_view repository) = 0;

  // Records that blob `digest` of `size` bytes is stored and belongs to `repository`
  // (creating the repository). Idempotent.
  virtual Result<void> link_blob(std::string_view repository, const Digest& digest,
                                 std::uint64_t size, std::int64_t now) = 0;
  // link_blob, and closes upload session `upload_id` in the same transaction.
  virtual Result<void> link_uploaded_blob(std::string_view repository, const Digest& digest, std::uint64_t size,
                                          std::string_view upload_id, std::int64_t now) = 0;
  // link_uploaded_blob for a small blob whose bytes are kept here instead of in the blob
  // store, so that they become durable with the link in one commit.
  virtual Result<void> link_inline_blob(std::string_view repository, const Digest& digest, std::string_view bytes,
                                        std::string_view upload_id, std::int64_t now) = 0;
  // The bytes of a blob kept here by link_inline_blob; nullopt for every other blob.
  virtual Result<std::optional<std::string>> inline_blob(const Digest& digest) = 0;
  // The blob's size if it is linked to `repository`.
  virtual Result<std::optional<std::uint64_t>> linked_blob_size(std::string_view repository,
                                                                const Digest& digest) = 0;
  // The blob's size if any repository links it.
  virtual Result<std::optional<std::uint64_t>> blob_size(const Digest& digest) = 0;
  // Repositories that link the blob, in name order, at most `limit`.
  virtual Result<std::vector<std::string>> repositories_linking(const Digest& digest, std::size_t limit) = 0;
  // False if the blob was not linked to `repository`.
  virtual Result<bool> unlink_blob(std::string_view repository, const Digest& digest) = 0;

  // Stores a manifest (idempotent for the same digest) and points `tags` at it, recording
  // each move. Every reference must exist in `repository` when the transaction commits:
  // otherwise kManifestBlobUnknown naming the first missing digest, and nothing changes; a
  // reference whose size is not the stored one's is kManifestInvalid naming its descriptor.
  virtual Result<void> put_manifest(std::string_view repository, const ManifestRecord& manifest,
                                    const std::vector<std::string>& tags, std::int64_t now) = 0;
  virtual Result<std::optional<StoredManifest>> get_manifest(std::string_view repository,
                                                             const Digest& digest) = 0;
  virtual Result<std::optional<StoredManifest>> get_tagged_manifest(std::string_view repository,
                                                                    std::string_view tag) = 0;
  // Deletes the manifest and the tags pointing at it (recorded in tag history).
  // False if it was not there. `actor` names who did it in the delete event; empty: the registry.
  virtual Result<bool> delete_manifest(std::string_view repository, const Digest& digest,
                                       std::int64_t now, std::string_view actor = {}) = 0;
  // False if there was no such tag.
  virtual Result<bool> delete_tag(std::string_view repository, std::string_view tag,
                                  std::int64_t now, std::string_view actor = {}) = 0;
  // Tags after `after` in byte order, at most `limit`; kNameUnknown if no such repository.
  virtual Result<std::vector<std::string>> list_tags(std::string_view repository,
                                                     std::string_view after, std::size_t limit) = 0;
  // Points `tag` at the manifest `digest` already stored in `repository`, recording the move
  // as put_manifest does. False if the repository holds no such manifest.
  virtual Result<bool> tag_manifest(std::string_view repository, std::string_view tag, const Digest& digest,
                                    std::int64_t now, std::string_view actor = {}) = 0;
  // Tags after `after` in byte order holding `substring` (ignoring case; empty: all), at most
  // `limit`, with their manifests; kNameUnknown if no such repository.
  virtual Result<std::vector<TagDetail>> list_tag_details(std::string_view repository, std::string_view substring,
                                                          std::string_view after, std::size_t limit) = 0;
  virtual Result<std::optional<TagDetail>> tag_detail(std::string_view repository, std::string_view tag) = 0;
  // The tags pointing at manifest `digest`, sorted.
  virtual Result<std::vector<std::string>> tags_of_manifest(std::string_view repository, const Digest& digest) = 0;
  // Manifests in `repository` whose subject is `subject`, optionally only those of one
  // artifact type, ordered by digest.
  virtual Result<std::vector<Referrer>> list_referrers(std::string_view repository,
                                                       const Digest& subject,
                                                       std::optional<std::string_view> artifact_type) = 0;
  // Every move of `tag`, oldest first.
  virtual Result<std::vector<TagEvent>> tag_history(std::string_view repository,
                                                    std::string_view tag) = 0;

  virtual Result<void> create_upload(const UploadRecord& upload) = 0;
  virtual Result<std::optional<UploadRecord>> get_upload(std::string_view id) = 0;
  virtual Result<void> touch_upload(std::string_view id, std::int64_t now) = 0;
  virtual Result<void> delete_upload(std::string_view id) = 0;
  // Uploads last written before `cutoff`, for expiry.
  virtual Result<std::vector<UploadRecord>> uploads_idle_since(std::int64_t cutoff) = 0;
  virtual Result<std::uint64_t> count_uploads() = 0;
  // Records the hash of the bytes received so far (and that the upload was written now).
  virtual Result<void> save_upload_hash(std::string_view id, std::string_view hash_state, std::int64_t now) = 0;

  // What a blob store keeps between the requests of one upload (storage::UploadJournal).
  virtual Result<void> save_store_upload(std::string_view id, std::string_view state, std::int64_t now) = 0;
  virtual Result<std::optional<std::string>> store_upload(std::string_view id) = 0;
  virtual Result<void> delete_store_upload(std::string_view id) = 0;
  virtual Result<std::vector<std::string>> store_uploads_idle_since(std::int64_t cutoff) = 0;
};

}  // namespace pier::meta
