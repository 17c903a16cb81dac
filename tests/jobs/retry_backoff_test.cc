#include "jobs/retry_backoff.h"

#include <gtest/gtest.h>

namespace pier::jobs {
namespace {

TEST(RetryBackoff, GrowsFourfoldFromFiveSecondsUpToAnHour) {
  EXPECT_EQ(retry_delay(1).count(), 5);
  EXPECT_EQ(retry_delay(2).count(), 20);
  EXPECT_EQ(retry_delay(3).count(), 80);
  EXPECT_EQ(retry_delay(6).count(), 3600);
  EXPECT_EQ(retry_delay(1000).count(), 3600);
}

}  // namespace
}  // namespace pier::jobs
