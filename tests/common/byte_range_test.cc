#include "common/byte_range.h"

#include <gtest/gtest.h>

namespace pier {
namespace {

TEST(ByteRange, UploadContentRange) {
  EXPECT_EQ(*parse_upload_content_range("0-99"), (ByteRange{0, 99}));
  EXPECT_EQ(*parse_upload_content_range("bytes 100-199/*"), (ByteRange{100, 199}));
  EXPECT_EQ(parse_upload_content_range("0-99").value().length(), 100u);
  for (const char* bad : {"", "5", "10-5", "a-b", "-5", "1-", "1--2"}) {
    auto r = parse_upload_content_range(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kRangeNotSatisfiable);
  }
}

TEST(ByteRange, RangeHeader) {
  EXPECT_EQ(**parse_range_header("bytes=0-9", 100), (ByteRange{0, 9}));
  EXPECT_EQ(**parse_range_header("bytes=90-", 100), (ByteRange{90, 99}));
  EXPECT_EQ(**parse_range_header("bytes=-10", 100), (ByteRange{90, 99}));
  EXPECT_EQ(**parse_range_header("bytes=50-500", 100), (ByteRange{50, 99}));
  EXPECT_FALSE(*parse_range_header("items=0-1", 100));
  EXPECT_FALSE(*parse_range_header("bytes=0-1,5-6", 100));
  EXPECT_EQ(parse_range_header("bytes=100-", 100).error().code, ErrorCode::kRangeNotSatisfiable);
  EXPECT_EQ(parse_range_header("bytes=9-1", 100).error().code, ErrorCode::kRangeNotSatisfiable);
}

TEST(ByteRange, ParseUint) {
  EXPECT_EQ(parse_uint("42"), 42u);
  EXPECT_FALSE(parse_uint("-1"));
  EXPECT_FALSE(parse_uint("1x"));
  EXPECT_FALSE(parse_uint("99999999999999999999999"));
}

}  // namespace
}  // namespace pier
