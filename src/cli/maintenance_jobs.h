// cli/maintenance_jobs.h: the periodic upkeep of a serving Pier, as jobs that run once per
// period across the replicas sharing its metadata database, and the job kinds operators may
// enqueue.
#pragma once

#include <memory>

#include "auth/browser_sessions.h"
#include "common/clock.h"
#include "config/config.h"
#include "jobs/job_runner.h"
#include "meta/account_store.h"
#include "meta/job_store.h"
#include "services/upload_service.h"

namespace spdlog {
class logger;
}

namespace pier::cli {

// What the upkeep jobs work on; the handlers keep these references, not the Upkeep itself.
struct Upkeep {
  services::UploadService& uploads;
  meta::AccountStore& accounts;
  auth::BrowserSessions& sessions;
  meta::JobStore& jobs;
  Clock& clock;
  std::shared_ptr<spdlog::logger> log;
};

// Upload expiry every uploads.purge_interval; audit retention, sign-in session expiry and the
// deletion of finished jobs every hour; and the probe, which runs only when enqueued.
void add_maintenance_jobs(jobs::JobRunner& runner, const Upkeep& upkeep, const config::Config& config);

}  // namespace pier::cli
