// jobs/job_cleanup.h: "job_cleanup", the periodic job that deletes finished jobs.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "common/clock.h"
#include "jobs/job_context.h"
#include "meta/job_store.h"

namespace spdlog {
class logger;
}

namespace pier::jobs {

inline constexpr std::string_view kJobCleanupKind = "job_cleanup";

// Deletes jobs completed or discarded more than `keep` ago. A periodic slot's unique key is
// free again once its job is deleted, so `keep` must be longer than every schedule's period,
// or the leader would enqueue the current slot a second time.
JobHandler job_cleanup_handler(meta::JobStore& store, Clock& clock, std::chrono::seconds keep,
                               std::shared_ptr<spdlog::logger> log);

}  // namespace pier::jobs
