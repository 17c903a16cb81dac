#include "common/message.h"

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

FileRegion::~FileRegion() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace pier
