#include "jobs/job_cleanup.h"

#include <spdlog/spdlog.h>

namespace pier::jobs {

JobHandler job_cleanup_handler(meta::JobStore& store, Clock& clock, std::chrono::seconds keep,
                               std::shared_ptr<spdlog::logger> log) {
  return [&store, &clock, keep, log](const meta::Job&, JobContext&) -> Result<void> {
    auto deleted = store.delete_finished_jobs(clock.unix_seconds() - keep.count());
    if (!deleted) return deleted.error();
    if (*deleted) log->info("deleted {} finished jobs", *deleted);
    return {};
  };
}

}  // namespace pier::jobs
