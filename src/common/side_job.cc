#include "common/side_job.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace pier {

// Waits on `state_` for a job, runs it and reports back through the same word, so a
// hand-over costs one futex wake each way.
class SpareThread {
 public:
  SpareThread() : thread_([this] { loop(); }) {}
  ~SpareThread() {
    state_.store(kExit);
    state_.notify_all();
    thread_.join();
  }

  void start(const std::function<void()>& job) {
    job_ = &job;
    failure_ = nullptr;
    state_.store(kWork);
    state_.notify_all();
  }

  // Waits for the job started last and returns its exception, if any.
  std::exception_ptr finish() {
    for (int s = state_.load(); s != kDone; s = state_.load()) state_.wait(s);
    state_.store(kIdle);
    return failure_;
  }

 private:
  enum State : int { kIdle, kWork, kDone, kExit };

  void loop() {
    while (true) {
      const int s = state_.load();
      if (s == kExit) return;
      if (s != kWork) {
        state_.wait(s);
        continue;
      }
      try {
        (*job_)();
      } catch (...) {
        failure_ = std::current_exception();
      }
      state_.store(kDone);
      state_.notify_all();
    }
  }

  std::atomic<int> state_{kIdle};
  const std::function<void()>* job_ = nullptr;
  std::exception_ptr failure_;
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

SideJob::~SideJob() {
  try {
    wait();
  } catch (...) {  // nobody is left to hear of it
  }
}

void SideJob::start(std::function<void()> job) {
  wait();
  job_ = std::move(job);
  spare_ = spare_pool().take();
  if (spare_ != nullptr) {
    spare_->start(job_);
    return;
  }
  try {
    job_();
  } catch (...) {
    failure_ = std::current_exception();
  }
}

void SideJob::wait() {
  std::exception_ptr failure = std::exchange(failure_, nullptr);
  if (spare_ != nullptr) {
    failure = spare_->finish();
    spare_pool().give_back(std::exchange(spare_, nullptr));
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace pier
