// common/byte_range.h: the byte ranges of upload chunks and of ranged blob reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.h"

namespace pier {

// An inclusive range [first, last] of byte offsets.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Content-Range of a PATCH chunk: "<first>-<last>" (the spec's form) or "bytes <first>-<last>/<size|*>".
// kRangeNotSatisfiable when malformed or last < first.
Result<ByteRange> parse_upload_content_range(std::string_view header);

// A Range request header against a blob of `size` bytes: "bytes=a-b", "bytes=a-" or "bytes=-n".
// nullopt for a header Pier ignores (not "bytes=", or several ranges: the whole blob is sent);
// kRangeNotSatisfiable when the range lies outside the blob.
Result<std::optional<ByteRange>> parse_range_header(std::string_view header, std::uint64_t size);

// Parses a whole decimal number without sign; nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view text);

}  // namespace pier
