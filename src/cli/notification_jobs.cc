#include "cli/notification_jobs.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace pier::cli {

namespace {

constexpr std::chrono::seconds kUpkeepPeriod{600};

}  // namespace

void add_notification_jobs(jobs::JobRunner& runner, services::NotificationService& notifications,
                           std::shared_ptr<spdlog::logger> log) {
  runner.handle(
      std::string(services::kDeliveryJob),
      [&notifications, log](const meta::Job& job, jobs::JobContext&) -> Result<void> {
        std::vector<std::int64_t> deliveries;
        try {
          const auto args = boost::json::parse(job.args);
          for (const auto& id : args.as_object().at("deliveries").as_array()) {
            deliveries.push_back(id.to_number<std::int64_t>());
          }
        } catch (const std::exception& e) {
          log->error("delivery job {} has malformed arguments {}: {}", job.id, job.args, e.what());
          return {};  // nothing to retry
        }
        return notifications.deliver(deliveries, job.attempt, job.max_attempts);
      },
      services::NotificationService::retry_delay);
  runner.handle("notification_upkeep", [&notifications](const meta::Job&, jobs::JobContext&) -> Result<void> {
    auto removed = notifications.upkeep();
    if (!removed) return removed.error();
    return {};
  });
  runner.every("notification_upkeep", kUpkeepPeriod);
}

}  // namespace pier::cli
