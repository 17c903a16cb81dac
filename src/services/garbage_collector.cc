#include "services/garbage_collector.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "services/manifest_reachability.h"

namespace pier::services {

namespace {
constexpr std::size_t kRepositoryPage = 256;
constexpr std::size_t kLinkPage = 512;
constexpr std::size_t kBlobPage = 128;
constexpr std::size_t kManifestBatch = 256;

std::string_view namespace_part(std::string_view repository) {
  const auto slash = repository.find('/');
  return slash == std::string_view::npos ? std::string_view() : repository.substr(0, slash);
}

bool keep_going(const std::function<bool()>& alive) { return !alive || alive(); }

// A collection is background work: on a busy machine the scheduler gives its thread a tenth
// of what a request's thread gets (nice 10), so pushes keep their pace while it runs, and it
// runs at full speed when nothing else wants the cores.
constexpr int kCollectorNice = 10;

void lower_this_threads_priority() { (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kCollectorNice); }

// Runs one write of the collection, then waits twice as long as it took (up to kLongestPause):
// the database's writer (one, on SQLite) is the collection's at most a third of the time, and
// pushes commit in between. A collection takes longer, and nothing waits on it but its caller.
constexpr auto kLongestPause = std::chrono::milliseconds(100);

template <class Write>
auto paced(Write&& write) {
  const auto started = std::chrono::steady_clock::now();
  auto result = write();
  const auto took = std::chrono::steady_clock::now() - started;
  std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(2 * took, kLongestPause));
  return result;
}
}  // namespace

struct GarbageCollector::Cutoffs {
  std::int64_t now = 0;
  // Each is the newest time that no longer protects: a blob used after used_before is kept,
  // and so is a manifest never tagged created after created_before, or one that left a tag
  // after its repository's history_since. With a window of 0s, what left its tag this very
  // second goes.
  std::int64_t used_before = 0;
  std::int64_t created_before = 0;
  std::int64_t default_history_since = 0;
  std::map<std::string, std::int64_t, std::less<>> history_since;  // namespaces with their own window

  std::int64_t history_since_for(std::string_view repository) const {
    auto it = history_since.find(namespace_part(repository));
    return it == history_since.end() ? default_history_since : it->second;
  }
};

GarbageCollector::GarbageCollector(meta::LifecycleStore& lifecycle, storage::BlobStore& blobs, Clock& clock,
                                   GcSettings settings, std::function<void(std::string_view)> changed)
    : lifecycle_(lifecycle), blobs_(blobs), clock_(clock), settings_(settings), changed_(std::move(changed)) {}

Result<GarbageCollector::Cutoffs> GarbageCollector::cutoffs() {
  Cutoffs cutoffs;
  cutoffs.now = clock_.unix_seconds();
  cutoffs.used_before = cutoffs.now - settings_.blob_grace.count();
  cutoffs.created_before = cutoffs.used_before;
  cutoffs.default_history_since = cutoffs.now - settings_.history_window.count();
  auto windows = lifecycle_.history_windows();
  if (!windows) return windows.error();
  for (const auto& [name, seconds] : *windows) cutoffs.history_since.emplace(name, cutoffs.now - seconds);
  return cutoffs;
}

Result<GcReport> GarbageCollector::collect(bool dry_run, const std::function<bool()>& alive) {
  std::lock_guard running(running_);
  // On a thread of its own, since its lowered priority cannot be raised back (without
  // CAP_SYS_NICE) on the caller's thread.
  std::optional<Result<GcReport>> result;
  std::thread worker([&] {
    lower_this_threads_priority();
    result.emplace(run(dry_run, alive));
  });
  worker.join();
  return std::move(*result);
}

Result<GcReport> GarbageCollector::run(bool dry_run, const std::function<bool()>& alive) {
  const auto started = std::chrono::steady_clock::now();
  GcReport report;
  report.dry_run = dry_run;
  auto result = [&]() -> Result<void> {
    auto limits = cutoffs();
    if (!limits) return limits.error();
    std::vector<std::pair<std::string, std::string>> doomed_links;
    if (auto r = collect_manifests(*limits, dry_run, report, doomed_links, alive); !r) return r;
    if (dry_run) return weigh_blobs(*limits, doomed_links, report);
    if (auto r = collect_links(*limits, report, alive); !r) return r;
    return collect_blobs(*limits, report, alive);
  }();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!result) {
    totals_.failures.fetch_add(1);
    return result.error();
  }
  if (!dry_run) {
    totals_.runs.fetch_add(1);
    totals_.manifests_deleted.fetch_add(report.manifests_deleted);
    totals_.links_deleted.fetch_add(report.links_deleted);
    totals_.blobs_deleted.fetch_add(report.blobs_deleted);
    totals_.bytes_freed.fetch_add(report.bytes_freed);
    totals_.database_bytes_freed.fetch_add(report.database_bytes_freed);
    totals_.last_run_seconds.store(report.seconds);
    totals_.last_run_at.store(clock_.unix_seconds());
  }
  return report;
}

Result<void> GarbageCollector::collect_manifests(const Cutoffs& cutoffs, bool dry_run, GcReport& report,
                                                 std::vector<std::pair<std::string, std::string>>& doomed_links,
                                                 const std::function<bool()>& alive) {
  std::int64_t after = 0;
  for (;;) {
    auto page = lifecycle_.repositories_with_untagged_manifests(after, kRepositoryPage);
    if (!page) return page.error();
    for (const auto& repository : *page) {
      const auto history_since = cutoffs.history_since_for(repository.name);
      auto graph = lifecycle_.manifest_graph(repository.id, history_since);
      if (!graph) return graph.error();
      const auto doomed = unreachable_in_deletion_order(*graph, cutoffs.created_before);
      if (dry_run) {
        report.manifests_deleted += doomed.size();
        for (const auto& blob : blobs_only_reached_from(*graph, doomed)) doomed_links.emplace_back(repository.name, blob);
        continue;
      }
      std::uint64_t deleted = 0;
      for (std::size_t from = 0; from < doomed.size(); from += kManifestBatch) {
        const std::vector<std::string> batch(doomed.begin() + static_cast<std::ptrdiff_t>(from),
                                             doomed.begin() + static_cast<std::ptrdiff_t>(
                                                                  std::min(doomed.size(), from + kManifestBatch)));
        auto gone = paced([&] {
          return lifecycle_.delete_unreachable_manifests(repository.id, batch, history_since, cutoffs.created_before,
                                                         cutoffs.now);
        });
        if (!gone) return gone.error();
        deleted += *gone;
      }
      if (deleted > 0) changed_(repository.name);
      report.manifests_deleted += deleted;
    }
    if (page->size() < kRepositoryPage) break;
    after = page->back().id;
    if (!keep_going(alive)) break;
  }
  if (!dry_run) return {};
  // Links no manifest references today go too.
  meta::BlobLink cursor;
  for (;;) {
    auto page = lifecycle_.unreferenced_links(cursor, kLinkPage, cutoffs.used_before);
    if (!page) return page.error();
    for (const auto& link : *page) doomed_links.emplace_back(link.repository, link.digest);
    if (page->size() < kLinkPage) break;
    cursor = page->back();
  }
  return {};
}

Result<void> GarbageCollector::collect_links(const Cutoffs& cutoffs, GcReport& report,
                                             const std::function<bool()>& alive) {
  meta::BlobLink cursor;
  for (;;) {
    auto page = lifecycle_.unreferenced_links(cursor, kLinkPage, cutoffs.used_before);
    if (!page) return page.error();
    if (page->empty()) break;
    auto deleted = paced([&] { return lifecycle_.delete_unreferenced_links(*page, cutoffs.used_before); });
    if (!deleted) return deleted.error();
    report.links_deleted += deleted->size();
    std::set<std::string> repositories;
    for (const auto& link : *deleted) repositories.insert(link.repository);
    for (const auto& repository : repositories) changed_(repository);
    if (page->size() < kLinkPage) break;
    cursor = page->back();
    if (!keep_going(alive)) break;
  }
  return {};
}

Result<void> GarbageCollector::collect_blobs(const Cutoffs& cutoffs, GcReport& report,
                                             const std::function<bool()>& alive) {
  std::string cursor;
  for (;;) {
    auto page = lifecycle_.unlinked_blobs(cursor, kBlobPage, cutoffs.used_before);
    if (!page) return page.error();
    if (page->empty()) break;
    std::vector<std::string> digests;
    digests.reserve(page->size());
    for (const auto& blob : *page) digests.push_back(blob.digest);
    auto swept = paced([&]() -> Result<void> {
      // Held from the claim until the rows are forgotten: an upload of one of these digests
      // waits, then finds no row (or its own), and stores its bytes afresh.
      auto lock = lifecycle_.lock_blobs(digests);
      if (!lock) return lock.error();
      auto claimed = lifecycle_.claim_unlinked_blobs(digests, cutoffs.used_before);
      if (!claimed) return claimed.error();
      std::vector<std::string> removed;
      for (const auto& blob : *claimed) {
        ++report.blobs_deleted;
        if (blob.kept_inline) {
          report.database_bytes_freed += blob.size;
          continue;
        }
        auto digest = Digest::parse(blob.digest);
        if (!digest) continue;  // never stored under a malformed digest
        // Bytes a stopped collection already removed are not counted again.
        const bool present = blobs_.stat(*digest).has_value();
        if (!blobs_.remove(*digest)) {
          // Left claimed: the next collection removes it again.
          --report.blobs_deleted;
          continue;
        }
        if (present) report.bytes_freed += blob.size;
        removed.push_back(blob.digest);
      }
      return lifecycle_.forget_blobs(removed);
    });
    if (!swept) return swept;
    if (page->size() < kBlobPage) break;
    cursor = page->back().digest;
    if (!keep_going(alive)) break;
  }
  return {};
}

// What a real run would remove of the links and blobs, from the links the manifests going
// (or already gone) leave unreferenced.
Result<void> GarbageCollector::weigh_blobs(const Cutoffs& cutoffs,
                                           const std::vector<std::pair<std::string, std::string>>& doomed_links,
                                           GcReport& report) {
  std::unordered_map<std::string, std::uint64_t> doomed_per_blob;
  {
    std::set<std::pair<std::string, std::string>> unique(doomed_links.begin(), doomed_links.end());
    for (const auto& [repository, digest] : unique) ++doomed_per_blob[digest];
  }
  std::vector<std::string> digests;
  digests.reserve(doomed_per_blob.size());
  for (const auto& [digest, count] : doomed_per_blob) digests.push_back(digest);
  auto standing = lifecycle_.blob_standing(digests);
  if (!standing) return standing.error();
  std::unordered_set<std::string> counted;
  for (const auto& blob : *standing) {
    if (blob.last_used_at > cutoffs.used_before) continue;
    const auto doomed = doomed_per_blob[blob.digest];
    report.links_deleted += doomed;
    if (doomed < blob.links) continue;
    ++report.blobs_deleted;
    (blob.kept_inline ? report.database_bytes_freed : report.bytes_freed) += blob.size;
    counted.insert(blob.digest);
  }
  std::string cursor;
  for (;;) {
    auto page = lifecycle_.unlinked_blobs(cursor, kBlobPage, cutoffs.used_before);
    if (!page) return page.error();
    for (const auto& blob : *page) {
      if (!counted.insert(blob.digest).second) continue;
      ++report.blobs_deleted;
      (blob.kept_inline ? report.database_bytes_freed : report.bytes_freed) += blob.size;
    }
    if (page->size() < kBlobPage) break;
    cursor = page->back().digest;
  }
  return {};
}

}  // namespace pier::services
