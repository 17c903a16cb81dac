// jobs/job_runner.h: runs the jobs of the metadata database, once across the replicas sharing it.
//
// Every replica runs one JobRunner. Each poll it claims due jobs of the kinds it handles, as
// many as its worker threads are idle (meta::JobStore::claim: no job is claimed twice), and
// runs them there (job_workers.h), heartbeating every attempt it runs. One replica at a time
// leads (leader_elector.h): it enqueues each periodic schedule's current slot once
// (periodic_schedule.h) and rescues running jobs whose heartbeat is older than the timeout,
// which then run again on whichever replica claims them. Jobs run at least once, and are
// made effectively once by handlers whose work is safe to repeat.
//
// Set up kinds and schedules, then start(); stop() (or the destructor) ends it. A job running
// at stop is asked to stop and, unless it finishes, left running: the rescuer hands it to
// another replica after the heartbeat timeout. The leader resigns at stop, so another replica
// leads from its next campaign; a leader that is killed leads no more once its term (the
// heartbeat timeout) has passed. On a store no other process shares (SQLite) the runner leads
// without an election, and the jobs it finds running at start, left by an earlier process that
// stopped, are rescued at once.
#pragma once

#include <chrono>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "jobs/job_context.h"
#include "jobs/periodic_schedule.h"
#include "meta/job_store.h"

namespace spdlog {
class logger;
}

namespace pier::jobs {

class JobWorkers;
class LeaderElector;

struct JobRunnerOptions {
  std::string replica_id;  // make_replica_id()
  std::chrono::milliseconds poll_interval{1000};
  // A running job whose heartbeat is older than this is rescued; also the leader's term. The
  // runner heartbeats every quarter of it. At least 2 s (times are whole seconds).
  std::chrono::seconds heartbeat_timeout{60};
  unsigned workers = 4;
  int max_attempts = 3;  // of each periodic slot's job
};

class JobRunner {
 public:
  JobRunner(meta::JobStore& store, Clock& clock, std::shared_ptr<spdlog::logger> log, JobRunnerOptions options);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Before start(): runs jobs of `kind` with `handler`. Throws std::logic_error for a kind
  // handled twice.
  // Failed attempts wait `retry` (empty: retry_backoff.h's delay).
  void handle(std::string kind, JobHandler handler, RetryDelay retry = {});
  // Before start(): one job of `kind` (handled) per `period`, enqueued by the leader.
  void every(std::string kind, std::chrono::seconds period, std::string args = "{}");

  void start();
  void stop();
  // Polls now rather than at the next interval: a job was just enqueued by this process.
  void poke();

  const std::string& replica_id() const { return options_.replica_id; }
  // Whether this replica led at its last campaign.
  bool leads() const;

 private:
  void loop();
  bool campaign(std::int64_t now);
  bool leads_at(std::int64_t now) const;
  void rescue(std::int64_t stale_before, std::int64_t now);
  void claim_and_run(std::int64_t now);

  meta::JobStore& store_;
  Clock& clock_;
  const std::shared_ptr<spdlog::logger> log_;
  const JobRunnerOptions options_;
  const bool shared_;  // store_.shared_with_other_processes()
  std::map<std::string, JobKind> handlers_;  // until start() hands them to workers_
  std::vector<std::string> kinds_;
  PeriodicEnqueuer periodic_;
  std::unique_ptr<LeaderElector> elector_;  // loop thread only once started
  std::unique_ptr<JobWorkers> workers_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  bool leads_ = false;     // guarded by mutex_
  bool poked_ = false;     // guarded by mutex_
  // The last poll claimed as many jobs as workers were idle, so more may be due: a worker that
  // frees up polls again at once rather than idling until the next interval.
  std::atomic<bool> more_due_{false};
  std::thread thread_;
};

}  // namespace pier::jobs
