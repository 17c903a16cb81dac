// meta/sqlite/group_commit.h: many writers, one transaction, one disk sync.
//
// SQLite has one writer at a time and each durable commit costs an fsync. Writes from
// concurrent requests are queued here; a dedicated thread runs every queued write inside
// one transaction, each in its own savepoint, and commits once. A write that fails is
// rolled back to its savepoint without touching the others; if the commit itself fails,
// every write of the group fails. Callers wait until their group is durable.
//
// The disk sync is pipelined: the writer commits with synchronous=OFF (the WAL frames are
// written, not synced) and hands the group to a second thread, which fdatasyncs the WAL and
// only then lets the group's callers go on; meanwhile the writer runs the next group. One
// sync covers every group committed before it, since the WAL is appended in order. Readers
// may see a group a moment before it is durable, never a caller told so before it is.
// Checkpoints run on the writer between groups, with synchronous=FULL (the WAL synced before
// its pages are copied, the database file before the WAL may be reused), once the WAL passes
// `checkpoint_pages`: a WAL that large copies each hot page once rather than every 1,000 pages.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "meta/sqlite/sqlite_db.h"

namespace pier::meta::sqlite {

class GroupCommitter {
 public:
  // `database_path` is the file `writer` has open (its WAL is that path with "-wal").
  GroupCommitter(Connection& writer, std::string database_path, int checkpoint_pages = 10000);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `write` on the writer connection inside the next group and returns once that group
  // is durable. `write` returns false to have its changes rolled back. Rethrows what `write`
  // threw, or the SqliteError of a failed commit or sync.
  void run(const std::function<bool(Connection&)>& write);

 private:
  struct Job;
  using Group = std::vector<std::shared_ptr<Job>>;
  void write_loop();
  void sync_loop();
  // Commits the group; false if the commit failed and each job has been told.
  bool execute(const Group& group);
  void checkpoint_if_due();
  // fdatasync of the WAL, through a descriptor reopened if the file was replaced.
  void sync_wal();

  Connection& writer_;  // used only by writer_thread_ once constructed
  const std::string wal_path_;
  const int checkpoint_pages_;
  int wal_pages_ = 0;  // after the last commit; writer_thread_ only
  // The WAL length that triggers the next checkpoint; writer_thread_ only. A checkpoint that
  // readers kept from finishing is retried only after the WAL has grown some more, not after
  // every group.
  int next_checkpoint_pages_;
  int wal_fd_ = -1;    // sync_thread_ only
  std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable wake_syncer_;
  Group queue_;             // waiting to be written; guarded by mutex_
  Group committed_;         // committed, waiting for the sync; guarded by mutex_
  bool writer_done_ = false;  // the writer has stopped; guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  std::thread writer_thread_;
  std::thread sync_thread_;
};

}  // namespace pier::meta::sqlite
