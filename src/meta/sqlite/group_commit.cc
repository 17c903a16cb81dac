#include "meta/sqlite/group_commit.h"

#include <future>

namespace pier::meta::sqlite {

struct GroupCommitter::Job {
  explicit Job(const std::function<bool(Connection&)>& w) : write(w) {}
  const std::function<bool(Connection&)>& write;  // the caller waits, so it outlives the job's use
  std::exception_ptr failure;
  std::promise<void> done;
};

GroupCommitter::GroupCommitter(Connection& writer) : writer_(writer), thread_([this] { loop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void GroupCommitter::run(const std::function<bool(Connection&)>& write) {
  // Shared, so the writer thread may still be finishing with it when this caller wakes.
  auto job = std::make_shared<Job>(write);
  auto committed = job->done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_one();
  committed.wait();
  if (job->failure) std::rethrow_exception(job->failure);
}

void GroupCommitter::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to write
    std::vector<std::shared_ptr<Job>> group;
    group.swap(queue_);
    lock.unlock();
    execute(group);
    lock.lock();
  }
}

void GroupCommitter::execute(const std::vector<std::shared_ptr<Job>>& group) {
  std::exception_ptr group_failure;
  try {
    writer_.exec("BEGIN IMMEDIATE");
    for (const auto& job : group) {
      writer_.exec("SAVEPOINT pier_write");
      bool keep = false;
      try {
        keep = job->write(writer_);
      } catch (...) {
        job->failure = std::current_exception();
      }
      if (!keep) writer_.exec("ROLLBACK TO pier_write");
      writer_.exec("RELEASE pier_write");
    }
    writer_.exec("COMMIT");
  } catch (...) {
    group_failure = std::current_exception();
    try {
      writer_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Already rolled back by SQLite itself.
    }
  }
  for (const auto& job : group) {
    if (group_failure) job->failure = group_failure;
    job->done.set_value();
  }
}

}  // namespace pier::meta::sqlite
