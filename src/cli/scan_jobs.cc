#include "cli/scan_jobs.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace pier::cli {

namespace {

constexpr std::chrono::seconds kUpkeepPeriod{600};
constexpr int kScanAttempts = 3;
constexpr int kRescanAttempts = 5;

}  // namespace

void add_scan_jobs(jobs::JobRunner& runner, meta::JobStore& jobs, Clock& clock, services::ScanService& scanning,
                   std::shared_ptr<spdlog::logger> log) {
  scanning.set_requesters(
      [&runner, &jobs, &clock](std::string_view repository, std::string_view digest) -> Result<void> {
        meta::NewJob job{"scan", boost::json::serialize(boost::json::object{{"repository", repository}, {"digest", digest}}),
                         clock.unix_seconds(), kScanAttempts, std::nullopt};
        auto enqueued = jobs.enqueue(job);
        if (!enqueued) return enqueued.error();
        runner.poke();
        return {};
      },
      [&runner, &jobs, &clock](std::int64_t generation) -> Result<void> {
        meta::NewJob job{"rescan", "{}", clock.unix_seconds(), kRescanAttempts, "rescan@" + std::to_string(generation)};
        auto enqueued = jobs.enqueue(job);
        if (!enqueued) return enqueued.error();
        runner.poke();
        return {};
      });

  runner.handle("scan", [&scanning, log](const meta::Job& job, jobs::JobContext&) -> Result<void> {
    std::string repository;
    Result<Digest> digest = make_error(ErrorCode::kBadRequest, "no digest");
    try {
      const auto args = boost::json::parse(job.args).as_object();
      repository = args.at("repository").as_string();
      digest = Digest::parse(std::string(args.at("digest").as_string()));
    } catch (const std::exception& e) {
      log->error("scan job {} has malformed arguments {}: {}", job.id, job.args, e.what());
      return {};  // nothing to retry
    }
    if (!digest) return {};
    auto scanned = scanning.scan(repository, *digest, job.attempt >= job.max_attempts);
    if (!scanned) log->warn("scan of {}@{} failed: {}", repository, digest->str(), scanned.error().message);
    return scanned;
  });
  runner.handle("rescan", [&scanning, log](const meta::Job&, jobs::JobContext& context) -> Result<void> {
    auto rescanned = scanning.rescan([&context] { return context.heartbeat(); });
    if (!rescanned) return rescanned.error();
    log->info("rescanned {} manifests against the new vulnerability data", *rescanned);
    return {};
  });
  runner.handle("scan_upkeep", [&scanning](const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto removed = scanning.upkeep();
    if (!removed) return removed.error();
    return {};
  });
  runner.every("scan_upkeep", kUpkeepPeriod);
}

void add_scan_metrics(http::Metrics& metrics, const services::ScanTotals& totals) {
  metrics.add_gauge("pier_scan_layer_reads", "Layers read from blob storage by vulnerability scanning since start.",
                    [&totals] { return static_cast<double>(totals.layer_reads.load()); });
  metrics.add_gauge("pier_scans", "Manifests scanned for vulnerabilities since start.",
                    [&totals] { return static_cast<double>(totals.scans.load()); });
}

}  // namespace pier::cli
