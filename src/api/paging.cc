#include "api/paging.h"

#include "api/json_body.h"
#include "api/numbers.h"

namespace pier::api {

namespace {

constexpr std::int64_t kMaxLimit = 1000;
// Longer than any name Pier holds, so a longer value can only be a mistake.
constexpr std::size_t kMaxTextLength = 255;

}  // namespace

Result<Page> page_of(const Request& request) {
  Page page;
  if (auto after = request.query_param("after")) {
    if (after->size() > kMaxTextLength) return bad_field("after", "too long");
    page.after = std::string(*after);
  }
  if (auto limit = request.query_param("limit")) {
    auto value = parse_integer("limit", *limit, 1, kMaxLimit);
    if (!value) return value.error();
    page.limit = static_cast<std::size_t>(*value);
  }
  return page;
}

Result<std::string> substring_of(const Request& request) {
  const auto q = request.query_param("q");
  if (!q) return std::string();
  if (q->size() > kMaxTextLength) return bad_field("q", "too long");
  return std::string(*q);
}

}  // namespace pier::api
