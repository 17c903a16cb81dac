#include "vuln/severity.h"

#include <gtest/gtest.h>

namespace pier::vuln {
namespace {

TEST(Severity, WordsOfTheDistributions) {
  EXPECT_EQ(parse_severity("low"), Severity::kLow);
  EXPECT_EQ(parse_severity("Moderate"), Severity::kMedium);
  EXPECT_EQ(parse_severity("MEDIUM"), Severity::kMedium);
  EXPECT_EQ(parse_severity("high"), Severity::kHigh);
  EXPECT_EQ(parse_severity("Important"), Severity::kHigh);
  EXPECT_EQ(parse_severity("critical"), Severity::kCritical);
  EXPECT_EQ(parse_severity("negligible"), Severity::kNone);
  EXPECT_EQ(parse_severity("none"), Severity::kNone);
  EXPECT_EQ(parse_severity("unknown"), Severity::kUnknown);
  EXPECT_FALSE(parse_severity(""));
  EXPECT_FALSE(parse_severity("severe"));
  EXPECT_FALSE(parse_severity(" high"));
}

TEST(Severity, TextRoundTrips) {
  for (const auto severity : {Severity::kUnknown, Severity::kNone, Severity::kLow, Severity::kMedium, Severity::kHigh,
                              Severity::kCritical}) {
    EXPECT_EQ(parse_severity(to_text(severity)), severity) << to_text(severity);
  }
  EXPECT_EQ(to_text(Severity::kMedium), "medium");
  EXPECT_LT(Severity::kHigh, Severity::kCritical);
}

TEST(Severity, RatingOfScores) {
  EXPECT_EQ(severity_of_score(0.0), Severity::kNone);
  EXPECT_EQ(severity_of_score(0.1), Severity::kLow);
  EXPECT_EQ(severity_of_score(3.9), Severity::kLow);
  EXPECT_EQ(severity_of_score(4.0), Severity::kMedium);
  EXPECT_EQ(severity_of_score(6.9), Severity::kMedium);
  EXPECT_EQ(severity_of_score(7.0), Severity::kHigh);
  EXPECT_EQ(severity_of_score(8.9), Severity::kHigh);
  EXPECT_EQ(severity_of_score(9.0), Severity::kCritical);
  EXPECT_EQ(severity_of_score(10.0), Severity::kCritical);
  EXPECT_EQ(severity_of_score(-1.0), Severity::kUnknown);
  EXPECT_EQ(severity_of_score(10.1), Severity::kUnknown);
}

void expect_score(std::string_view vector, double expected) {
  const auto score = cvss3_base_score(vector);
  ASSERT_TRUE(score) << vector;
  EXPECT_DOUBLE_EQ(*score, expected) << vector;
}

TEST(Severity, Cvss3BaseScores) {
  expect_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1);
  expect_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5);
  expect_score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9);
  expect_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5);
  expect_score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1);
  expect_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8);
  expect_score("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 4.3);
  expect_score("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8);
  expect_score("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4);
  // Metric order is free, and temporal and environmental metrics do not change the base score.
  expect_score("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8);
  expect_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L/MS:X", 9.8);
}

TEST(Severity, MalformedVectorsAreRefused) {
  for (const auto vector : {
           "",
           "CVSS:3.1/",
           "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H",
           "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:HH",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z",
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/E:P",
           "CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h",
           "CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
           "CVSS:3.1/AVN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
       }) {
    EXPECT_FALSE(cvss3_base_score(vector)) << vector;
  }
}

}  // namespace
}  // namespace pier::vuln
