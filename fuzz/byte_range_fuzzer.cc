// fuzz/byte_range_fuzzer.cc: Range and Content-Range headers.
//
// Input: "<blob size>\n<header>"; without a newline (or with a size that does not parse) the
// whole input is the header and the blob size is its length.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/byte_range.h"
#include "fuzz_check.h"

namespace {

void check_range_header(std::string_view header, std::uint64_t size) {
  const auto range = pier::parse_range_header(header, size);
  if (!range) {
    FUZZ_CHECK(range.error().code == pier::ErrorCode::kRangeNotSatisfiable);
    return;
  }
  if (!*range) return;
  const pier::ByteRange r = **range;
  FUZZ_CHECK(r.first <= r.last);
  FUZZ_CHECK(r.last < size);
  FUZZ_CHECK(r.length() <= size);
  // The range written in its plain forms reads back the same.
  const auto explicit_form =
      pier::parse_range_header("bytes=" + std::to_string(r.first) + "-" + std::to_string(r.last), size);
  FUZZ_CHECK(explicit_form && *explicit_form && **explicit_form == r);
  if (r.last == size - 1) {
    const auto suffix_form = pier::parse_range_header("bytes=-" + std::to_string(r.length()), size);
    FUZZ_CHECK(suffix_form && *suffix_form && **suffix_form == r);
    const auto open_form = pier::parse_range_header("bytes=" + std::to_string(r.first) + "-", size);
    FUZZ_CHECK(open_form && *open_form && **open_form == r);
  }
}

void check_upload_content_range(std::string_view header) {
  const auto range = pier::parse_upload_content_range(header);
  if (!range) {
    FUZZ_CHECK(range.error().code == pier::ErrorCode::kRangeNotSatisfiable);
    return;
  }
  FUZZ_CHECK(range->first <= range->last);
  const std::string spec_form = std::to_string(range->first) + "-" + std::to_string(range->last);
  const auto spec_reread = pier::parse_upload_content_range(spec_form);
  FUZZ_CHECK(spec_reread && *spec_reread == *range);
  const auto http_reread = pier::parse_upload_content_range("bytes " + spec_form + "/*");
  FUZZ_CHECK(http_reread && *http_reread == *range);
}

void check_uint(std::string_view text) {
  const auto value = pier::parse_uint(text);
  if (!value) return;
  for (char c : text) FUZZ_CHECK(c >= '0' && c <= '9');
  FUZZ_CHECK(pier::parse_uint(std::to_string(*value)) == value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view header = input;
  std::uint64_t blob_size = input.size();
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    if (const auto parsed = pier::parse_uint(input.substr(0, newline))) {
      blob_size = *parsed;
      header = input.substr(newline + 1);
    }
  }
  check_range_header(header, blob_size);
  check_upload_content_range(header);
  check_uint(header);
  return 0;
}
