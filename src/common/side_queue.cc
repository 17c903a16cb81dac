#include "common/side_queue.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace pier {

// Runs the jobs of one borrower at a time, in order.
class SpareThread {
 public:
  SpareThread() : thread_([this] { loop(); }) {}
  ~SpareThread() {
    {
      std::lock_guard lock(mutex_);
      exiting_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  void push(std::function<void()> job, std::size_t depth) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return jobs_.size() < depth; });
    jobs_.push_back(std::move(job));
    if (jobs_.size() == 1) changed_.notify_all();  // the thread may be asleep on an empty queue
  }

  // Waits until every job has run; returns the first failure, if any.
  std::exception_ptr drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return jobs_.empty(); });
    return std::exchange(failure_, nullptr);
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return !jobs_.empty() || exiting_; });
      if (jobs_.empty()) return;
      // The job stays queued while it runs: it still counts against the depth.
      std::function<void()>& job = jobs_.front();
      lock.unlock();
      std::exception_ptr failure;
      try {
        job();
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      if (failure && !failure_) failure_ = failure;
      jobs_.pop_front();
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  std::exception_ptr failure_;
  bool exiting_ = false;
  std::thread thread_;
};

namespace {

class SparePool {
 public:
  SparePool() : limit_(std::max(1u, std::thread::hardware_concurrency())) {}

  // An idle spare thread, started if fewer than the limit exist; null when all are taken.
  SpareThread* take() {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      SpareThread* spare = idle_.back();
      idle_.pop_back();
      return spare;
    }
    if (all_.size() >= limit_) return nullptr;
    all_.push_back(std::make_unique<SpareThread>());
    return all_.back().get();
  }

  void give_back(SpareThread* spare) {
    std::lock_guard lock(mutex_);
    idle_.push_back(spare);
  }

 private:
  const unsigned limit_;
  std::mutex mutex_;
  std::vector<SpareThread*> idle_;
  std::vector<std::unique_ptr<SpareThread>> all_;
};

SparePool& spare_pool() {
  static SparePool pool;
  return pool;
}

}  // namespace

SideQueue::~SideQueue() {
  try {
    drain();
  } catch (...) {  // nobody is left to hear of it
  }
}

void SideQueue::push(std::function<void()> job) {
  if (spare_ == nullptr) spare_ = spare_pool().take();
  push_small(std::move(job));
}

void SideQueue::push_small(std::function<void()> job) {
  if (spare_ != nullptr) {
    spare_->push(std::move(job), depth_);
    return;
  }
  try {
    job();
  } catch (...) {
    if (!failure_) failure_ = std::current_exception();
  }
}

void SideQueue::drain() {
  std::exception_ptr failure = std::exchange(failure_, nullptr);
  if (spare_ != nullptr) {
    if (auto spare_failure = spare_->drain(); !failure) failure = spare_failure;
    spare_pool().give_back(std::exchange(spare_, nullptr));
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pier
