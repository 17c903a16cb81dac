// cli/notification_jobs.h: notifications' background work as jobs: one job per delivery
// (retried with its own backoff, sent once across replicas) and upkeep of old events.
#pragma once
#include <memory>

#include "jobs/job_runner.h"
#include "services/notification_service.h"

namespace spdlog {
class logger;
}

namespace pier::cli {

// Runs `notifications`' deliveries and upkeep on `runner`, and starts its dispatcher, which
// pokes the runner when it adds deliveries.
void add_notification_jobs(jobs::JobRunner& runner, services::NotificationService& notifications,
                           std::shared_ptr<spdlog::logger> log);

}  // namespace pier::cli
