#include "meta/sqlite/group_commit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>

namespace pier::meta::sqlite {

struct GroupCommitter::Job {
  explicit Job(const std::function<bool(Connection&)>& w) : write(w) {}
  const std::function<bool(Connection&)>& write;  // the caller waits, so it outlives the job's use
  std::exception_ptr failure;
  std::promise<void> done;
};

namespace {

SqliteError sync_error(const std::string& what) {
  return SqliteError(10 /* SQLITE_IOERR */, what + ": " + std::strerror(errno));
}

}  // namespace

GroupCommitter::GroupCommitter(Connection& writer, std::string database_path, int checkpoint_pages)
    : writer_(writer),
      wal_path_(std::move(database_path) + "-wal"),
      checkpoint_pages_(checkpoint_pages),
      next_checkpoint_pages_(checkpoint_pages) {
  writer_.exec("PRAGMA synchronous=OFF");
  // The writer's pages stay valid from one group to the next (it is the only writer), so a
  // larger cache saves re-reading the B-tree paths that random digests walk.
  writer_.exec("PRAGMA cache_size=-16384");
  // Replaces SQLite's own checkpoints inside COMMIT, which would not sync with synchronous=OFF.
  writer_.on_commit([this](int pages) { wal_pages_ = pages; });
  writer_thread_ = std::thread([this] { write_loop(); });
  sync_thread_ = std::thread([this] { sync_loop(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_thread_.join();
  sync_thread_.join();
  if (wal_fd_ >= 0) ::close(wal_fd_);
  // Whatever closes the database last checkpoints it, and must sync when it does.
  writer_.on_commit([](int) {});
  writer_.exec("PRAGMA synchronous=FULL");
}

void GroupCommitter::run(const std::function<bool(Connection&)>& write) {
  // Shared, so the committing threads may still be finishing with it when this caller wakes.
  auto job = std::make_shared<Job>(write);
  auto durable = job->done.get_future();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  wake_writer_.notify_one();
  durable.wait();
  if (job->failure) std::rethrow_exception(job->failure);
}

void GroupCommitter::write_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_writer_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, and nothing left to write
    Group group;
    group.swap(queue_);
    lock.unlock();
    const bool committed = execute(group);
    if (committed) checkpoint_if_due();
    lock.lock();
    if (committed) {
      committed_.insert(committed_.end(), group.begin(), group.end());
      wake_syncer_.notify_one();
    }
  }
  writer_done_ = true;
  wake_syncer_.notify_one();
}

void GroupCommitter::sync_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_syncer_.wait(lock, [this] { return writer_done_ || !committed_.empty(); });
    if (committed_.empty()) return;  // the writer has stopped and everything is synced
    Group group;
    group.swap(committed_);
    lock.unlock();
    std::exception_ptr sync_failure;
    try {
      sync_wal();
    } catch (...) {
      sync_failure = std::current_exception();
    }
    for (const auto& job : group) {
      if (sync_failure) job->failure = sync_failure;
      job->done.set_value();
    }
    lock.lock();
  }
}

bool GroupCommitter::execute(const Group& group) {
  std::exception_ptr group_failure;
  try {
    writer_.prepare("BEGIN IMMEDIATE").run();
    for (const auto& job : group) {
      writer_.prepare("SAVEPOINT pier_write").run();
      bool keep = false;
      try {
        keep = job->write(writer_);
      } catch (...) {
        job->failure = std::current_exception();
      }
      if (!keep) writer_.prepare("ROLLBACK TO pier_write").run();
      writer_.prepare("RELEASE pier_write").run();
    }
    writer_.prepare("COMMIT").run();
    return true;
  } catch (...) {
    group_failure = std::current_exception();
    try {
      writer_.exec("ROLLBACK");
    } catch (const SqliteError&) {
      // Already rolled back by SQLite itself.
    }
  }
  for (const auto& job : group) {
    job->failure = group_failure;
    job->done.set_value();
  }
  return false;
}

void GroupCommitter::checkpoint_if_due() {
  if (wal_pages_ < next_checkpoint_pages_) return;
  next_checkpoint_pages_ = wal_pages_ + std::max(1, checkpoint_pages_ / 4);
  try {
    writer_.exec("PRAGMA synchronous=FULL");
    if (writer_.checkpoint()) next_checkpoint_pages_ = checkpoint_pages_;
    writer_.exec("PRAGMA synchronous=OFF");
  } catch (const SqliteError&) {
    // The WAL keeps its pages until the next commit past the threshold tries again.
    try {
      writer_.exec("PRAGMA synchronous=OFF");
    } catch (const SqliteError&) {
    }
  }
}

void GroupCommitter::sync_wal() {
  struct stat by_path {};
  struct stat open_one {};
  const bool replaced = wal_fd_ < 0 || ::stat(wal_path_.c_str(), &by_path) != 0 ||
                        ::fstat(wal_fd_, &open_one) != 0 || by_path.st_ino != open_one.st_ino ||
                        by_path.st_dev != open_one.st_dev;
  if (replaced) {
    if (wal_fd_ >= 0) ::close(wal_fd_);
    wal_fd_ = ::open(wal_path_.c_str(), O_RDWR | O_CLOEXEC);
    if (wal_fd_ < 0) throw sync_error("cannot open " + wal_path_);
    // With synchronous=OFF SQLite never syncs the folder, so a new WAL's name is made durable here.
    const auto folder = std::filesystem::path(wal_path_).parent_path();
    const int dir = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) throw sync_error("cannot open the database folder");
    const int rc = ::fsync(dir);
    ::close(dir);
    if (rc != 0) throw sync_error("cannot sync the database folder");
  }
  if (::fdatasync(wal_fd_) != 0) throw sync_error("cannot sync " + wal_path_);
}

}  // namespace pier::meta::sqlite
