// cli/scan_jobs.h: vulnerability scanning's background work as jobs: a scan per pushed
// manifest, a rescan after each import, and upkeep that finds what was missed; and its metrics.
#pragma once
#include <memory>

#include "common/clock.h"
#include "http/metrics.h"
#include "jobs/job_runner.h"
#include "meta/job_store.h"
#include "services/scan_service.h"

namespace spdlog {
class logger;
}

namespace pier::cli {

// Makes `scanning` ask for its scans and rescans through `jobs`, and runs them on `runner`.
void add_scan_jobs(jobs::JobRunner& runner, meta::JobStore& jobs, Clock& clock, services::ScanService& scanning,
                   std::shared_ptr<spdlog::logger> log);
// pier_scan_layer_reads and pier_scans on /metrics.
void add_scan_metrics(http::Metrics& metrics, const services::ScanTotals& totals);

}  // namespace pier::cli
