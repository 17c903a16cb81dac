// services/garbage_collector.h: online garbage collection of manifests, blob links and blobs.
//
// Marks come from the metadata store, never from a walk of the blob store, and nothing stops
// pushes or pulls while a collection runs: each deletion is one transaction that checks
// again what made its item collectable (meta/lifecycle_store.h). A blob's bytes are removed
// only after its row is claimed, under the blob's lock, which an upload of the same digest
// also takes; the row is forgotten after the bytes are gone, so a collection that dies
// half-way leaves claimed rows that the next one finishes. docs/ARCHITECTURE.md, "Garbage
// collection", has the order of operations.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/error.h"
#include "meta/lifecycle_store.h"
#include "storage/blob_store.h"

namespace pier::services {

struct GcSettings {
  std::chrono::seconds history_window{std::chrono::hours(24 * 14)};  // per namespace overridable
  std::chrono::seconds blob_grace{std::chrono::hours(1)};
};

struct GcReport {
  bool dry_run = false;
  std::uint64_t manifests_deleted = 0;
  std::uint64_t links_deleted = 0;
  std::uint64_t blobs_deleted = 0;
  std::uint64_t bytes_freed = 0;           // removed from the blob store
  std::uint64_t database_bytes_freed = 0;  // small blobs kept in the metadata database
  double seconds = 0;
};

// Cumulative figures since start, for /metrics.
struct GcTotals {
  std::atomic<std::uint64_t> runs{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> manifests_deleted{0};
  std::atomic<std::uint64_t> links_deleted{0};
  std::atomic<std::uint64_t> blobs_deleted{0};
  std::atomic<std::uint64_t> bytes_freed{0};
  std::atomic<std::uint64_t> database_bytes_freed{0};
  std::atomic<double> last_run_seconds{0};
  std::atomic<std::int64_t> last_run_at{0};
};

class GarbageCollector {
 public:
  // `changed(repository)` is told of each repository whose manifests or links went, after
  // the change committed, so caches of this process drop them.
  GarbageCollector(meta::LifecycleStore& lifecycle, storage::BlobStore& blobs, Clock& clock, GcSettings settings,
                   std::function<void(std::string_view repository)> changed);

  // Runs one collection to the end (one at a time in this process; collections on other
  // replicas may overlap it safely), on a thread of lowered priority. `alive()` is called
  // between batches, from that thread: a long collection heartbeats through it, and stops
  // early when it returns false.
  Result<GcReport> collect(bool dry_run, const std::function<bool()>& alive = {});

  const GcTotals& totals() const { return totals_; }
  const GcSettings& settings() const { return settings_; }

 private:
  struct Cutoffs;
  Result<GcReport> run(bool dry_run, const std::function<bool()>& alive);
  Result<Cutoffs> cutoffs();
  Result<void> collect_manifests(const Cutoffs& cutoffs, bool dry_run, GcReport& report,
                                 std::vector<std::pair<std::string, std::string>>& doomed_links,
                                 const std::function<bool()>& alive);
  Result<void> collect_links(const Cutoffs& cutoffs, GcReport& report, const std::function<bool()>& alive);
  Result<void> collect_blobs(const Cutoffs& cutoffs, GcReport& report, const std::function<bool()>& alive);
  Result<void> weigh_blobs(const Cutoffs& cutoffs, const std::vector<std::pair<std::string, std::string>>& doomed_links,
                           GcReport& report);

  meta::LifecycleStore& lifecycle_;
  storage::BlobStore& blobs_;
  Clock& clock_;
  const GcSettings settings_;
  const std::function<void(std::string_view)> changed_;
  std::mutex running_;
  GcTotals totals_;
};

}  // namespace pier::services
