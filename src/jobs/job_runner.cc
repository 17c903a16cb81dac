#include "jobs/job_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "jobs/job_workers.h"
#include "jobs/leader_elector.h"

namespace pier::jobs {

JobRunner::JobRunner(meta::JobStore& store, Clock& clock, std::shared_ptr<spdlog::logger> log,
                     JobRunnerOptions options)
    : store_(store),
      clock_(clock),
      log_(std::move(log)),
      options_(std::move(options)),
      shared_(store.shared_with_other_processes()),
      periodic_(store, options_.max_attempts) {
  if (options_.heartbeat_timeout < std::chrono::seconds(2)) {
    throw std::logic_error("the job heartbeat timeout must be at least 2 s");
  }
}

JobRunner::~JobRunner() { stop(); }

void JobRunner::handle(std::string kind, JobHandler handler, RetryDelay retry) {
  if (thread_.joinable()) throw std::logic_error("job kinds are handled before the runner starts");
  if (!handlers_.emplace(kind, JobKind{std::move(handler), std::move(retry)}).second) {
    throw std::logic_error("job kind handled twice: " + kind);
  }
  kinds_.push_back(std::move(kind));
}

void JobRunner::every(std::string kind, std::chrono::seconds period, std::string args) {
  if (thread_.joinable()) throw std::logic_error("schedules are added before the runner starts");
  if (period.count() < 1) throw std::logic_error("the period of " + kind + " must be at least 1 s");
  for (const auto& schedule : periodic_.schedules()) {
    if (schedule.kind == kind) throw std::logic_error("job kind scheduled twice: " + kind);
  }
  periodic_.add(Schedule{std::move(kind), period, std::move(args)});
}

void JobRunner::start() {
  for (const auto& schedule : periodic_.schedules()) {
    if (!handlers_.contains(schedule.kind)) throw std::logic_error("scheduled job kind not handled: " + schedule.kind);
  }
  elector_ = std::make_unique<LeaderElector>(store_, options_.replica_id, options_.heartbeat_timeout, log_);
  // Nobody else runs these jobs, so none still running can have a live holder: waiting out the
  // heartbeat timeout after a crash would only delay them.
  if (!shared_) rescue(std::numeric_limits<std::int64_t>::max(), clock_.unix_seconds());
  workers_ = std::make_unique<JobWorkers>(store_, clock_, log_, std::move(handlers_), options_.workers, [this] {
    if (more_due_.exchange(false)) poke();
  });
  thread_ = std::thread([this] { loop(); });
}

void JobRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (workers_) workers_->stop();
  if (elector_) elector_->resign();
}

void JobRunner::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

bool JobRunner::leads() const {
  std::lock_guard lock(mutex_);
  return leads_;
}

// Three cadences on one thread: polls for jobs, and every quarter of the heartbeat timeout a
// campaign for leadership and the heartbeats of the attempts running here. Heartbeats and
// terms then have three more chances before they lapse.
void JobRunner::loop() {
  using Steady = std::chrono::steady_clock;
  const auto beat = std::max<Steady::duration>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.heartbeat_timeout) / 4,
      std::chrono::milliseconds(250));
  auto next_campaign = Steady::now();
  auto next_beat = next_campaign + beat;
  auto next_poll = next_campaign;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (poked_) {
      poked_ = false;
      next_poll = Steady::now();
    }
    lock.unlock();
    const auto at = Steady::now();
    if (at >= next_campaign) {
      const std::int64_t now = clock_.unix_seconds();
      const bool leading = campaign(now);
      if (leading) rescue(now - options_.heartbeat_timeout.count(), now);
      next_campaign = at + beat;
      std::lock_guard guard(mutex_);
      leads_ = leading;
    }
    if (at >= next_beat) {
      workers_->heartbeat_running();
      next_beat = at + beat;
    }
    if (at >= next_poll) {
      const std::int64_t now = clock_.unix_seconds();
      // Slots begin between campaigns; the poll catches them within one interval.
      if (leads_at(now)) {
        if (auto enqueued = periodic_.enqueue_due(now); !enqueued) {
          log_->warn("cannot enqueue periodic jobs: {}", enqueued.error().message);
        }
      }
      claim_and_run(now);
      next_poll = at + options_.poll_interval;
    }
    lock.lock();
    wake_.wait_until(lock, std::min({next_campaign, next_beat, next_poll}), [this] { return stopping_ || poked_; });
  }
}

bool JobRunner::campaign(std::int64_t now) { return !shared_ || elector_->campaign(now); }

bool JobRunner::leads_at(std::int64_t now) const { return !shared_ || elector_->leads(now); }

void JobRunner::rescue(std::int64_t stale_before, std::int64_t now) {
  auto rescued = store_.rescue(stale_before, now);
  if (!rescued) {
    log_->warn("cannot rescue stalled jobs: {}", rescued.error().message);
    return;
  }
  for (const auto& job : *rescued) {
    log_->warn("job {} ({}) attempt {} of {} {}: {}", job.id, job.kind, job.attempt, job.max_attempts,
               job.state == meta::JobState::kRetryable ? "will run again" : "is discarded", job.last_error);
  }
}

void JobRunner::claim_and_run(std::int64_t now) {
  const std::size_t idle = workers_->idle();
  if (idle == 0 || kinds_.empty()) return;
  auto claimed = store_.claim(kinds_, idle, options_.replica_id, now);
  if (!claimed) {
    log_->warn("cannot claim jobs: {}", claimed.error().message);
    return;
  }
  more_due_ = claimed->size() == idle;
  for (auto& job : *claimed) {
    log_->debug("running job {} ({}) attempt {}", job.id, job.kind, job.attempt);
    workers_->run(std::move(job));
  }
}

}  // namespace pier::jobs
