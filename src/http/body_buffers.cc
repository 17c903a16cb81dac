#include "http/body_buffers.h"

namespace pier::http {

std::unique_ptr<char[]> BodyBuffers::take() {
  {
    std::lock_guard lock(mutex_);
    if (!free_.empty()) {
      auto buffer = std::move(free_.back());
      free_.pop_back();
      return buffer;
    }
  }
  return std::unique_ptr<char[]>(new char[kSize]);
}

void BodyBuffers::give_back(std::unique_ptr<char[]> buffer) {
  std::lock_guard lock(mutex_);
  if (free_.size() < keep_) free_.push_back(std::move(buffer));
}

std::size_t BodyBuffers::kept() const {
  std::lock_guard lock(mutex_);
  return free_.size();
}

}  // namespace pier::http
