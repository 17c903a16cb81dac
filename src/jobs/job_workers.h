// jobs/job_workers.h: the threads claimed jobs run on, and the record of how each attempt ended.
//
// A fixed number of threads of their own, apart from the HTTP server's, each running one
// attempt at a time through its kind's handler. The runner hands over only as many jobs as
// threads are idle, so a claimed job never waits in a queue while its heartbeat goes on. The
// outcome is written guarded by the attempt (meta::JobStore::complete/fail), so an attempt
// that was rescued meanwhile changes nothing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "jobs/job_context.h"
#include "meta/job_store.h"

namespace spdlog {
class logger;
}

namespace pier::jobs {

class JobWorkers {
 public:
  // `freed` is called on a worker thread each time one finishes an attempt.
  JobWorkers(meta::JobStore& store, Clock& clock, std::shared_ptr<spdlog::logger> log,
             std::map<std::string, JobKind> kinds, unsigned threads, std::function<void()> freed = {});
  ~JobWorkers();  // stop()
  JobWorkers(const JobWorkers&) = delete;
  JobWorkers& operator=(const JobWorkers&) = delete;

  // Threads with nothing to run.
  std::size_t idle() const;
  // Runs an attempt the runner claimed on the next idle thread.
  void run(meta::Job job);
  // Sets the heartbeat of every attempt being run; an attempt that no longer holds its job is
  // told so through its context.
  void heartbeat_running();

  // Tells running handlers to stop (JobContext::stopping) and waits for them to return. The
  // outcome of a handler that succeeds meanwhile is recorded; an attempt that ends with an
  // error, or was handed over but not begun, is left running: the rescuer takes it once its
  // heartbeat is older than the timeout, and another replica runs it again.
  void stop();

 private:
  class Attempt;
  void work();
  void finish(const meta::Job& job, Attempt& attempt, Result<void> outcome);

  meta::JobStore& store_;
  Clock& clock_;
  const std::shared_ptr<spdlog::logger> log_;
  const std::map<std::string, JobKind> kinds_;
  const std::size_t thread_count_;
  const std::function<void()> freed_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<meta::Job> waiting_;                     // guarded by mutex_
  std::map<std::int64_t, std::shared_ptr<Attempt>> running_;  // by job id; guarded by mutex_
  bool stopping_ = false;                             // guarded by mutex_
  std::vector<std::thread> threads_;
};

}  // namespace pier::jobs
