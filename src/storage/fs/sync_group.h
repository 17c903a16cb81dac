// storage/fs/sync_group.h: many callers' writes made durable by one syncfs(2).
//
// A commit needs its blob's bytes on disk before the rename that publishes it, and the rename
// on disk before the client is told. With an fsync per file and per folder, concurrent
// commits each pay their own device flushes (and, in a VM, their own exits to the host); a
// SyncGroup lets them share: the first caller runs syncfs on the filesystem while later
// callers wait for the next round, which one of them then runs for all. It is group commit
// for the filesystem, as meta/sqlite/group_commit.h is for the database.
//
// syncfs flushes everything dirty on that filesystem, so the blob root belongs on a
// filesystem of its own (or one that is otherwise quiet) for the rounds to stay short.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>

namespace pier::storage {

class SyncGroup {
 public:
  // Any folder on the filesystem to sync. Throws std::system_error if it cannot be opened.
  explicit SyncGroup(const std::filesystem::path& folder);
  ~SyncGroup();
  SyncGroup(const SyncGroup&) = delete;
  SyncGroup& operator=(const SyncGroup&) = delete;

  // Returns once a syncfs that began after this call has finished, so what the caller wrote
  // before calling is on disk; false if that syncfs (or a later one) reported an error.
  bool sync();

  // syncfs calls made so far (fewer than sync() calls when callers shared rounds).
  std::uint64_t rounds();

 private:
  int fd_;
  std::mutex mutex_;
  std::condition_variable finished_round_;
  std::uint64_t started_ = 0;   // rounds begun
  std::uint64_t finished_ = 0;  // the last round that ended
  std::uint64_t failed_ = 0;    // the last round that reported an error
  bool running_ = false;
};

}  // namespace pier::storage
