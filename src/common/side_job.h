// common/side_job.h: a piece of work run on a spare core while the caller goes on; used
// where one stream of bytes needs two passes (an upload's chunk is hashed while it is
// written out and while the next chunk arrives).
#pragma once

#include <exception>
#include <functional>

namespace pier {

class SpareThread;

// At most one job at a time. Spare threads are shared by the process, one per core; when
// all are taken, start() runs the job at once on the caller's thread, so a caller never
// waits on another caller's work.
class SideJob {
 public:
  SideJob() = default;
  SideJob(const SideJob&) = delete;
  SideJob& operator=(const SideJob&) = delete;
  // Waits for a job still running; its exception, if any, is dropped.
  ~SideJob();

  // Waits for the job started before, then starts `job`. What `job` refers to must stay
  // valid until wait() returns.
  void start(std::function<void()> job);
  // Returns once the job started last has finished; rethrows its exception.
  void wait();

 private:
  SpareThread* spare_ = nullptr;  // running the job, until wait()
  std::function<void()> job_;
  std::exception_ptr failure_;    // from a job run on the caller's thread
};

}  // namespace pier
