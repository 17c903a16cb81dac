#include "client/time_text.h"

#include <gtest/gtest.h>

namespace pier::client {
namespace {

std::int64_t parsed(std::string_view text) {
  auto at = parse_iso8601(text);
  EXPECT_TRUE(at) << text;
  return at ? *at : -1;
}

TEST(TimeText, FormatsUtc) {
  EXPECT_EQ(format_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc(1714564800), "2024-05-01T12:00:00Z");
}

TEST(TimeText, ParsesIso8601DatesTimesAndZones) {
  EXPECT_EQ(parsed("2024-05-01"), 1714521600);
  EXPECT_EQ(parsed("2024-05-01T12:00"), 1714564800);
  EXPECT_EQ(parsed("2024-05-01T12:00:00Z"), 1714564800);
  EXPECT_EQ(parsed("2024-05-01 12:00:00z"), 1714564800);
  EXPECT_EQ(parsed("2024-05-01T14:00:00+02:00"), 1714564800);
  EXPECT_EQ(parsed("2024-05-01T07:00:00-0500"), 1714564800);
  EXPECT_EQ(parsed("2024-02-29"), 1709164800);
  EXPECT_EQ(parsed("1969-12-31T23:59:59Z"), -1);
}

TEST(TimeText, RefusesAnythingElse) {
  for (const char* bad : {"", "yesterday", "1714564800", "2024-5-1", "2024-02-30", "2023-02-29", "2024-13-01",
                          "2024-05-01T24:00", "2024-05-01T12", "2024-05-01T12:00:00Q", "2024-05-01T12:00+2",
                          "2024-05-01T12:00:00Z trailing", "2024-05-01T12:60"}) {
    EXPECT_FALSE(parse_iso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace pier::client
