#include "cli/maintenance_jobs.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "jobs/job_cleanup.h"
#include "jobs/probe_job.h"

namespace pier::cli {

void add_maintenance_jobs(jobs::JobRunner& runner, const Upkeep& upkeep, const config::Config& config) {
  using std::chrono::hours;
  const auto log = upkeep.log;

  runner.handle("upload_expiry", [&uploads = upkeep.uploads, log](const meta::Job&, jobs::JobContext&) -> Result<void> {
    if (const auto removed = uploads.expire_idle()) log->info("removed {} expired upload sessions", removed);
    return {};
  });
  runner.every("upload_expiry", config.uploads.purge_interval);

  const auto retention = config.audit.retention;
  runner.handle("audit_retention", [&accounts = upkeep.accounts, &clock = upkeep.clock, log, retention](
                                       const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto removed = accounts.expire_audit_events(clock.unix_seconds() - retention.count());
    if (!removed) return removed.error();
    if (*removed) log->info("removed {} audit events older than the retention", *removed);
    return {};
  });
  runner.every("audit_retention", hours(1));

  runner.handle("session_expiry", [&sessions = upkeep.sessions](const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto removed = sessions.expire();
    if (!removed) return removed.error();
    return {};
  });
  runner.every("session_expiry", hours(1));

  // A finished slot's job is kept past its period, or its key would be free while the slot
  // lasts and the leader would enqueue the slot again.
  const auto keep = std::max({std::chrono::seconds(config.jobs.retention), 2 * config.uploads.purge_interval,
                              2 * config.gc.interval, 2 * config.retention.interval, std::chrono::seconds(2 * hours(1))});
  runner.handle(std::string(jobs::kJobCleanupKind),
                jobs::job_cleanup_handler(upkeep.jobs, upkeep.clock, keep, log));
  runner.every(std::string(jobs::kJobCleanupKind), hours(1));

  runner.handle(std::string(jobs::kProbeKind), jobs::probe_handler());
}

}  // namespace pier::cli
