#include "common/message.h"

#include <cerrno>

#include <unistd.h>

namespace pier {

std::string_view Request::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::query_params(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : query) {
    if (key == name) values.emplace_back(value);
  }
  return values;
}

FileRegion::FileRegion(int fd, std::uint64_t offset, std::uint64_t length)
    : fd_(fd), offset_(offset), length_(length) {}

FileRegion::FileRegion(int fd, std::uint64_t length, Sequential)
    : fd_(fd), offset_(0), length_(length), sequential_(true) {}

bool FileRegion::read_into(char* out) const {
  std::uint64_t done = 0;
  while (done < length_) {
    const auto want = static_cast<std::size_t>(length_ - done);
    const ssize_t n = sequential_ ? ::read(fd_, out + done, want)
                                  : ::pread(fd_, out + done, want, static_cast<off_t>(offset_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

FileRegion::~FileRegion() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace pier
