#include "jobs/job_workers.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>

#include "jobs/retry_backoff.h"

namespace pier::jobs {

class JobWorkers::Attempt final : public JobContext {
 public:
  Attempt(JobWorkers& workers, meta::JobAttempt attempt) : workers_(workers), attempt_(attempt) {}

  bool heartbeat() override {
    if (lost_ || stopping()) return false;
    auto held = workers_.store_.heartbeat(attempt_, workers_.clock_.unix_seconds());
    // A heartbeat that did not reach the database says nothing of who holds the job: go on,
    // as the runner's own heartbeats do.
    if (held && !*held) lose();
    return !lost_ && !stopping();
  }

  bool sleep_for(std::chrono::milliseconds duration) override {
    std::unique_lock lock(workers_.mutex_);
    return !workers_.wake_.wait_for(lock, duration, [this] { return workers_.stopping_; });
  }

  bool stopping() const override {
    std::lock_guard lock(workers_.mutex_);
    return workers_.stopping_;
  }

  // The handler has returned: finish() records the outcome, and a heartbeat that finds the job
  // no longer running may be reading that very record.
  void handler_returned() { returned_ = true; }

  void lose() {
    if (returned_) return;
    if (!lost_.exchange(true)) {
      workers_.log_->warn("job {} attempt {} was rescued while it ran here; what it does next is not recorded",
                          attempt_.id, attempt_.attempt);
    }
  }
  meta::JobAttempt id() const { return attempt_; }

 private:
  JobWorkers& workers_;
  const meta::JobAttempt attempt_;
  std::atomic<bool> lost_{false};
  std::atomic<bool> returned_{false};
};

JobWorkers::JobWorkers(meta::JobStore& store, Clock& clock, std::shared_ptr<spdlog::logger> log,
                       std::map<std::string, JobKind> kinds, unsigned threads, std::function<void()> freed)
    : store_(store), clock_(clock), log_(std::move(log)), kinds_(std::move(kinds)), thread_count_(threads),
      freed_(std::move(freed)) {
  for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

JobWorkers::~JobWorkers() { stop(); }

std::size_t JobWorkers::idle() const {
  std::lock_guard lock(mutex_);
  const std::size_t busy = waiting_.size() + running_.size();
  return stopping_ || busy >= thread_count_ ? 0 : thread_count_ - busy;
}

void JobWorkers::run(meta::Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;  // left running, like any attempt a stop interrupts
    waiting_.push_back(std::move(job));
  }
  // Sleeping handlers wait on the same condition, so one notification might wake only them.
  wake_.notify_all();
}

void JobWorkers::heartbeat_running() {
  std::vector<std::shared_ptr<Attempt>> attempts;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, attempt] : running_) attempts.push_back(attempt);
  }
  for (const auto& attempt : attempts) {
    auto held = store_.heartbeat(attempt->id(), clock_.unix_seconds());
    if (!held) {
      log_->warn("cannot record the heartbeat of job {}: {}", attempt->id().id, held.error().message);
    } else if (!*held) {
      attempt->lose();
    }
  }
}

void JobWorkers::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void JobWorkers::work() {
  for (;;) {
    meta::Job job;
    std::shared_ptr<Attempt> attempt;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      job = std::move(waiting_.front());
      waiting_.pop_front();
      attempt = std::make_shared<Attempt>(*this, meta::JobAttempt{job.id, job.attempt});
      running_[job.id] = attempt;
    }
    Result<void> outcome = make_error(ErrorCode::kInternal, "no handler for job kind " + job.kind);
    if (const auto kind = kinds_.find(job.kind); kind != kinds_.end()) {
      try {
        outcome = kind->second.handler(job, *attempt);
      } catch (const std::exception& e) {
        outcome = make_error(ErrorCode::kInternal, std::string("the handler threw: ") + e.what());
      }
    }
    attempt->handler_returned();
    finish(job, *attempt, std::move(outcome));
    {
      std::lock_guard lock(mutex_);
      running_.erase(job.id);
    }
    if (freed_) freed_();
  }
}

void JobWorkers::finish(const meta::Job& job, Attempt& attempt, Result<void> outcome) {
  const std::int64_t now = clock_.unix_seconds();
  if (outcome) {
    auto completed = store_.complete(attempt.id(), now);
    if (!completed) {
      log_->error("job {} ({}) is done but cannot be recorded so: {}; it will run again", job.id, job.kind,
                  completed.error().message);
    } else if (!*completed) {
      log_->warn("job {} ({}) attempt {} finished after it was rescued; its outcome is dropped", job.id, job.kind,
                 job.attempt);
    }
    return;
  }
  const Error& error = outcome.error();
  if (attempt.stopping()) {
    log_->info("job {} ({}) stopped with the runner ({}); it is left for the rescuer", job.id, job.kind,
               error.message);
    return;
  }
  const std::string message = error.detail.empty() ? error.message : error.message + ": " + error.detail;
  const auto kind = kinds_.find(job.kind);
  const auto delay = kind != kinds_.end() && kind->second.retry_delay ? kind->second.retry_delay(job.attempt)
                                                                       : retry_delay(job.attempt);
  const std::int64_t retry_at = now + delay.count();
  auto failed = store_.fail(attempt.id(), message, retry_at, now);
  if (!failed) {
    log_->error("job {} ({}) failed ({}) and cannot be recorded so: {}", job.id, job.kind, message,
                failed.error().message);
    return;
  }
  if (!*failed) return;  // rescued meanwhile: the newer attempt decides
  if (job.attempt < job.max_attempts) {
    log_->warn("job {} ({}) attempt {} of {} failed: {}; next attempt in {}s", job.id, job.kind, job.attempt,
               job.max_attempts, message, retry_at - now);
  } else {
    log_->error("job {} ({}) failed its last attempt ({}): {}", job.id, job.kind, job.attempt, message);
  }
}

}  // namespace pier::jobs
