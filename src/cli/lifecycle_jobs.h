// cli/lifecycle_jobs.h: the image lifecycle's periodic work, as jobs that run once per period
// across the replicas (garbage collection, tag expiry, retention), and its metrics.
#pragma once

#include <memory>

#include "config/config.h"
#include "http/metrics.h"
#include "jobs/job_runner.h"
#include "services/garbage_collector.h"
#include "services/tag_lifecycle.h"

namespace spdlog {
class logger;
}

namespace pier::cli {

struct Lifecycle {
  services::GarbageCollector& collector;
  services::TagLifecycle& tags;
  std::shared_ptr<spdlog::logger> log;
};

// Garbage collection every gc.interval, retention every retention.interval, and expired tags
// removed every 30 s (a tag goes within a minute of its expiry, whatever the intervals).
void add_lifecycle_jobs(jobs::JobRunner& runner, const Lifecycle& lifecycle, const config::Config& config);

// pier_gc_* on /metrics: runs, what they removed, how long the last one took.
void add_gc_metrics(http::Metrics& metrics, const services::GcTotals& totals);

}  // namespace pier::cli
