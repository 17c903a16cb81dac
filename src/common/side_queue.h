// common/side_queue.h: work run in order on a spare core while the caller goes on; used
// where one stream of bytes needs two passes (an upload's chunks are hashed on one core
// while they are received and written out on another).
#pragma once

#include <cstddef>
#include <exception>
#include <functional>

namespace pier {

class SpareThread;

// Jobs pushed here run one after another, in order, on a spare thread. Spare threads are
// shared by the process, one per core; one is borrowed at the first push and given back by
// drain(). When none is free, push() runs the job at once on the caller's thread, so a
// caller never waits for another caller's work.
class SideQueue {
 public:
  // At most `depth` jobs are queued or running at once.
  explicit SideQueue(std::size_t depth) : depth_(depth) {}
  SideQueue(const SideQueue&) = delete;
  SideQueue& operator=(const SideQueue&) = delete;
  // Drains; a failure is dropped.
  ~SideQueue();

  // Waits while `depth` jobs are pending, then queues `job`. What `job` refers to must stay
  // valid until it has run: until `depth` more pushes have returned, or drain() has.
  void push(std::function<void()> job);
  // For a job too small to be worth handing over: runs it here, unless jobs pushed before
  // are on a spare thread (it then queues behind them, to keep the order).
  void push_small(std::function<void()> job);
  // Returns once every job pushed has run; rethrows the first failure since the last drain.
  void drain();

 private:
  const std::size_t depth_;
  SpareThread* spare_ = nullptr;  // borrowed until drain()
  std::exception_ptr failure_;    // from a job run on the caller's thread
};

}  // namespace pier
