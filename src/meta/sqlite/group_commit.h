// meta/sqlite/group_commit.h: many writers, one transaction, one disk sync.
//
// SQLite has one writer at a time and each durable commit costs an fsync. Writes from
// concurrent requests are queued here; a dedicated thread runs every queued write inside
// one transaction, each in its own savepoint, and commits once. A write that fails is
// rolled back to its savepoint without touching the others; if the commit itself fails,
// every write of the group fails. Callers wait until their group is durable.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "meta/sqlite/sqlite_db.h"

namespace pier::meta::sqlite {

class GroupCommitter {
 public:
  explicit GroupCommitter(Connection& writer);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `write` on the writer connection inside the next group and returns once that group
  // has committed. `write` returns false to have its changes rolled back. Rethrows what
  // `write` threw, or the SqliteError of a failed commit.
  void run(const std::function<bool(Connection&)>& write);

 private:
  struct Job;
  void loop();
  void execute(const std::vector<std::shared_ptr<Job>>& group);

  Connection& writer_;  // used only by thread_
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Job>> queue_;  // guarded by mutex_
  bool stopping_ = false;    // guarded by mutex_
  std::thread thread_;
};

}  // namespace pier::meta::sqlite
