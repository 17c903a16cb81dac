#include "cli/lifecycle_jobs.h"

#include <spdlog/spdlog.h>

namespace pier::cli {

namespace {
constexpr std::chrono::seconds kTagExpiryPeriod{30};
}  // namespace

void add_lifecycle_jobs(jobs::JobRunner& runner, const Lifecycle& lifecycle, const config::Config& config) {
  const auto log = lifecycle.log;

  runner.handle("gc", [&collector = lifecycle.collector, log](const meta::Job&, jobs::JobContext& context) -> Result<void> {
    auto report = collector.collect(false, [&context] { return context.heartbeat(); });
    if (!report) return report.error();
    if (report->manifests_deleted || report->blobs_deleted) {
      log->info("garbage collection removed {} manifests, {} blob links and {} blobs ({} bytes) in {:.3f} s",
                report->manifests_deleted, report->links_deleted, report->blobs_deleted,
                report->bytes_freed + report->database_bytes_freed, report->seconds);
    }
    return {};
  });
  runner.every("gc", config.gc.interval);

  runner.handle("tag_expiry", [&tags = lifecycle.tags, log](const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto expired = tags.expire_due();
    if (!expired) return expired.error();
    for (const auto& tag : *expired) log->info("tag {}:{} expired and was removed", tag.repository, tag.tag);
    return {};
  });
  runner.every("tag_expiry", kTagExpiryPeriod);

  runner.handle("retention", [&tags = lifecycle.tags, log](const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto removed = tags.apply_all_retention();
    if (!removed) return removed.error();
    for (const auto& tag : *removed) {
      log->info("retention removed tag {}:{} ({})", tag.repository, tag.tag, tag.reason);
    }
    return {};
  });
  runner.every("retention", config.retention.interval);
}

void add_gc_metrics(http::Metrics& metrics, const services::GcTotals& totals) {
  metrics.add_gauge("pier_gc_runs", "Garbage collections finished since start.",
                    [&totals] { return static_cast<double>(totals.runs.load()); });
  metrics.add_gauge("pier_gc_failures", "Garbage collections that stopped on an error since start.",
                    [&totals] { return static_cast<double>(totals.failures.load()); });
  metrics.add_gauge("pier_gc_manifests_deleted", "Manifests removed by garbage collection since start.",
                    [&totals] { return static_cast<double>(totals.manifests_deleted.load()); });
  metrics.add_gauge("pier_gc_blobs_deleted", "Blobs removed by garbage collection since start.",
                    [&totals] { return static_cast<double>(totals.blobs_deleted.load()); });
  metrics.add_gauge("pier_gc_links_deleted", "Blob links removed from repositories by garbage collection since start.",
                    [&totals] { return static_cast<double>(totals.links_deleted.load()); });
  metrics.add_gauge("pier_gc_bytes_freed", "Bytes removed from the blob store by garbage collection since start.",
                    [&totals] { return static_cast<double>(totals.bytes_freed.load()); });
  metrics.add_gauge("pier_gc_database_bytes_freed",
                    "Bytes of small blobs removed from the metadata database by garbage collection since start.",
                    [&totals] { return static_cast<double>(totals.database_bytes_freed.load()); });
  metrics.add_gauge("pier_gc_last_run_seconds", "How long the last garbage collection took.",
                    [&totals] { return totals.last_run_seconds.load(); });
  metrics.add_gauge("pier_gc_last_run_timestamp_seconds", "When the last garbage collection finished (Unix time).",
                    [&totals] { return static_cast<double>(totals.last_run_at.load()); });
}

}  // namespace pier::cli
