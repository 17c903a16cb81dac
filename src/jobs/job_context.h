// jobs/job_context.h: what a job's handler is given besides the job, and the handler's type.
#pragma once

#include <chrono>
#include <functional>

#include "common/error.h"
#include "meta/job_store.h"

namespace pier::jobs {

// The runner's side of one attempt, for its handler. Handlers run on the runner's worker
// threads, one attempt per call; the context is valid only during that call.
class JobContext {
 public:
  virtual ~JobContext() = default;

  // Records that the attempt is alive now (the runner also does so on its own while the
  // handler runs, so only a job that checks where it is needs to). False once the attempt no
  // longer holds the job (it was rescued and may be running elsewhere) or the runner is
  // stopping: the handler should return soon, and nothing it returns is recorded.
  virtual bool heartbeat() = 0;

  // Waits up to `duration`; false at once when the runner stops.
  virtual bool sleep_for(std::chrono::milliseconds duration) = 0;

  virtual bool stopping() const = 0;
};

// Runs one attempt of a job of its kind. A success completes the job; an error is recorded as
// its last_error and the job is tried again later while attempts remain. Jobs run at least
// once: a rescue can run a job again after an attempt that did its work but never reported
// it, so a handler's work must be safe to repeat.
using JobHandler = std::function<Result<void>(const meta::Job& job, JobContext& context)>;

// How long a job of a kind waits after its `failed_attempts`-th failed attempt. Empty: the
// runner's default (retry_backoff.h).
using RetryDelay = std::function<std::chrono::seconds(int failed_attempts)>;

struct JobKind {
  JobHandler handler;
  RetryDelay retry_delay;
};

}  // namespace pier::jobs
