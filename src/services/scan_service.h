// services/scan_service.h: vulnerability scanning of the images Pier stores, inside the one
// binary and offline.
//
// Each layer is read once per digest (libarchive) into an index of what it installs, kept in
// the metadata store; an image's inventory is its layers' indexes stacked, whiteouts applied.
// The inventory is matched against the vulnerability database an administrator imports in OSV
// format; a new import rescans every inventory without reading a layer again. Each image gets
// an SPDX SBOM, attached to it as an OCI referrer. A namespace's policy may refuse to serve
// images with vulnerabilities at or above a severity. Scans run as jobs (jobs/), off the
// request path and once across replicas.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/clock.h"
#include "common/digest.h"
#include "common/error.h"
#include "meta/metadata_store.h"
#include "meta/vulnerability_store.h"
#include "services/blob_service.h"
#include "services/manifest_service.h"
#include "services/upload_service.h"

namespace pier::vuln {
class VulnerabilityIndex;
struct Finding;
struct ImageInventory;
}  // namespace pier::vuln

namespace pier::services {

struct ScanReport {
  std::string status;  // "queued", "scanned" or "failed"
  std::int64_t packages = 0;
  std::string os;  // empty when unknown
  std::optional<std::int64_t> scanned_at;
  std::string error;
  std::string findings_json = "[]";  // vuln/vulnerability_index.h's findings_json
  std::optional<std::string> sbom_digest;  // the SBOM referrer's manifest
};

struct ScanTotals {
  std::atomic<std::uint64_t> layer_reads{0};  // layers read from blob storage
  std::atomic<std::uint64_t> scans{0};        // manifests scanned
};

class ScanService {
 public:
  // Asks for a manifest to be scanned in the background (a job).
  using ScanRequester = std::function<Result<void>(std::string_view repository, std::string_view digest)>;
  // Asks for every scan to be matched again against new data (a job), after an import.
  using RescanRequester = std::function<Result<void>(std::int64_t generation)>;

  // `shared`: other processes write the same database, so policies are read from it on each use.
  ScanService(meta::VulnerabilityStore& store, meta::MetadataStore& metadata, ManifestService& manifests,
              BlobService& blobs, UploadService& uploads, Clock& clock, bool shared);
  ~ScanService();
  // Before serving. Scan requests are made on a thread of this service's, off the request path.
  void set_requesters(ScanRequester scan, RescanRequester rescan);
  // Told of the vulnerabilities each pushed manifest's scan found (none: not told).
  using FindingsObserver = std::function<void(std::string_view repository, std::string_view digest,
                                              const std::vector<vuln::Finding>& findings)>;
  void observe_findings(FindingsObserver observer) { findings_observer_ = std::move(observer); }
  Result<void> load();

  // Imports vulnerability data (read_osv_import's forms), replacing the database at once, and
  // asks for the rescan. kBadRequest naming a bad record; the database is then unchanged.
  Result<meta::VulnerabilityDatabaseState> import(std::string_view body);
  Result<meta::VulnerabilityDatabaseState> database();

  // A pushed manifest, to scan: queued here and requested in the background. A request lost
  // (a crash, a full queue, a database error) is made good by upkeep().
  void pushed(std::string_view repository, std::string_view digest);
  // Scans `digest` of `repository` (an index: its images first), stores the result and
  // attaches the SBOM. Safe to repeat. An error is for the job to retry; a layer that is not a
  // tar stream makes a failed scan instead. `final_attempt`: an error is recorded as a failed
  // scan too.
  Result<void> scan(std::string_view repository, const Digest& digest, bool final_attempt);
  // Matches every scan older than the database again, `keep_going` asked between batches.
  // Returns how many were rescanned.
  Result<std::uint64_t> rescan(const std::function<bool()>& keep_going);
  // Removes the scans and layer indexes of what is no longer stored, and asks for scans of
  // manifests that have none (a push whose job was lost). Returns how many rows went.
  Result<std::uint64_t> upkeep();

  // kManifestUnknown if `repository` holds no `digest`.
  Result<ScanReport> report(std::string_view repository, const Digest& digest);
  // The image's SPDX document; nullopt before its scan.
  Result<std::optional<std::string>> sbom(std::string_view repository, const Digest& digest);

  Result<std::optional<meta::VulnerabilityPolicy>> policy(std::string_view namespace_name);
  // kBadRequest for a severity other than low, medium, high or critical, or an empty id.
  Result<meta::VulnerabilityPolicy> set_policy(std::string_view namespace_name, std::string_view block_severity,
                                               std::vector<std::string> allow);
  Result<void> remove_policy(std::string_view namespace_name);
  // kDenied, naming the worst finding, when the namespace's policy blocks `manifest`'s scan.
  Result<void> admit(std::string_view repository, const meta::StoredManifest& manifest);

  const ScanTotals& totals() const { return totals_; }

 private:
  // The vulnerability data in memory and the import generation it is, read together.
  struct LoadedIndex {
    std::shared_ptr<const vuln::VulnerabilityIndex> index;
    std::int64_t generation = 0;
  };
  Result<LoadedIndex> current_index();
  // The inventory of an image's layers (digest, size), lowest first.
  Result<vuln::ImageInventory> inventory_of_layers(const std::vector<std::pair<std::string, std::uint64_t>>& layers);
  Result<meta::ManifestScan> scan_manifest(std::string_view repository, const meta::StoredManifest& manifest, int depth);
  Result<std::string> index_findings(const meta::ManifestScan& index_scan);
  Result<std::string> layer_index_json(const std::string& digest, std::uint64_t size);
  // The image's SPDX document as `repository` holds it; nullopt for anything else.
  Result<std::optional<std::string>> sbom_of(std::string_view repository, const meta::ManifestScan& scan);
  Result<void> attach_sbom(std::string_view repository, const meta::StoredManifest& manifest,
                           const meta::ManifestScan& scan);
  Result<void> put_blob(std::string_view repository, std::string_view bytes, const Digest& digest);
  void remember_policy(std::string_view namespace_name, bool present);
  void request_scans();

  meta::VulnerabilityStore& store_;
  meta::MetadataStore& metadata_;
  ManifestService& manifests_;
  BlobService& blobs_;
  UploadService& uploads_;
  Clock& clock_;
  const bool shared_;
  ScanRequester request_scan_;
  RescanRequester request_rescan_;
  FindingsObserver findings_observer_;
  ScanTotals totals_;

  static constexpr std::size_t kMaxQueuedRequests = 100000;
  std::mutex requests_mutex_;
  std::condition_variable requests_ready_;
  std::deque<std::pair<std::string, std::string>> requests_;  // guarded by requests_mutex_
  bool stopping_ = false;                                      // guarded by requests_mutex_
  std::thread requester_;

  std::mutex index_mutex_;
  std::shared_ptr<const vuln::VulnerabilityIndex> index_;  // guarded by index_mutex_
  std::int64_t index_generation_ = -1;                     // guarded by index_mutex_

  mutable std::shared_mutex policies_mutex_;
  std::unordered_set<std::string> with_policy_;  // this process's view; exact when not shared
  std::atomic<bool> any_policy_{false};
};

}  // namespace pier::services
