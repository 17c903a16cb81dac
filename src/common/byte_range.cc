#include "common/byte_range.h"

#include <charconv>

#include "common/text.h"

namespace pier {

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {
Error bad_range(std::string_view what) {
  return make_error(ErrorCode::kRangeNotSatisfiable, std::string(what));
}
}  // namespace

Result<ByteRange> parse_upload_content_range(std::string_view header) {
  header = trim_blanks(header);
  if (header.starts_with("bytes ")) {
    header.remove_prefix(6);
    header = header.substr(0, header.find('/'));
  }
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return bad_range("malformed Content-Range");
  const auto first = parse_uint(header.substr(0, dash));
  const auto last = parse_uint(header.substr(dash + 1));
  if (!first || !last || *last < *first) return bad_range("malformed Content-Range");
  return ByteRange{*first, *last};
}

Result<std::optional<ByteRange>> parse_range_header(std::string_view header, std::uint64_t size) {
  header = trim_blanks(header);
  if (!header.starts_with("bytes=")) return std::optional<ByteRange>();
  header.remove_prefix(6);
  if (header.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  const auto dash = header.find('-');
  if (dash == std::string_view::npos) return bad_range("malformed Range");
  const auto first_text = trim_blanks(header.substr(0, dash));
  const auto last_text = trim_blanks(header.substr(dash + 1));
  if (first_text.empty()) {  // suffix range: the last n bytes
    const auto n = parse_uint(last_text);
    if (!n) return bad_range("malformed Range");
    if (*n == 0 || size == 0) return bad_range("range not satisfiable");
    const std::uint64_t take = std::min(*n, size);
    return std::optional<ByteRange>(ByteRange{size - take, size - 1});
  }
  const auto first = parse_uint(first_text);
  if (!first) return bad_range("malformed Range");
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto parsed = parse_uint(last_text);
    if (!parsed || *parsed < *first) return bad_range("malformed Range");
    last = std::min(*parsed, last);
  }
  if (*first >= size) return bad_range("range not satisfiable");
  return std::optional<ByteRange>(ByteRange{*first, last});
}

}  // namespace pier
