// meta/job_store.h: jobs that run once across the processes sharing one metadata database.
//
// The rows behind jobs/job_runner.h. A job is available until one claimant takes it (running,
// with attempt counted up), then completed, retryable at a later time, or discarded once its
// attempts are spent. A claimant proves it still holds a job by its JobAttempt: a job that was
// rescued and claimed again has a newer attempt, so the late result of the old one changes
// nothing. One leader row per name elects the process that runs the periodic enqueuer and the
// rescuer. Times are Unix seconds passed in by the caller (from its Clock).
//
// Every method is one transaction; implementations are thread-safe. Errors are the store's
// (kUnavailable when the database is unreachable or busy, kInternal otherwise).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace pier::meta {

enum class JobState { kAvailable, kRunning, kCompleted, kRetryable, kDiscarded };

// The text of each state in the jobs table, in enum order.
inline constexpr std::array<std::string_view, 5> kJobStates = {"available", "running", "completed", "retryable",
                                                                "discarded"};
inline std::string_view to_text(JobState state) { return kJobStates.at(static_cast<std::size_t>(state)); }
inline std::optional<JobState> job_state_of(std::string_view text) {
  for (std::size_t i = 0; i < kJobStates.size(); ++i) {
    if (kJobStates[i] == text) return static_cast<JobState>(i);
  }
  return std::nullopt;
}

struct NewJob {
  std::string kind;
  std::string args = "{}";  // JSON text, read only by the kind's handler
  std::int64_t scheduled_at = 0;  // not claimed before
  int max_attempts = 3;
  // At most one job ever holds a key (finished ones too, until deleted): a periodic slot's
  // "kind@slot_epoch", so every replica that enqueues the slot adds the same single job.
  std::optional<std::string> unique_key;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::string args;
  JobState state = JobState::kAvailable;
  int attempt = 0;  // attempts begun, this one included
  int max_attempts = 0;
  std::int64_t scheduled_at = 0;
  std::optional<std::int64_t> attempted_at;
  std::string attempted_by;  // the replica of the latest attempt; empty before the first
  std::optional<std::int64_t> heartbeat_at;
  std::optional<std::int64_t> finished_at;  // completed or discarded
  std::string last_error;  // of the latest attempt that failed or was rescued, kept once completed
  std::optional<std::string> unique_key;
};

// One claim of a job: what complete(), fail() and heartbeat() are guarded by.
struct JobAttempt {
  std::int64_t id = 0;
  int attempt = 0;
};

struct JobFilter {
  std::optional<std::string> kind;
  std::optional<JobState> state;
  std::size_t limit = 100;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Adds a job in state available. nullopt when `job.unique_key` is already held by a job (which
  // is left as it is): the caller's job exists already.
  virtual Result<std::optional<Job>> enqueue(const NewJob& job) = 0;

  // Takes up to `limit` available or retryable jobs of `kinds` whose scheduled_at <= now, oldest
  // first, for `replica`: each becomes running with its attempt counted up and attempted_at and
  // heartbeat_at set to now. Concurrent claimants, in this process or another, never get the
  // same attempt of a job.
  virtual Result<std::vector<Job>> claim(const std::vector<std::string>& kinds, std::size_t limit,
                                         std::string_view replica, std::int64_t now) = 0;

  // Sets the heartbeat of a running attempt to now. False when the attempt no longer holds the
  // job (rescued, or finished): its holder should stop working on it.
  virtual Result<bool> heartbeat(JobAttempt attempt, std::int64_t now) = 0;

  // Finishes a running attempt as completed. False when the attempt no longer holds the job.
  virtual Result<bool> complete(JobAttempt attempt, std::int64_t now) = 0;

  // Finishes a running attempt with `error`: retryable from `retry_at` while attempts remain,
  // else discarded. False when the attempt no longer holds the job.
  virtual Result<bool> fail(JobAttempt attempt, std::string_view error, std::int64_t retry_at, std::int64_t now) = 0;

  // Running jobs whose heartbeat is older than `stale_before` (their holder stopped or lost the
  // database) become retryable at once while attempts remain, else discarded; last_error names
  // the replica that held them. Returns the rescued jobs in their new state.
  virtual Result<std::vector<Job>> rescue(std::int64_t stale_before, std::int64_t now) = 0;

  // Leadership of `name`, a row that lasts until its expires_at. elect_leader deletes an expired
  // row, then takes the row if nobody holds it: true when `leader_id` is now the leader.
  // reelect_leader extends the term of a leader whose row has not expired: false when
  // `leader_id` no longer leads. resign_leader gives the row up at once (nothing if not held).
  virtual Result<bool> elect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                                    std::int64_t expires_at) = 0;
  virtual Result<bool> reelect_leader(std::string_view name, std::string_view leader_id, std::int64_t now,
                                      std::int64_t expires_at) = 0;
  virtual Result<void> resign_leader(std::string_view name, std::string_view leader_id) = 0;

  // Jobs newest first (by id), at most filter.limit.
  virtual Result<std::vector<Job>> list_jobs(const JobFilter& filter) = 0;

  // Deletes completed and discarded jobs that finished before `cutoff`; returns how many. Their
  // unique keys become free again.
  virtual Result<std::uint64_t> delete_finished_jobs(std::int64_t cutoff) = 0;

  // True when other processes may run jobs from the same database (replicas on PostgreSQL).
  // When false, a job found running at start was left by an earlier process of this one's,
  // which has stopped, and there is nobody to elect a leader among.
  virtual bool shared_with_other_processes() const { return false; }
};

}  // namespace pier::meta
