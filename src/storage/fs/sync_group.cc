#include "storage/fs/sync_group.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pier::storage {

SyncGroup::SyncGroup(const std::filesystem::path& folder)
    : fd_(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + folder.string());
}

SyncGroup::~SyncGroup() { ::close(fd_); }

bool SyncGroup::sync() {
  std::unique_lock lock(mutex_);
  // A round already running may have begun before the caller's writes: only the next counts.
  const std::uint64_t needed = started_ + 1;
  while (finished_ < needed) {
    if (running_) {
      finished_round_.wait(lock);
      continue;
    }
    running_ = true;
    const std::uint64_t round = ++started_;
    lock.unlock();
    const bool ok = ::syncfs(fd_) == 0;
    lock.lock();
    running_ = false;
    finished_ = round;
    if (!ok) failed_ = round;
    finished_round_.notify_all();
  }
  return failed_ < needed;
}

std::uint64_t SyncGroup::rounds() {
  std::lock_guard lock(mutex_);
  return started_;
}

}  // namespace pier::storage
